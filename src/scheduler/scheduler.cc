#include "scheduler/scheduler.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <filesystem>
#include <unordered_map>

#include "scheduler/scheduler_metrics.h"

namespace sluice::scheduler {

using metadb::TaskInstance;
using metadb::TaskState;
using metadb::TaskTransition;

struct Scheduler::State {
  SchedulerOptions options;
  std::unique_ptr<SystemClock> own_clock;
  Clock* clock = nullptr;
  std::string hostname;

  mutable std::mutex pipelines_mutex;
  std::map<std::string, std::shared_ptr<const Pipeline>> pipelines;
  std::map<std::string, std::string> scheduled_hash;  // dag_id -> hash next_dagrun was computed for
  std::string folder_signature;

  std::mutex wake_mutex;
  std::condition_variable wake_cv;
  bool woken = false;
  std::atomic<bool> stopping{false};

  metadb::MetaStore& store() { return *options.store; }
  bool Wanted(const std::string& dag_id) const {
    return options.only_dag_id.empty() || options.only_dag_id == dag_id;
  }
};

namespace {

std::string Hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

// Names and modification times of the folder's files: a cheap test for "changed".
std::string FolderSignature(const std::string& folder) {
  std::string signature;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    auto time = entry.last_write_time(ec);
    signature += entry.path().filename().string();
    signature += ':' + std::to_string(time.time_since_epoch().count()) + ';';
  }
  return signature;
}

// Runs of `sluice run` (triggered_by "test", as `airflow dags test`) are
// executed by the process that created them, which heartbeats no task.
constexpr std::string_view kInProcess = "test";
bool IsInProcessRun(const metadb::DagRun& run) { return run.triggered_by == kInProcess; }

// Noops are run by the scheduler itself, as Airflow's EmptyOperator is.
constexpr std::string_view kNoop = "noop";
constexpr std::string_view kSchedulerWorker = "scheduler";

bool ProcessIsGone(int pid) { return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH; }

UpstreamStates CountUpstream(const TaskSpec& task,
                             const std::map<std::string, std::vector<TaskInstance*>>& by_task) {
  UpstreamStates counts;
  for (const std::string& upstream : task.upstream) {
    auto it = by_task.find(upstream);
    if (it == by_task.end()) continue;
    for (const TaskInstance* instance : it->second) {
      ++counts.total;
      switch (instance->state) {
        case TaskState::kSuccess:
          ++counts.success;
          break;
        case TaskState::kFailed:
        case TaskState::kUpstreamFailed:
          ++counts.failed;
          break;
        case TaskState::kSkipped:
          ++counts.skipped;
          break;
        default:
          break;
      }
      if (metadb::IsFinished(instance->state)) ++counts.done;
    }
  }
  return counts;
}

// The transitions that start a ready task instance: scheduled, then queued
// with a new try; a noop retried also runs and succeeds here, every state
// persisted.
void AppendStart(const TaskInstance& instance, const TaskSpec& task, const std::string& hostname,
                 std::vector<TaskTransition>& out) {
  const auto& key = instance.key;
  if (instance.state != TaskState::kUpForRetry) {
    out.push_back({.key = key,
                   .from = {TaskState::kNone, TaskState::kScheduled},
                   .to = TaskState::kScheduled});
  }
  out.push_back({.key = key,
                 .from = {TaskState::kScheduled, TaskState::kUpForRetry},
                 .to = TaskState::kQueued,
                 .new_try = true});
  if (task.kind != kNoop) return;
  int try_number = instance.try_number + 1;
  out.push_back({.key = key,
                 .from = {TaskState::kQueued},
                 .expected_try = try_number,
                 .to = TaskState::kRunning,
                 .hostname = hostname,
                 .pid = static_cast<int>(::getpid()),
                 .worker_id = std::string(kSchedulerWorker)});
  out.push_back({.key = key,
                 .from = {TaskState::kRunning},
                 .expected_try = try_number,
                 .to = TaskState::kSuccess});
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  if (state_->options.clock == nullptr) {
    state_->own_clock = std::make_unique<SystemClock>();
    state_->clock = state_->own_clock.get();
  } else {
    state_->clock = state_->options.clock;
  }
  state_->hostname = Hostname();
  if (state_->options.id.empty()) {
    state_->options.id = fmt::format("scheduler-{}-{}", state_->hostname, ::getpid());
  }
}

Scheduler::~Scheduler() = default;

std::shared_ptr<const Pipeline> Scheduler::PipelineOf(std::string_view dag_id) const {
  std::lock_guard lock(state_->pipelines_mutex);
  auto it = state_->pipelines.find(std::string(dag_id));
  return it == state_->pipelines.end() ? nullptr : it->second;
}

namespace {

// The end of the last scheduled interval of a DAG, from its runs.
Result<std::optional<TimePoint>> LastScheduledEnd(metadb::MetaStore& store,
                                                  const std::string& dag_id) {
  metadb::RunFilter filter{.dag_id = dag_id,
                           .run_type = metadb::RunType::kScheduled,
                           .order_by = metadb::RunOrder::kLogicalDate,
                           .descending = true,
                           .limit = 1};
  SLUICE_ASSIGN_OR_RETURN(auto page, store.ListRuns(filter));
  if (page.items.empty()) return std::optional<TimePoint>{};
  return page.items.front().data_interval_end;
}

}  // namespace

Status Scheduler::SyncDags() {
  State& s = *state_;
  s.folder_signature = FolderSignature(s.options.dags_folder);
  SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory,
                          LoadPipelineDirectory(s.options.dags_folder));
  for (const auto& [file, message] : directory.import_errors) {
    spdlog::warn("import error: {}", message);
  }
  SLUICE_TRY(s.store().SyncDags(DagSyncOf(directory)));
  std::map<std::string, std::shared_ptr<const Pipeline>> pipelines;
  for (Pipeline& pipeline : directory.pipelines) {
    std::string dag_id = pipeline.dag_id;
    pipelines[dag_id] = std::make_shared<const Pipeline>(std::move(pipeline));
  }
  TimePoint now = s.clock->Now();
  for (const auto& [dag_id, pipeline] : pipelines) {
    if (!s.Wanted(dag_id) || s.scheduled_hash[dag_id] == pipeline->content_hash) continue;
    // New or changed: its next run follows its schedule as it is now.
    SLUICE_ASSIGN_OR_RETURN(std::optional<TimePoint> last_end, LastScheduledEnd(s.store(), dag_id));
    auto next = NextDagRunAfter(*pipeline, last_end, now);
    if (!next) {
      spdlog::warn("DAG {}: {}", dag_id, next.error().ToString());
      continue;
    }
    SLUICE_TRY(s.store().SetNextDagRun(dag_id, *next));
    s.scheduled_hash[dag_id] = pipeline->content_hash;
  }
  std::lock_guard lock(s.pipelines_mutex);
  s.pipelines = std::move(pipelines);
  return OkStatus();
}

namespace {

Status FailLostTries(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                     PassReport& report);
Status CreateDueRuns(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                     PassReport& report);
Status StartQueuedRuns(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                       PassReport& report);
Result<std::optional<TimePoint>> NextRunDue(Scheduler::State& s, TimePoint after, TimePoint before);
Status AdvanceRun(Scheduler::State& s, const Pipeline& pipeline, const metadb::DagRun& run,
                  TimePoint now, PassReport& report);

}  // namespace

Result<PassReport> Scheduler::RunOnce() {
  State& s = *state_;
  PassReport report;
  TimePoint now = s.clock->Now();
  SLUICE_TRY(FailLostTries(s, *this, now, report));
  if (s.options.create_scheduled_runs) SLUICE_TRY(CreateDueRuns(s, *this, now, report));
  SLUICE_TRY(StartQueuedRuns(s, *this, now, report));
  metadb::RunFilter running{.dag_id = s.options.only_dag_id,
                            .states = {metadb::DagRunState::kRunning}};
  SLUICE_ASSIGN_OR_RETURN(auto runs, s.store().ListRuns(running));
  for (const metadb::DagRun& run : runs.items) {
    std::shared_ptr<const Pipeline> pipeline = PipelineOf(run.dag_id);
    if (!pipeline || IsInProcessRun(run)) continue;  // a broken file: the run waits for a fix
    SLUICE_TRY(AdvanceRun(s, *pipeline, run, now, report));
  }
  if (report.tasks_queued > 0 && s.options.on_tasks_queued) s.options.on_tasks_queued();
  if (s.options.create_scheduled_runs) {
    SLUICE_ASSIGN_OR_RETURN(report.next_run_due, NextRunDue(s, now, now + s.options.poll_interval));
  }
  return report;
}

namespace {

Status FailLostTries(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                     PassReport& report) {
  metadb::TaskInstanceFilter filter{.dag_id = s.options.only_dag_id,
                                    .states = {TaskState::kRunning}};
  SLUICE_ASSIGN_OR_RETURN(auto running, s.store().ListTaskInstances(filter));
  TimePoint heartbeat_before = now - s.options.task_heartbeat_timeout;
  std::vector<TaskTransition> transitions;
  for (const TaskInstance& instance : running.items) {
    // `sluice run` heartbeats no task: only its process's end says it is lost.
    bool silent = instance.worker_id != kInProcess && instance.heartbeat_at &&
                  *instance.heartbeat_at < heartbeat_before;
    // A worker of this host that is gone (killed, crashed) needs no timeout.
    bool gone = instance.hostname == s.hostname && instance.pid && ProcessIsGone(*instance.pid);
    if (!silent && !gone) continue;
    std::shared_ptr<const Pipeline> pipeline = scheduler.PipelineOf(instance.key.dag_id);
    const TaskSpec* task = pipeline ? pipeline->FindTask(instance.key.task_id) : nullptr;
    spdlog::warn("task {} of {} (try {}) lost its worker {} on {}: {}", instance.key.task_id,
                 instance.key.run_id, instance.try_number, instance.worker_id, instance.hostname,
                 gone ? "the process is gone" : "no heartbeat");
    if (task) {
      transitions.push_back(FailedTry(instance, *task, now));
    } else {
      transitions.push_back({.key = instance.key,
                             .from = {TaskState::kRunning},
                             .expected_try = instance.try_number,
                             .to = TaskState::kFailed});
    }
  }
  if (transitions.empty()) return OkStatus();
  SLUICE_ASSIGN_OR_RETURN(auto applied, s.store().TransitionTaskInstances(transitions));
  for (size_t i = 0; i < applied.size(); ++i) {
    if (!applied[i]) continue;
    ++report.tasks_finished;
    CountTaskFinished(transitions[i].key, transitions[i].to);
  }
  return OkStatus();
}

// The soonest run due in (after, before]: a DAG due now already had its
// chance in this pass (it may wait on max_active_runs).
Result<std::optional<TimePoint>> NextRunDue(Scheduler::State& s, TimePoint after,
                                            TimePoint before) {
  metadb::DagFilter filter{
      .due_before = before, .due_after = after, .soonest_due_first = true, .limit = 1};
  if (!s.options.only_dag_id.empty()) filter.dag_ids = {s.options.only_dag_id};
  SLUICE_ASSIGN_OR_RETURN(auto soonest, s.store().ListDags(filter));
  if (soonest.items.empty()) return std::optional<TimePoint>();
  return soonest.items.front().next_dagrun.create_after;
}

Result<int64_t> CountRuns(metadb::MetaStore& store, metadb::RunFilter filter) {
  filter.count_total = true;
  filter.limit = 1;
  SLUICE_ASSIGN_OR_RETURN(auto page, store.ListRuns(filter));
  return page.total_entries.value_or(static_cast<int64_t>(page.items.size()));
}

Status CreateDueRuns(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                     PassReport& report) {
  metadb::DagFilter filter{.is_paused = false, .due_before = now};
  if (!s.options.only_dag_id.empty()) filter.dag_ids = {s.options.only_dag_id};
  SLUICE_ASSIGN_OR_RETURN(auto due, s.store().ListDags(filter));
  for (const metadb::DagRecord& dag : due.items) {
    std::shared_ptr<const Pipeline> pipeline = scheduler.PipelineOf(dag.dag_id);
    if (!pipeline) continue;
    SLUICE_ASSIGN_OR_RETURN(int64_t active,
                            CountRuns(s.store(), {.dag_id = dag.dag_id,
                                                  .states = {metadb::DagRunState::kQueued,
                                                             metadb::DagRunState::kRunning}}));
    if (active >= pipeline->schedule.max_active_runs) continue;
    SLUICE_ASSIGN_OR_RETURN(std::optional<TimePoint> last_end,
                            LastScheduledEnd(s.store(), dag.dag_id));
    SLUICE_ASSIGN_OR_RETURN(metadb::NextDagRun next, NextDagRunAfter(*pipeline, last_end, now));
    if (!next.create_after || *next.create_after > now) {
      SLUICE_TRY(s.store().SetNextDagRun(dag.dag_id, next));
      continue;
    }
    metadb::NewRun new_run = BuildIntervalRun(*pipeline, metadb::RunType::kScheduled,
                                              *next.data_interval_start, *next.data_interval_end);
    SLUICE_ASSIGN_OR_RETURN(new_run.next_dagrun,
                            NextDagRunAfter(*pipeline, *next.data_interval_end, now));
    auto created = s.store().CreateRun(new_run);
    if (created) {
      ++report.runs_created;
      CountRunCreated(dag.dag_id, metadb::RunType::kScheduled);
      spdlog::info("created run {} of {}", created->run_id, dag.dag_id);
    } else if (created.error().code() == Code::kAlreadyExists) {
      SLUICE_TRY(s.store().SetNextDagRun(dag.dag_id, *new_run.next_dagrun));  // another scheduler
    } else {
      return std::move(created).error();
    }
  }
  return OkStatus();
}

Status StartQueuedRuns(Scheduler::State& s, const Scheduler& scheduler, TimePoint now,
                       PassReport& report) {
  metadb::RunFilter queued{.dag_id = s.options.only_dag_id,
                           .states = {metadb::DagRunState::kQueued},
                           .run_after_lte = now,
                           .order_by = metadb::RunOrder::kLogicalDate};
  SLUICE_ASSIGN_OR_RETURN(auto runs, s.store().ListRuns(queued));
  std::map<std::string, int64_t> running_of;  // dag id or "backfill:<id>" -> running runs
  std::map<int64_t, int> backfill_limits;
  for (const metadb::DagRun& run : runs.items) {
    std::shared_ptr<const Pipeline> pipeline = scheduler.PipelineOf(run.dag_id);
    if (!pipeline || IsInProcessRun(run)) continue;
    int limit = pipeline->schedule.max_active_runs;
    metadb::RunFilter count{.dag_id = run.dag_id, .states = {metadb::DagRunState::kRunning}};
    std::string slot_key = run.dag_id;
    if (run.backfill_id) {
      if (!backfill_limits.count(*run.backfill_id)) {
        SLUICE_ASSIGN_OR_RETURN(auto backfills, s.store().ListBackfills(run.dag_id, true));
        for (const metadb::Backfill& backfill : backfills) {
          backfill_limits[backfill.id] = backfill.max_active_runs;
        }
      }
      limit = backfill_limits[*run.backfill_id];
      count.backfill_id = run.backfill_id;
      slot_key = fmt::format("backfill:{}", *run.backfill_id);
    }
    if (!running_of.count(slot_key)) {
      SLUICE_ASSIGN_OR_RETURN(running_of[slot_key], CountRuns(s.store(), count));
    }
    if (running_of[slot_key] >= limit) continue;
    SLUICE_ASSIGN_OR_RETURN(
        bool started, s.store().SetRunState(run.dag_id, run.run_id, metadb::DagRunState::kRunning,
                                            metadb::DagRunState::kQueued));
    if (started) {
      ++running_of[slot_key];
      ++report.runs_started;
      CountRunStarted(run, now);
    }
  }
  return OkStatus();
}

// What one look at a run's task instances calls for: transitions, and noops
// that are ready, which the scheduler finishes all at once.
struct Decisions {
  std::vector<TaskTransition> transitions;
  std::vector<TaskInstance*> noops;
  bool empty() const { return transitions.empty() && noops.empty(); }
};

Decisions DecideTasks(const Pipeline& pipeline, std::vector<TaskInstance>& instances,
                      const std::string& hostname, TimePoint now) {
  std::map<std::string, std::vector<TaskInstance*>> by_task;
  for (TaskInstance& instance : instances) by_task[instance.key.task_id].push_back(&instance);
  std::unordered_map<std::string_view, const TaskSpec*> specs;  // FindTask is a linear search
  for (const TaskSpec& spec : pipeline.tasks) specs.emplace(spec.id, &spec);
  Decisions decisions;
  std::vector<TaskTransition>& transitions = decisions.transitions;
  for (TaskInstance& instance : instances) {
    auto spec = specs.find(instance.key.task_id);
    const TaskSpec* task = spec == specs.end() ? nullptr : spec->second;
    bool waiting = instance.state == TaskState::kNone || instance.state == TaskState::kScheduled;
    if (!task) {
      if (!metadb::IsFinished(instance.state) && instance.state != TaskState::kRunning) {
        transitions.push_back({.key = instance.key, .to = TaskState::kRemoved});
      }
      continue;
    }
    if (instance.state == TaskState::kUpForRetry) {
      if (!instance.next_retry_at || *instance.next_retry_at <= now) {
        AppendStart(instance, *task, hostname, transitions);
      }
      continue;
    }
    if (!waiting) continue;
    switch (Evaluate(task->trigger_rule, CountUpstream(*task, by_task))) {
      case Readiness::kWait:
        break;
      case Readiness::kRun:
        if (task->kind == kNoop) {
          decisions.noops.push_back(&instance);
        } else {
          AppendStart(instance, *task, hostname, transitions);
        }
        break;
      case Readiness::kSkip:
        transitions.push_back({.key = instance.key,
                               .from = {TaskState::kNone, TaskState::kScheduled},
                               .to = TaskState::kSkipped});
        break;
      case Readiness::kUpstreamFailed:
        transitions.push_back({.key = instance.key,
                               .from = {TaskState::kNone, TaskState::kScheduled},
                               .to = TaskState::kUpstreamFailed});
        break;
    }
  }
  return decisions;
}

// Applies what DecideTasks asked for to the store and to the run's task
// instances; true when one finished, which may free those downstream of it.
Result<bool> ApplyDecisions(Scheduler::State& s, const metadb::DagRun& run,
                            const Decisions& decisions,
                            std::map<std::pair<std::string_view, int>, TaskInstance*>& by_key,
                            PassReport& report) {
  bool finished_any = false;
  auto count_finished = [&](const metadb::TaskInstanceKey& key, TaskState to) {
    ++report.tasks_finished;
    CountTaskFinished(key, to);
    finished_any = true;
  };
  const std::vector<TaskTransition>& transitions = decisions.transitions;
  if (!transitions.empty()) {
    SLUICE_ASSIGN_OR_RETURN(std::vector<bool> applied,
                            s.store().TransitionTaskInstances(transitions));
    for (size_t i = 0; i < transitions.size(); ++i) {
      if (!applied[i]) continue;
      const metadb::TaskInstanceKey& key = transitions[i].key;
      TaskInstance* instance = by_key[{key.task_id, key.map_index}];
      instance->state = transitions[i].to;
      if (transitions[i].new_try) ++instance->try_number;
      if (transitions[i].to == TaskState::kQueued) ++report.tasks_queued;
      if (metadb::IsFinished(transitions[i].to)) count_finished(key, transitions[i].to);
    }
  }
  if (decisions.noops.empty()) return finished_any;
  metadb::NoopFinish finish{.dag_id = run.dag_id,
                            .run_id = run.run_id,
                            .hostname = s.hostname,
                            .pid = static_cast<int>(::getpid()),
                            .worker_id = std::string(kSchedulerWorker)};
  finish.tasks.reserve(decisions.noops.size());
  for (const TaskInstance* noop : decisions.noops) {
    finish.tasks.emplace_back(noop->key.task_id, noop->key.map_index);
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<metadb::TaskInstanceKey> finished,
                          s.store().FinishNoopTasks(finish));
  for (const metadb::TaskInstanceKey& key : finished) {
    TaskInstance* instance = by_key[{key.task_id, key.map_index}];
    instance->state = TaskState::kSuccess;
    ++instance->try_number;
    count_finished(key, TaskState::kSuccess);
  }
  return finished_any;
}

Status AdvanceRun(Scheduler::State& s, const Pipeline& pipeline, const metadb::DagRun& run,
                  TimePoint now, PassReport& report) {
  metadb::TaskInstanceFilter filter{.dag_id = run.dag_id, .run_id = run.run_id};
  SLUICE_ASSIGN_OR_RETURN(auto page, s.store().ListTaskInstances(filter));
  std::vector<TaskInstance> instances = std::move(page.items);
  // Every key of the run is its task id and map index.
  std::map<std::pair<std::string_view, int>, TaskInstance*> by_key;
  for (TaskInstance& instance : instances) {
    by_key[{instance.key.task_id, instance.key.map_index}] = &instance;
  }
  // Skips, upstream failures and noops finish here and may free what follows
  // them: look again at once rather than a pass later.
  for (bool again = true; again;) {
    Decisions decisions = DecideTasks(pipeline, instances, s.hostname, now);
    if (decisions.empty()) break;
    SLUICE_ASSIGN_OR_RETURN(again, ApplyDecisions(s, run, decisions, by_key, report));
  }
  std::optional<metadb::DagRunState> finished = FinishedRunState(pipeline, instances);
  if (!finished) return OkStatus();
  SLUICE_ASSIGN_OR_RETURN(bool closed, s.store().SetRunState(run.dag_id, run.run_id, *finished,
                                                             metadb::DagRunState::kRunning));
  if (!closed) return OkStatus();
  ++report.runs_finished;
  CountRunFinished(run.dag_id, *finished);
  spdlog::info("run {} of {}: {}", run.run_id, run.dag_id, metadb::DagRunStateName(*finished));
  if (!run.backfill_id) return OkStatus();
  // The last run of a backfill completes it, whichever process drove it.
  SLUICE_ASSIGN_OR_RETURN(
      auto open_runs,
      s.store().ListRuns({.dag_id = run.dag_id,
                          .states = {metadb::DagRunState::kQueued, metadb::DagRunState::kRunning},
                          .backfill_id = run.backfill_id,
                          .limit = 1}));
  if (open_runs.items.empty()) SLUICE_TRY(s.store().CompleteBackfill(*run.backfill_id));
  return OkStatus();
}

}  // namespace

void Scheduler::Wake() {
  {
    std::lock_guard lock(state_->wake_mutex);
    state_->woken = true;
  }
  state_->wake_cv.notify_all();
}

void Scheduler::Stop() {
  state_->stopping = true;
  Wake();
}

Status Scheduler::Run() {
  State& s = *state_;
  SLUICE_TRY(SyncDags());
  metadb::WorkerRecord record{.id = s.options.id,
                              .kind = "scheduler",
                              .hostname = s.hostname,
                              .pid = static_cast<int>(::getpid())};
  auto last_heartbeat = std::chrono::steady_clock::time_point{};
  auto last_scan = std::chrono::steady_clock::now();
  while (!s.stopping) {
    auto steady_now = std::chrono::steady_clock::now();
    if (steady_now - last_heartbeat >= std::chrono::seconds(5)) {
      auto beat = s.store().Heartbeat(record, {});
      CountSchedulerHeartbeat(std::chrono::steady_clock::now() - steady_now, beat.has_value());
      if (!beat) spdlog::warn("scheduler heartbeat: {}", beat.error().ToString());
      last_heartbeat = steady_now;
    }
    if (steady_now - last_scan >= s.options.rescan_interval ||
        FolderSignature(s.options.dags_folder) != s.folder_signature) {
      Status synced = SyncDags();
      if (!synced)
        spdlog::error("parsing {}: {}", s.options.dags_folder, synced.error().ToString());
      last_scan = steady_now;
    }
    auto pass_start = s.clock->SteadyNow();
    Result<PassReport> pass = RunOnce();
    ObserveSchedulerPass(s.clock->SteadyNow() - pass_start, s.clock->Now(), pass.has_value());
    if (!pass) spdlog::error("scheduler pass: {}", pass.error().ToString());
    std::unique_lock lock(s.wake_mutex);
    if (pass && pass->changed() && !s.woken) continue;
    auto wait = s.options.poll_interval;
    if (pass && pass->next_run_due) {
      auto until_due =
          std::chrono::ceil<std::chrono::milliseconds>(*pass->next_run_due - s.clock->Now());
      wait = std::clamp(until_due, std::chrono::milliseconds(0), wait);
    }
    s.wake_cv.wait_for(lock, wait, [&s] { return s.woken || s.stopping; });
    s.woken = false;
  }
  (void)s.store().SetWorkerState(s.options.id, metadb::WorkerState::kStopped);
  return OkStatus();
}

}  // namespace sluice::scheduler
