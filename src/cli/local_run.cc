#include "cli/local_run.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <set>
#include <thread>

#include "core/schedule.h"

namespace sluice::cli {
namespace {

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < (uint64_t{1} << 30)) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
  }
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1 << 30));
}

// "⠋ task 3.2s" redrawn on one terminal line while a task runs; nothing when
// stdout is not a terminal, so logs and pipes stay clean.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label) : label_(std::move(label)) {
    if (!::isatty(STDOUT_FILENO)) return;
    thread_ = std::thread([this] { Draw(); });
  }
  ~ProgressLine() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
    fmt::print("\r\033[K");
    std::fflush(stdout);
  }

 private:
  void Draw() {
    static constexpr std::string_view kFrames[] = {"|", "/", "-", "\\"};
    auto start = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    for (size_t frame = 0; !done_; ++frame) {
      if (wake_.wait_for(lock, std::chrono::milliseconds(frame == 0 ? 300 : 120),
                         [this] { return done_; })) {
        break;
      }
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print("\r\033[K{} {} {:.1f}s", kFrames[frame % 4], label_, seconds);
      std::fflush(stdout);
    }
  }

  std::string label_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

bool AnyUpstreamFailed(const TaskSpec& task, const std::set<std::string>& failed) {
  for (const std::string& upstream : task.upstream) {
    if (failed.count(upstream)) return true;
  }
  return false;
}

}  // namespace

operators::TaskEnvironment MakeTaskEnvironment(const Config& config, Clock& clock) {
  lake::LakeOptions lake_options;
  if (config.aws_access_key_id) lake_options.access_key = *config.aws_access_key_id;
  if (config.aws_secret_access_key) lake_options.secret_key = *config.aws_secret_access_key;
  return operators::TaskEnvironment(
      [config](const Pipeline& pipeline, const std::string& connection_id) {
        return ResolveConnection(config, pipeline, connection_id);
      },
      clock, lake_options);
}

Status RunLocally(CommandContext& context, const Pipeline& pipeline,
                  const LocalRunOptions& options, std::vector<TaskRunSummary>* summaries) {
  SystemClock clock;
  TimePoint now = clock.Now();
  std::string ds = options.ds.empty() ? FormatDate(now) : options.ds;
  SLUICE_ASSIGN_OR_RETURN(TimePoint logical_date, ParseIsoTime(ds));
  if (FormatDate(logical_date) != ds) {
    return Error::InvalidArgument("--date {}: expected YYYY-MM-DD", ds);
  }
  std::string run_id =
      options.run_id.empty() ? "manual__" + FormatIsoTime(std::chrono::floor<std::chrono::seconds>(now))
                             : options.run_id;
  TemplateContext templates = MakeTemplateContext(pipeline.dag_id, run_id, logical_date,
                                                  logical_date + std::chrono::hours(24),
                                                  pipeline.params);
  operators::TaskEnvironment environment = MakeTaskEnvironment(context.config, clock);

  std::vector<const TaskSpec*> tasks;
  for (const TaskSpec& task : pipeline.tasks) {
    if (options.task_ids.empty() ||
        std::find(options.task_ids.begin(), options.task_ids.end(), task.id) !=
            options.task_ids.end()) {
      tasks.push_back(&task);
    }
  }
  bool text = context.output == OutputFormat::kText;
  if (text) fmt::print("{}  ds={}  run_id={}\n", pipeline.dag_id, ds, run_id);

  std::set<std::string> failed;
  Status first_failure;
  auto run_start = std::chrono::steady_clock::now();
  for (const TaskSpec* task : tasks) {
    TaskRunSummary summary;
    summary.task_id = task->id;
    if (AnyUpstreamFailed(*task, failed)) {
      summary.state = "upstream_failed";
      failed.insert(task->id);
      if (text) fmt::print("  {:<32} {}\n", task->id, summary.state);
      if (summaries) summaries->push_back(std::move(summary));
      continue;
    }
    operators::TaskRun run{.pipeline = pipeline,
                           .task = *task,
                           .ds = ds,
                           .run_id = run_id,
                           .map_item = options.map_item,
                           .templates = templates,
                           .log = {},
                           .timeout = task->execution_timeout.value_or(std::chrono::seconds(0))};
    if (options.print_logs) run.log = [](std::string_view line) { fmt::print("    | {}\n", line); };
    auto start = std::chrono::steady_clock::now();
    Result<operators::TaskOutcome> outcome = Error::Internal("not run");
    {
      ProgressLine progress(task->id);
      outcome = operators::RunTask(environment, run);
    }
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outcome) {
      summary.state = "failed";
      failed.insert(task->id);
      if (first_failure) first_failure = std::move(outcome).error();
      if (text) fmt::print("  {:<32} failed   {:6.2f}s\n", task->id, summary.seconds);
    } else {
      summary.state = "success";
      summary.outcome = std::move(*outcome);
      const operators::TaskOutcome& done = summary.outcome;
      if (text) {
        fmt::print("  {:<32} success  {:6.2f}s  {:>9} records in  {:>9} records out  {:>10} in  "
                   "{:>10} out\n",
                   task->id, summary.seconds, done.records_in, done.records_out,
                   HumanBytes(done.bytes_in), HumanBytes(done.bytes_out));
        for (const operators::ItemOutcome& item : done.items) {
          fmt::print("      {:<12} {:>9} records  {:>10}  {}\n", item.item, item.records,
                     HumanBytes(item.bytes), item.detail);
        }
        for (const std::string& note : done.notes) fmt::print("  {}\n", note);
      }
    }
    if (summaries) summaries->push_back(std::move(summary));
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  if (text) {
    fmt::print("run {} {} in {:.2f}s\n", run_id, first_failure ? "succeeded" : "failed", total);
  }
  return first_failure;
}

}  // namespace sluice::cli
