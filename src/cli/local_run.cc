#include "cli/local_run.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/store.h"
#include "core/heap.h"
#include "core/schedule.h"
#include "executor/executor.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {
namespace {

std::string HumanBytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < (uint64_t{1} << 20))
    return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
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
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// The metadata store's record of a run in this process: the run (manual,
// triggered_by "test", as `airflow dags test`: schedulers leave it to this process) and one try per
// task instance, with its log file, as a worker would write them.
class RunRecorder {
 public:
  RunRecorder(std::unique_ptr<metadb::MetaStore> store, metadb::DagRun run, std::string home)
      : store_(std::move(store)), run_(std::move(run)), home_(std::move(home)) {}

  const metadb::DagRun& run() const { return run_; }

  Status Start(const TaskSpec& task, Clock& clock) {
    SLUICE_ASSIGN_OR_RETURN(
        auto page, store_->ListTaskInstances(
                       {.dag_id = run_.dag_id, .run_id = run_.run_id, .task_ids = {task.id}}));
    current_.clear();
    logs_.clear();
    using metadb::TaskState;
    for (const metadb::TaskInstance& instance : page.items) {
      int try_number = instance.try_number + 1;
      std::vector<metadb::TaskTransition> start = {
          {.key = instance.key,
           .from = {TaskState::kNone, TaskState::kScheduled, TaskState::kQueued,
                    TaskState::kUpForRetry, TaskState::kSuccess, TaskState::kFailed,
                    TaskState::kUpstreamFailed, TaskState::kSkipped},
           .to = TaskState::kQueued,
           .new_try = true},
          {.key = instance.key,
           .from = {TaskState::kQueued},
           .expected_try = try_number,
           .to = TaskState::kRunning,
           .hostname = HostName(),
           .pid = static_cast<int>(::getpid()),
           .worker_id = "test"}};
      SLUICE_ASSIGN_OR_RETURN(std::vector<bool> applied, store_->TransitionTaskInstances(start));
      if (!applied[0] || !applied[1]) {
        return Error::Aborted("task {} of run {} is running elsewhere", task.id, run_.run_id);
      }
      current_.push_back({instance.key, try_number});
      logs_.push_back(std::make_unique<executor::TaskLog>(
          executor::TaskLogPath(home_, instance.key, try_number), clock));
    }
    return OkStatus();
  }

  void Log(std::string_view line) {
    for (auto& log : logs_) log->Line(line);
  }

  Status Finish(metadb::TaskState state, const std::string& outputs) {
    std::vector<metadb::TaskTransition> finish;
    for (size_t i = 0; i < current_.size(); ++i) {
      finish.push_back({.key = current_[i].key,
                        .from = {metadb::TaskState::kRunning},
                        .expected_try = current_[i].try_number,
                        .to = state,
                        .outputs = outputs,
                        .log_location = logs_[i]->path()});
    }
    SLUICE_TRY(store_->TransitionTaskInstances(finish));
    return OkStatus();
  }

  Status MarkUpstreamFailed(const TaskSpec& task) {
    SLUICE_ASSIGN_OR_RETURN(
        auto page, store_->ListTaskInstances(
                       {.dag_id = run_.dag_id, .run_id = run_.run_id, .task_ids = {task.id}}));
    std::vector<metadb::TaskTransition> mark;
    for (const metadb::TaskInstance& instance : page.items) {
      mark.push_back({.key = instance.key, .to = metadb::TaskState::kUpstreamFailed});
    }
    SLUICE_TRY(store_->TransitionTaskInstances(mark));
    return OkStatus();
  }

  // The run's state once every task instance has finished.
  Status Close(const Pipeline& pipeline) {
    SLUICE_ASSIGN_OR_RETURN(
        auto page, store_->ListTaskInstances({.dag_id = run_.dag_id, .run_id = run_.run_id}));
    auto finished = scheduler::FinishedRunState(pipeline, page.items);
    if (!finished) return OkStatus();
    SLUICE_TRY(store_->SetRunState(run_.dag_id, run_.run_id, *finished, std::nullopt));
    return OkStatus();
  }

 private:
  std::unique_ptr<metadb::MetaStore> store_;
  metadb::DagRun run_;
  std::string home_;
  std::vector<metadb::TaskTryRef> current_;
  std::vector<std::unique_ptr<executor::TaskLog>> logs_;
};

Result<std::unique_ptr<RunRecorder>> OpenRecorder(const Config& config, const Pipeline& pipeline,
                                                  const LocalRunOptions& options,
                                                  const scheduler::TriggerRequest& trigger,
                                                  TimePoint now) {
  using Record = LocalRunOptions::Record;
  if (options.record == Record::kNothing) return nullptr;
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(config));
  metadb::DagSync sync = scheduler::DagSyncOf(PipelineDirectory{.pipelines = {pipeline}});
  sync.complete = false;
  SLUICE_TRY(store->SyncDags(sync));
  if (options.record == Record::kExistingRun) {
    auto run = store->GetRun(pipeline.dag_id, trigger.run_id);
    if (!run && run.error().code() == Code::kNotFound) return nullptr;
    if (!run) return std::move(run).error();
    return std::make_unique<RunRecorder>(std::move(store), std::move(*run), config.home);
  }
  metadb::NewRun new_run = scheduler::BuildManualRun(pipeline, trigger, now);
  auto created = store->CreateRun(new_run);
  if (!created && created.error().code() != Code::kAlreadyExists) {
    return std::move(created).error();
  }
  SLUICE_TRY(store->SetRunState(pipeline.dag_id, trigger.run_id, metadb::DagRunState::kRunning,
                                std::nullopt));
  SLUICE_ASSIGN_OR_RETURN(metadb::DagRun run, store->GetRun(pipeline.dag_id, trigger.run_id));
  return std::make_unique<RunRecorder>(std::move(store), std::move(run), config.home);
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

Status RunLocally(CommandContext& context, const Pipeline& pipeline, const LocalRunOptions& options,
                  std::vector<TaskRunSummary>* summaries) {
  std::vector<TaskRunSummary> own_summaries;  // --output json prints them
  bool text = context.output == OutputFormat::kText;
  // Text output prints each task as it ends; a task's outcome (thousands of
  // part keys for a large extract) is not held through the tasks after it.
  if (summaries == nullptr && !text) summaries = &own_summaries;
  SystemClock clock;
  TimePoint now = clock.Now();
  std::string ds = options.ds.empty() ? FormatDate(now) : options.ds;
  SLUICE_ASSIGN_OR_RETURN(TimePoint logical_date, ParseIsoTime(ds));
  if (FormatDate(logical_date) != ds) {
    return Error::InvalidArgument("--date {}: expected YYYY-MM-DD", ds);
  }
  std::string run_id =
      options.run_id.empty()
          ? "manual__" + FormatIsoTime(std::chrono::floor<std::chrono::seconds>(now))
          : options.run_id;
  scheduler::TriggerRequest trigger{
      .logical_date = logical_date, .run_id = run_id, .triggered_by = "test"};
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<RunRecorder> recorder,
                          OpenRecorder(context.config, pipeline, options, trigger, now));
  metadb::DagRun run_record =
      recorder ? recorder->run() : scheduler::BuildManualRun(pipeline, trigger, now).run;
  TemplateContext templates = MakeTemplateContext(
      pipeline.dag_id, run_id, run_record.data_interval_start.value_or(logical_date),
      run_record.data_interval_end.value_or(logical_date), pipeline.params);
  operators::TaskEnvironment environment = MakeTaskEnvironment(context.config, clock);

  std::vector<const TaskSpec*> tasks;
  for (const TaskSpec& task : pipeline.tasks) {
    if (options.task_ids.empty() || std::find(options.task_ids.begin(), options.task_ids.end(),
                                              task.id) != options.task_ids.end()) {
      tasks.push_back(&task);
    }
  }
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
      if (recorder) SLUICE_TRY(recorder->MarkUpstreamFailed(*task));
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
    bool print_logs = options.print_logs;
    RunRecorder* record = recorder.get();
    run.log = [print_logs, record](std::string_view line) {
      if (print_logs) fmt::print("    | {}\n", line);
      if (record) record->Log(line);
    };
    if (recorder) SLUICE_TRY(recorder->Start(*task, clock));
    auto start = std::chrono::steady_clock::now();
    Result<operators::TaskOutcome> outcome = Error::Internal("not run");
    {
      ProgressLine progress(task->id);
      outcome = operators::RunTask(environment, run);
    }
    // One process runs every task here: the pages a task freed go back to the
    // kernel before the next one, as they would when its own process ended.
    TrimHeap();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (recorder) {
      if (!outcome) recorder->Log("error: " + outcome.error().ToString());
      SLUICE_TRY(
          recorder->Finish(outcome ? metadb::TaskState::kSuccess : metadb::TaskState::kFailed,
                           outcome ? outcome->ToJson() : "{}"));
    }
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
        fmt::print(
            "  {:<32} success  {:6.2f}s  {:>9} records in  {:>9} records out  {:>10} in  "
            "{:>10} out\n",
            task->id, summary.seconds, done.records_in, done.records_out, HumanBytes(done.bytes_in),
            HumanBytes(done.bytes_out));
        for (const operators::ItemOutcome& item : done.items) {
          fmt::print("      {:<12} {:>9} records  {:>10}  {}\n", item.item, item.records,
                     HumanBytes(item.bytes), item.detail);
        }
        for (const std::string& note : done.notes) fmt::print("  {}\n", note);
      }
    }
    if (summaries) summaries->push_back(std::move(summary));
  }
  if (recorder) SLUICE_TRY(recorder->Close(pipeline));
  double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  if (text) {
    fmt::print("run {} {} in {:.2f}s\n", run_id, first_failure ? "succeeded" : "failed", total);
  } else {
    nlohmann::json tasks_json = nlohmann::json::array();
    for (const TaskRunSummary& summary : *summaries) {
      tasks_json.push_back({{"task_id", summary.task_id},
                            {"state", summary.state},
                            {"seconds", summary.seconds},
                            {"outputs", nlohmann::json::parse(summary.outcome.ToJson())}});
    }
    fmt::print("{}\n", nlohmann::json{{"dag_id", pipeline.dag_id},
                                      {"run_id", run_id},
                                      {"ds", ds},
                                      {"state", first_failure ? "success" : "failed"},
                                      {"seconds", total},
                                      {"tasks", tasks_json}}
                           .dump(2));
  }
  return first_failure;
}

}  // namespace sluice::cli
