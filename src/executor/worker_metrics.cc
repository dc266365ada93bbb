#include "executor/worker_metrics.h"

#include <nlohmann/json.hpp>

#include "core/metrics.h"

namespace sluice::executor {
namespace {

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// The counters fed by one numeric field of the outcome JSON.
struct OutcomeCounter {
  const char* field;
  const char* name;
  const char* help;
};
constexpr OutcomeCounter kOutcomeCounters[] = {
    {"records_in", "sluice_task_records_in_total", "Records task tries read."},
    {"records_out", "sluice_task_records_out_total", "Records task tries wrote."},
    {"bytes_in", "sluice_task_bytes_in_total", "Bytes task tries read."},
    {"bytes_out", "sluice_task_bytes_out_total", "Bytes task tries wrote."},
    {"http_requests", "sluice_source_http_requests_total",
     "HTTP requests extract tries sent to sources (retries included)."},
    {"http_retries", "sluice_source_http_retries_total",
     "HTTP requests to sources that were retries."},
};

}  // namespace

void ObserveTry(const metadb::TaskInstanceKey& key, std::chrono::steady_clock::duration took,
                std::string_view outputs_json) {
  MetricsRegistry& metrics = ProcessMetrics();
  MetricLabels labels = {{"dag_id", key.dag_id}, {"task_id", key.task_id}};
  metrics
      .GetHistogram("sluice_task_duration_seconds", "Duration of task tries, in the worker.",
                    TaskDurationBuckets(), labels)
      .Observe(Seconds(took));
  // The outcome comes from the task's own process: read it defensively.
  auto outcome = nlohmann::json::parse(outputs_json, nullptr, /*allow_exceptions=*/false);
  for (const OutcomeCounter& counter : kOutcomeCounters) {
    Counter series = metrics.GetCounter(counter.name, counter.help, labels);
    if (!outcome.is_object()) continue;
    auto it = outcome.find(counter.field);
    if (it != outcome.end() && it->is_number()) series.Increment(it->get<double>());
  }
}

void CountTryFinished(const metadb::TaskInstanceKey& key, metadb::TaskState state) {
  ProcessMetrics()
      .GetCounter("sluice_task_instances_finished_total",
                  "Task instance tries ended, by the state they left the task instance in "
                  "(up_for_retry: failed with tries left).",
                  {{"dag_id", key.dag_id},
                   {"task_id", key.task_id},
                   {"state", std::string(metadb::TaskStateName(state))}})
      .Increment();
}

void CountWorkerHeartbeat(const std::string& worker_id, bool ok) {
  ProcessMetrics()
      .GetCounter("sluice_worker_heartbeats_total",
                  "Heartbeats workers of this process wrote to the metadata store, by result.",
                  {{"worker", worker_id}, {"result", ok ? "ok" : "error"}})
      .Increment();
}

void SetWorkerLoad(const std::string& worker_id, int running, int slots) {
  MetricsRegistry& metrics = ProcessMetrics();
  metrics
      .GetGauge("sluice_worker_tries_running", "Task tries a worker runs now.",
                {{"worker", worker_id}})
      .Set(running);
  metrics
      .GetGauge("sluice_worker_slots", "Task tries a worker may run at once.",
                {{"worker", worker_id}})
      .Set(slots);
}

void ObserveStoreCall(std::string_view operation, std::chrono::steady_clock::duration took) {
  ProcessMetrics()
      .GetHistogram("sluice_metastore_operation_seconds",
                    "Duration of metadata store calls, by operation.", LatencyBuckets(),
                    {{"operation", std::string(operation)}})
      .Observe(Seconds(took));
}

}  // namespace sluice::executor
