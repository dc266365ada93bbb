#include "scheduler/scheduler_metrics.h"

#include <algorithm>

#include "core/metrics.h"

namespace sluice::scheduler {
namespace {

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

double EpochSeconds(TimePoint time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

}  // namespace

void ObserveSchedulerPass(std::chrono::steady_clock::duration took, TimePoint now, bool ok) {
  MetricsRegistry& metrics = ProcessMetrics();
  static Histogram loop =
      metrics.GetHistogram("sluice_scheduler_loop_seconds",
                           "Duration of one scheduler pass over the runs.", LatencyBuckets());
  static Gauge last = metrics.GetGauge("sluice_scheduler_last_loop_timestamp_seconds",
                                       "When this process's scheduler last finished a pass.");
  static Counter errors =
      metrics.GetCounter("sluice_scheduler_loop_errors_total", "Scheduler passes that failed.");
  loop.Observe(Seconds(took));
  last.Set(EpochSeconds(now));
  if (!ok) errors.Increment();
}

void CountSchedulerHeartbeat(std::chrono::steady_clock::duration took, bool ok) {
  MetricsRegistry& metrics = ProcessMetrics();
  metrics
      .GetCounter("sluice_scheduler_heartbeats_total",
                  "Heartbeats this process's scheduler wrote to the metadata store, by result.",
                  {{"result", ok ? "ok" : "error"}})
      .Increment();
  static Histogram latency = metrics.GetHistogram(
      "sluice_metastore_operation_seconds", "Duration of metadata store calls, by operation.",
      LatencyBuckets(), {{"operation", "scheduler_heartbeat"}});
  latency.Observe(Seconds(took));
}

void CountRunCreated(const std::string& dag_id, metadb::RunType type) {
  ProcessMetrics()
      .GetCounter("sluice_dag_runs_created_total", "DAG runs the scheduler created.",
                  {{"dag_id", dag_id}, {"run_type", std::string(metadb::RunTypeName(type))}})
      .Increment();
}

void CountRunStarted(const metadb::DagRun& run, TimePoint now) {
  MetricsRegistry& metrics = ProcessMetrics();
  metrics
      .GetCounter("sluice_dag_runs_started_total", "DAG runs the scheduler started.",
                  {{"dag_id", run.dag_id}})
      .Increment();
  double late = std::max(0.0, std::chrono::duration<double>(now - run.run_after).count());
  metrics
      .GetHistogram("sluice_dag_run_start_delay_seconds",
                    "How long after it was due (run_after) a DAG run started.",
                    TaskDurationBuckets(), {{"dag_id", run.dag_id}})
      .Observe(late);
}

void CountRunFinished(const std::string& dag_id, metadb::DagRunState state) {
  ProcessMetrics()
      .GetCounter("sluice_dag_runs_finished_total", "DAG runs finished, by final state.",
                  {{"dag_id", dag_id}, {"state", std::string(metadb::DagRunStateName(state))}})
      .Increment();
}

void CountTaskFinished(const metadb::TaskInstanceKey& key, metadb::TaskState state) {
  ProcessMetrics()
      .GetCounter("sluice_task_instances_finished_total",
                  "Task instance tries ended, by the state they left the task instance in "
                  "(up_for_retry: failed with tries left).",
                  {{"dag_id", key.dag_id},
                   {"task_id", key.task_id},
                   {"state", std::string(metadb::TaskStateName(state))}})
      .Increment();
}

}  // namespace sluice::scheduler
