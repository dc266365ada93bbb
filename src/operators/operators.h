// Operators: the task kinds. RunTask() runs one task instance (one item of a
// mapped task) for one logical date, talking to the world only through a
// TaskEnvironment, so the in-process `sluice run`, the local executor and a
// remote worker all run a task the same way.
//
// Kinds: http_extract (source -> raw), transform (raw -> clean), create_tables
// and postgres_load (clean -> PostgreSQL, ending with the run's
// reconciliation), sql, command and noop. Tasks share nothing in memory: each
// reads what its upstream wrote to the lake.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "core/template.h"
#include "lake/lake.h"
#include "source/source.h"
#include "warehouse/warehouse.h"

namespace sluice::operators {

// Connections, stores and clients a task needs, opened on first use and kept
// for the next tasks of the process. Thread-safe.
class TaskEnvironment {
 public:
  // Resolves a connection id of a pipeline to its URL (environment, config
  // file, pipeline default: the CLI decides).
  using ConnectionResolver =
      std::function<Result<Url>(const Pipeline& pipeline, const std::string& connection_id)>;

  TaskEnvironment(ConnectionResolver resolver, Clock& clock, lake::LakeOptions lake_options = {});
  ~TaskEnvironment();

  Result<Url> Connection(const Pipeline& pipeline, const std::string& connection_id);
  // The pipeline's lake (one store per URL, shared).
  Result<lake::ObjectStore*> Lake(const Pipeline& pipeline);
  Result<source::HttpClient*> Http(const SourceSpec& source);
  // A new connection each call: a Warehouse is used by one thread at a time.
  Result<std::unique_ptr<warehouse::Warehouse>> Warehouse(const Pipeline& pipeline,
                                                          const std::string& connection_id);
  Clock& clock() { return clock_; }
  source::SourceCounters& source_counters() { return source_counters_; }

 private:
  ConnectionResolver resolver_;
  Clock& clock_;
  lake::LakeOptions lake_options_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<lake::ObjectStore>> lakes_;
  std::unique_ptr<source::HttpClient> http_;
  source::SourceCounters source_counters_;
};

struct TaskRun {
  const Pipeline& pipeline;
  const TaskSpec& task;
  std::string ds;      // logical date, YYYY-MM-DD
  std::string run_id;  // one key segment
  // The resource or table of one mapped instance; empty: every item.
  std::string map_item;
  // Values of {{ ds }}, {{ run_id }}, {{ params.NAME }}... in sql and command fields.
  TemplateContext templates;
  // Receives the task's log lines (already masked). May be empty.
  std::function<void(std::string_view line)> log;
  // Stops a command task after this long; zero: no limit.
  std::chrono::milliseconds timeout{0};
};

// What one item of a task did: a resource extracted, a table cleaned or loaded.
struct ItemOutcome {
  std::string item;
  uint64_t records = 0;
  uint64_t bytes = 0;
  std::string detail;  // "5 pages", "3 duplicates, 1 quarantined", "inserted 10, updated 0"
};

struct TaskOutcome {
  uint64_t records_in = 0;
  uint64_t records_out = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  uint64_t http_requests = 0;  // to the source (extract), retries included
  uint64_t http_retries = 0;
  std::vector<ItemOutcome> items;
  std::vector<std::string> object_keys;  // objects written
  std::vector<std::string> notes;        // lines for people: the reconciliation table
  // Everything above as JSON, for the metadata store.
  std::string ToJson() const;
};

Result<TaskOutcome> RunTask(TaskEnvironment& environment, const TaskRun& run);

// The items a task expands over: resource names for `expand: resources`,
// table names for `expand: tables`, none for an unmapped task.
std::vector<std::string> MapItems(const Pipeline& pipeline, const TaskSpec& task);

// The per-table balance of a run: records fetched from the source equal rows
// loaded plus records quarantined plus duplicates dropped.
struct TableReconciliation {
  std::string table;
  uint64_t fetched = 0;
  uint64_t loaded = 0;
  uint64_t quarantined = 0;
  uint64_t duplicates = 0;
  bool ok() const { return fetched == loaded + quarantined + duplicates; }
};

// "<clean_bucket>/_runs/<dag_id>/<run_id>.json"
std::string ReconciliationKey(const Pipeline& pipeline, std::string_view run_id);

}  // namespace sluice::operators
