// GET /metrics: the Prometheus text exposition of this process's metrics
// (core/metrics.h) and of the metadata store read at scrape time (runs and
// task instances by state, queue depth, workers and their heartbeats, when
// each DAG is next due), plus the reachability of the store, lake and
// warehouse. No authentication by default, as Prometheus scrapes without one:
// it shows counts, states, DAG, task, worker and host names only, never a
// URL, a connection or a message.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/metrics.h"
#include "server/context.h"

namespace sluice::server {
namespace {

// The lake and warehouse checks reach the network: a scrape every second must
// not make the server do so more often than this.
constexpr auto kDependencyCheckInterval = std::chrono::seconds(15);
// Queued task instances read to group by queue and find the oldest.
constexpr int kQueuedScanLimit = 10000;

double EpochSeconds(TimePoint time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

// A HealthCheck run at most every kDependencyCheckInterval: up and how long it took.
class TimedCheck {
 public:
  TimedCheck(std::string name, HealthCheck check)
      : name_(std::move(name)), check_(std::move(check)) {}

  void Collect(Clock& clock, MetricsRegistry& registry) {
    if (!check_) return;
    std::lock_guard lock(mutex_);
    auto now = clock.SteadyNow();
    if (!checked_ || now - checked_at_ >= kDependencyCheckInterval) {
      Status status = check_();
      seconds_ = std::chrono::duration<double>(clock.SteadyNow() - now).count();
      up_ = status.has_value();
      if (!up_) spdlog::warn("metrics: {} is unreachable: {}", name_, status.error().ToString());
      checked_ = true;
      checked_at_ = now;
    }
    MetricLabels labels = {{"dependency", name_}};
    registry
        .GetGauge("sluice_dependency_up", "Whether the last check reached the dependency.", labels)
        .Set(up_ ? 1 : 0);
    registry
        .GetGauge("sluice_dependency_check_seconds",
                  "Duration of the last check of a dependency (a HEAD on the lake, a query on "
                  "the warehouse or the metadata store).",
                  labels)
        .Set(seconds_);
  }

 private:
  std::string name_;
  HealthCheck check_;
  std::mutex mutex_;
  bool checked_ = false;
  bool up_ = false;
  double seconds_ = 0;
  std::chrono::steady_clock::time_point checked_at_;
};

Status CollectRuns(metadb::MetaStore& store, MetricsRegistry& registry) {
  using metadb::DagRunState;
  for (DagRunState state :
       {DagRunState::kQueued, DagRunState::kRunning, DagRunState::kSuccess, DagRunState::kFailed}) {
    SLUICE_ASSIGN_OR_RETURN(auto page,
                            store.ListRuns({.states = {state}, .limit = 1, .count_total = true}));
    registry
        .GetGauge("sluice_dag_runs", "DAG runs in the metadata store, by state.",
                  {{"state", std::string(metadb::DagRunStateName(state))}})
        .Set(static_cast<double>(page.total_entries.value_or(0)));
  }
  return OkStatus();
}

Status CollectTaskInstances(metadb::MetaStore& store, MetricsRegistry& registry) {
  for (int i = 0; i <= static_cast<int>(metadb::TaskState::kRemoved); ++i) {
    auto state = static_cast<metadb::TaskState>(i);
    SLUICE_ASSIGN_OR_RETURN(
        auto page, store.ListTaskInstances({.states = {state}, .limit = 1, .count_total = true}));
    registry
        .GetGauge("sluice_task_instances", "Task instances in the metadata store, by state.",
                  {{"state", std::string(metadb::TaskStateName(state))}})
        .Set(static_cast<double>(page.total_entries.value_or(0)));
  }
  return OkStatus();
}

// Queued task instances per queue, and how long the oldest has waited.
Status CollectQueues(metadb::MetaStore& store, Clock& clock, MetricsRegistry& registry) {
  SLUICE_ASSIGN_OR_RETURN(
      auto page,
      store.ListTaskInstances({.states = {metadb::TaskState::kQueued}, .limit = kQueuedScanLimit}));
  std::map<std::string, double> depth;
  std::optional<TimePoint> oldest;
  for (const metadb::TaskInstance& instance : page.items) {
    ++depth[instance.queue];
    if (instance.queued_at && (!oldest || *instance.queued_at < *oldest)) {
      oldest = instance.queued_at;
    }
  }
  depth.emplace("default", 0);
  for (const auto& [queue, count] : depth) {
    registry
        .GetGauge("sluice_task_queue_depth",
                  "Task instances queued for a worker, by queue (counted up to 10000).",
                  {{"queue", queue}})
        .Set(count);
  }
  double age = oldest ? std::chrono::duration<double>(clock.Now() - *oldest).count() : 0;
  registry
      .GetGauge("sluice_task_queue_oldest_age_seconds",
                "How long the longest-queued task instance has waited (0: none queued).")
      .Set(std::max(0.0, age));
  return OkStatus();
}

Status CollectWorkers(metadb::MetaStore& store, MetricsRegistry& registry) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<metadb::WorkerRecord> workers, store.ListWorkers(""));
  std::map<std::pair<std::string, std::string>, double> by_kind_state;
  std::optional<TimePoint> scheduler_heartbeat;
  for (const metadb::WorkerRecord& worker : workers) {
    std::string state(metadb::WorkerStateName(worker.state));
    ++by_kind_state[{worker.kind, state}];
    if (worker.kind == "scheduler" &&
        (!scheduler_heartbeat || worker.heartbeat_at > *scheduler_heartbeat)) {
      scheduler_heartbeat = worker.heartbeat_at;
    }
    if (worker.state == metadb::WorkerState::kStopped) continue;
    registry
        .GetGauge("sluice_worker_heartbeat_timestamp_seconds",
                  "Last heartbeat of each worker and scheduler not stopped.",
                  {{"kind", worker.kind},
                   {"worker", worker.id},
                   {"hostname", worker.hostname},
                   {"state", state}})
        .Set(EpochSeconds(worker.heartbeat_at));
  }
  for (const auto& [kind_state, count] : by_kind_state) {
    registry
        .GetGauge("sluice_workers", "Workers and schedulers the metadata store knows, by state.",
                  {{"kind", kind_state.first}, {"state", kind_state.second}})
        .Set(count);
  }
  if (scheduler_heartbeat) {
    registry
        .GetGauge("sluice_scheduler_heartbeat_timestamp_seconds",
                  "The latest heartbeat of any scheduler (absent: no scheduler ever ran).")
        .Set(EpochSeconds(*scheduler_heartbeat));
  }
  return OkStatus();
}

// When each DAG's next run is due: for an unpaused DAG, a time far behind now
// means the scheduler is not creating runs ("run late").
Status CollectNextRuns(metadb::MetaStore& store, MetricsRegistry& registry) {
  SLUICE_ASSIGN_OR_RETURN(auto dags, store.ListDags({}));
  for (const metadb::DagRecord& dag : dags.items) {
    if (!dag.next_dagrun.create_after) continue;
    registry
        .GetGauge("sluice_dag_next_run_timestamp_seconds",
                  "When the scheduler is to create the next run of each DAG with a schedule.",
                  {{"dag_id", dag.dag_id}, {"is_paused", dag.is_paused ? "true" : "false"}})
        .Set(EpochSeconds(*dag.next_dagrun.create_after));
  }
  return OkStatus();
}

// Everything read from the store; false when it could not be read.
bool CollectStore(metadb::MetaStore& store, Clock& clock, MetricsRegistry& registry) {
  auto start = clock.SteadyNow();
  Status status = store.Check();
  registry
      .GetGauge("sluice_dependency_check_seconds",
                "Duration of the last check of a dependency (a HEAD on the lake, a query on "
                "the warehouse or the metadata store).",
                {{"dependency", "metadb"}})
      .Set(std::chrono::duration<double>(clock.SteadyNow() - start).count());
  if (status) status = CollectRuns(store, registry);
  if (status) status = CollectTaskInstances(store, registry);
  if (status) status = CollectQueues(store, clock, registry);
  if (status) status = CollectWorkers(store, registry);
  if (status) status = CollectNextRuns(store, registry);
  if (!status) spdlog::warn("metrics: reading the metadata store: {}", status.error().ToString());
  registry
      .GetGauge("sluice_dependency_up", "Whether the last check reached the dependency.",
                {{"dependency", "metadb"}})
      .Set(status ? 1 : 0);
  return status.has_value();
}

}  // namespace

std::string RenderProcessMetrics() {
  MetricsRegistry scrape;
  CollectProcessMetrics(scrape);
  return RenderMetricsText({&ProcessMetrics(), &scrape});
}

void AddMetricsRoutes(Router& router, ServerContext& context) {
  auto lake = std::make_shared<TimedCheck>("lake", context.options.lake_health);
  auto warehouse = std::make_shared<TimedCheck>("warehouse", context.options.warehouse_health);
  auto metrics = [&context, lake, warehouse](Call&) {
    MetricsRegistry scrape;
    CollectProcessMetrics(scrape);
    CollectStore(context.store, context.clock, scrape);
    lake->Collect(context.clock, scrape);
    warehouse->Collect(context.clock, scrape);
    Reply reply;
    reply.body = RenderMetricsText({&ProcessMetrics(), &scrape});
    reply.content_type = std::string(kMetricsContentType);
    return reply;
  };
  router.Add({"GET",
              "/metrics",
              context.options.metrics_public ? Access::kPublic : Access::kViewer,
              metrics,
              {.summary = "Metrics in the Prometheus text format (0.0.4)",
               .tag = "Monitor",
               .content_type = std::string(kMetricsContentType)}});
}

}  // namespace sluice::server
