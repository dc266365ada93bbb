// Private to metadb: the column lists of each table and the readers that turn
// a row into its struct, shared by both backends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "metadb/metadb.h"
#include "metadb/sql.h"

namespace sluice::metadb {

inline constexpr std::string_view kDagColumns =
    "dag_id, file_path, definition_hash, definition, version_number, schedule, timezone,"
    " description, tags, is_paused, is_stale, last_parsed_at, next_dagrun,"
    " next_dagrun_data_interval_start, next_dagrun_data_interval_end, next_dagrun_create_after";

inline constexpr std::string_view kRunColumns =
    "id, dag_id, run_id, run_type, logical_date, data_interval_start, data_interval_end,"
    " run_after, conf, state, triggered_by, dag_version_number, backfill_id, queued_at,"
    " start_date, end_date, created_at, updated_at";

// The key first, then the fields a transition may change (kTaskInstanceMutable).
inline constexpr std::string_view kTaskInstanceColumns =
    "dag_id, run_id, task_id, map_index, state, try_number, max_tries, retries, queue,"
    " priority_weight, queued_at, start_date, end_date, duration, hostname, pid, worker_id,"
    " heartbeat_at, next_retry_at, log_location, outputs, executor_config, updated_at";

inline constexpr std::string_view kBackfillColumns =
    "id, dag_id, from_date, to_date, dag_run_conf, reprocess_behavior, max_active_runs,"
    " created_at, completed_at";

inline constexpr std::string_view kWorkerColumns =
    "id, kind, hostname, pid, queues, state, started_at, heartbeat_at";

DagRecord ReadDag(const SqlRow& row);
DagRun ReadRun(const SqlRow& row);
TaskInstance ReadTaskInstance(const SqlRow& row);
Backfill ReadBackfill(const SqlRow& row);
WorkerRecord ReadWorker(const SqlRow& row);

// Writes every column of kTaskInstanceColumns after the key, by key.
Result<int64_t> UpdateTaskInstance(SqlConnection& connection, const TaskInstance& ti);
// Keeps the current try of a task instance in task_instance_history (once per try).
Status ArchiveTry(SqlConnection& connection, const TaskInstanceKey& key);

// A JSON array of strings, for tags and queues.
std::string ToJsonList(const std::vector<std::string>& values);
std::vector<std::string> FromJsonList(std::string_view json);

// An ORDER BY suffix that sorts nulls last in both backends, then by tie_breaker.
std::string OrderBy(std::string_view column, bool descending, std::string_view tie_breaker);

}  // namespace sluice::metadb
