// The scheduler: turns pipeline files into DAG records, schedules into runs,
// and finished upstream tasks into queued ones. It never runs a task itself
// (except the built-in `noop` kind, which it marks done as Airflow does for
// EmptyOperator): workers claim queued task instances from the metadata
// store (see executor/executor.h), so a task that crashes or hangs cannot take
// the scheduler down.
//
// Every decision is a compare-and-set in the metadata store, so several
// schedulers, a scheduler restarted after SIGKILL and workers on other hosts
// can share one database: a transition that lost a race is simply refused.
//
// Thread-safety: a Scheduler is driven by one thread; Wake() may be called
// from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "metadb/metadb.h"

namespace sluice::scheduler {

// ---- Pipelines as the metadata store sees them ----------------------------------

// The DAG records of a parsed pipelines folder (definition: the task graph as JSON).
metadb::DagSync DagSyncOf(const PipelineDirectory& directory);

// The run after the last one of a DAG's schedule, Airflow's next_dagrun:
// catchup follows the intervals from the last one (or start_date); without
// catchup only the latest complete interval at `now` is due. No further run
// (create_after empty) for schedule none, after @once, or past end_date.
// kInvalidArgument for a bad schedule or date.
Result<metadb::NextDagRun> NextDagRunAfter(const Pipeline& pipeline,
                                           std::optional<TimePoint> last_interval_end,
                                           TimePoint now);

// The next `count` runs a DAG's schedule gives from `now` on.
Result<std::vector<metadb::NextDagRun>> UpcomingRuns(const Pipeline& pipeline, TimePoint now,
                                                     int count);

// ---- Runs -------------------------------------------------------------------

struct TriggerRequest {
  std::optional<TimePoint> logical_date;                            // nullopt: now
  std::string run_id;                                               // "": manual__<logical date>
  std::string conf = "{}";                                          // a JSON object
  std::optional<TimePoint> data_interval_start, data_interval_end;  // both or neither
  std::optional<TimePoint> run_after;                               // nullopt: the logical date
  std::string triggered_by = "rest_api";
};

// The run a manual trigger creates, as the scheduler creates its own: queued,
// with one task instance per task (per map item for a mapped task). Without a
// data interval it is the schedule's interval that ended last at or before
// the logical date (Airflow's manual data interval), or [logical date,
// logical date] for a DAG without a schedule.
metadb::NewRun BuildManualRun(const Pipeline& pipeline, const TriggerRequest& request,
                              TimePoint now);

// A scheduled or backfill run of one data interval: run id
// "scheduled__<ISO logical date>" or "backfill__<...>".
metadb::NewRun BuildIntervalRun(const Pipeline& pipeline, metadb::RunType type,
                                TimePoint interval_start, TimePoint interval_end,
                                std::string conf = "{}");

// The task instances of a new run, state none: one per task, one per item of
// a mapped task (map_index in item order), with retries, queue and Airflow's
// downstream priority weights.
std::vector<metadb::NewTaskInstance> TaskInstancesOf(const Pipeline& pipeline);

// Airflow's rule for run ids: letters, digits and _ . ~ : + -, at most 250.
bool IsValidRunId(std::string_view run_id);

// The intervals a backfill over logical dates [from, to] creates, in order.
Result<std::vector<DataInterval>> BackfillIntervals(const Pipeline& pipeline, TimePoint from,
                                                    TimePoint to);

// ---- Task flow ----------------------------------------------------------------

// What a task instance waiting on its upstream should do now.
enum class Readiness { kWait, kRun, kSkip, kUpstreamFailed };

// Counts over every upstream task instance (every map index of a mapped upstream).
struct UpstreamStates {
  int total = 0;
  int success = 0;
  int failed = 0;  // failed or upstream_failed
  int skipped = 0;
  int done = 0;  // finished in any way
};

// Airflow's trigger rules on the upstream states.
Readiness Evaluate(TriggerRule rule, const UpstreamStates& upstream);

// The transition that ends a failed try: up_for_retry (with next_retry_at
// after the task's retry delay, doubled per try with exponential backoff)
// while tries are left, failed otherwise. Guarded on running and the try.
metadb::TaskTransition FailedTry(const metadb::TaskInstance& instance, const TaskSpec& task,
                                 TimePoint now, std::optional<std::string> outputs = {});

// The state a run ends in once every task instance has finished: failed when
// a leaf task (one without downstream tasks) failed or had its upstream fail,
// success otherwise. nullopt while a task instance has not finished.
std::optional<metadb::DagRunState> FinishedRunState(
    const Pipeline& pipeline, const std::vector<metadb::TaskInstance>& instances);

// ---- The scheduler loop --------------------------------------------------------------

struct SchedulerOptions {
  metadb::MetaStore* store = nullptr;  // required; not owned
  Clock* clock = nullptr;              // the system clock when null; not owned
  std::string dags_folder;             // required
  std::string id;                      // its heartbeat record; default "scheduler-<host>-<pid>"
  std::chrono::milliseconds rescan_interval{std::chrono::seconds(30)};
  // A running task instance whose worker has not heartbeaten for this long is
  // lost: its try fails and is retried per the task's policy.
  std::chrono::milliseconds task_heartbeat_timeout{std::chrono::seconds(60)};
  // The longest sleep between passes when nothing wakes the loop.
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  // Only runs of this DAG (for `sluice backfill` and tests); empty: every DAG.
  std::string only_dag_id;
  // Create runs from schedules (off for `sluice backfill`, which runs its own).
  bool create_scheduled_runs = true;
  // Called after a pass queued task instances (workers in the same process claim at once).
  std::function<void()> on_tasks_queued;
};

// What one pass did, for logs, tests and the loop's pace.
struct PassReport {
  int runs_created = 0;
  int runs_started = 0;
  int runs_finished = 0;
  int tasks_queued = 0;
  int tasks_finished = 0;  // skipped, upstream_failed, noop done, lost tries
  // When the next scheduled run is due, if that is before the next poll: the
  // loop wakes then, so a run starts on time rather than up to a poll late.
  std::optional<TimePoint> next_run_due;
  bool changed() const {
    return runs_created + runs_started + runs_finished + tasks_queued + tasks_finished > 0;
  }
};

class Scheduler {
 public:
  explicit Scheduler(SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Parses the pipelines folder and records it: new and changed DAGs, import
  // errors, DAGs gone stale, and next_dagrun for DAGs that lack it.
  Status SyncDags();
  // One pass at the clock's now: lost tries, runs due by schedule, queued runs
  // started (max_active_runs), ready task instances queued, finished runs closed.
  Result<PassReport> RunOnce();
  // Passes until Stop(): a pass follows at once when the previous one changed
  // something or Wake() was called, when the next scheduled run is due, and
  // after poll_interval otherwise. Rescans the folder every rescan_interval and
  // heartbeats as a "scheduler" record.
  Status Run();
  void Stop();
  // A worker finished a task or a run was triggered: pass again now.
  void Wake();

  // The pipeline of a DAG as last parsed (nullptr when unknown).
  std::shared_ptr<const Pipeline> PipelineOf(std::string_view dag_id) const;

  struct State;  // private to scheduler.cc

 private:
  std::unique_ptr<State> state_;
};

}  // namespace sluice::scheduler
