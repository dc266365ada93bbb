#include "metadb/rows.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace sluice::metadb {
namespace {

using std::chrono::microseconds;

template <typename Enum>
Enum ParseOr(std::optional<Enum> parsed, Enum fallback) {
  return parsed ? *parsed : fallback;
}

}  // namespace

DagRecord ReadDag(const SqlRow& row) {
  DagRecord dag;
  dag.dag_id = row.Text(0);
  dag.file_path = row.Text(1);
  dag.definition_hash = row.Text(2);
  dag.definition = row.Text(3);
  dag.version_number = static_cast<int>(row.Int(4));
  dag.schedule = row.Text(5);
  dag.timezone = row.Text(6);
  dag.description = row.Text(7);
  dag.tags = FromJsonList(row.Text(8));
  dag.is_paused = row.Bool(9);
  dag.is_stale = row.Bool(10);
  dag.last_parsed_at = row.OptTime(11);
  dag.next_dagrun.logical_date = row.OptTime(12);
  dag.next_dagrun.data_interval_start = row.OptTime(13);
  dag.next_dagrun.data_interval_end = row.OptTime(14);
  dag.next_dagrun.create_after = row.OptTime(15);
  return dag;
}

DagRun ReadRun(const SqlRow& row) {
  DagRun run;
  run.id = row.Int(0);
  run.dag_id = row.Text(1);
  run.run_id = row.Text(2);
  run.run_type = ParseOr(ParseRunType(row.Text(3)), RunType::kManual);
  run.logical_date = row.OptTime(4);
  run.data_interval_start = row.OptTime(5);
  run.data_interval_end = row.OptTime(6);
  run.run_after = row.Time(7);
  run.conf = row.Text(8);
  run.state = ParseOr(ParseDagRunState(row.Text(9)), DagRunState::kQueued);
  run.triggered_by = row.Text(10);
  run.dag_version_number = static_cast<int>(row.Int(11));
  run.backfill_id = row.OptInt(12);
  run.queued_at = row.OptTime(13);
  run.start_date = row.OptTime(14);
  run.end_date = row.OptTime(15);
  run.created_at = row.Time(16);
  run.updated_at = row.Time(17);
  return run;
}

TaskInstance ReadTaskInstance(const SqlRow& row) {
  TaskInstance ti;
  ti.key.dag_id = row.Text(0);
  ti.key.run_id = row.Text(1);
  ti.key.task_id = row.Text(2);
  ti.key.map_index = static_cast<int>(row.Int(3));
  ti.state = ParseOr(ParseTaskState(row.Text(4)), TaskState::kNone);
  ti.try_number = static_cast<int>(row.Int(5));
  ti.max_tries = static_cast<int>(row.Int(6));
  ti.retries = static_cast<int>(row.Int(7));
  ti.queue = row.Text(8);
  ti.priority_weight = static_cast<int>(row.Int(9));
  ti.queued_at = row.OptTime(10);
  ti.start_date = row.OptTime(11);
  ti.end_date = row.OptTime(12);
  if (!row.IsNull(13)) ti.duration = microseconds(std::llround(row.Double(13) * 1e6));
  ti.hostname = row.Text(14);
  if (!row.IsNull(15)) ti.pid = static_cast<int>(row.Int(15));
  ti.worker_id = row.Text(16);
  ti.heartbeat_at = row.OptTime(17);
  ti.next_retry_at = row.OptTime(18);
  ti.log_location = row.Text(19);
  ti.outputs = row.Text(20);
  ti.executor_config = row.Text(21);
  ti.updated_at = row.Time(22);
  return ti;
}

Backfill ReadBackfill(const SqlRow& row) {
  Backfill backfill;
  backfill.id = row.Int(0);
  backfill.dag_id = row.Text(1);
  backfill.from_date = row.Time(2);
  backfill.to_date = row.Time(3);
  backfill.dag_run_conf = row.Text(4);
  backfill.reprocess_behavior = row.Text(5);
  backfill.max_active_runs = static_cast<int>(row.Int(6));
  backfill.created_at = row.Time(7);
  backfill.completed_at = row.OptTime(8);
  return backfill;
}

WorkerRecord ReadWorker(const SqlRow& row) {
  WorkerRecord worker;
  worker.id = row.Text(0);
  worker.kind = row.Text(1);
  worker.hostname = row.Text(2);
  worker.pid = static_cast<int>(row.Int(3));
  worker.queues = FromJsonList(row.Text(4));
  worker.state = ParseOr(ParseWorkerState(row.Text(5)), WorkerState::kActive);
  worker.started_at = row.Time(6);
  worker.heartbeat_at = row.Time(7);
  return worker;
}

Result<int64_t> UpdateTaskInstance(SqlConnection& connection, const TaskInstance& ti) {
  static constexpr std::string_view kSql =
      "UPDATE task_instance SET state = $5, try_number = $6, max_tries = $7, retries = $8,"
      " queue = $9, priority_weight = $10, queued_at = $11, start_date = $12, end_date = $13,"
      " duration = $14, hostname = $15, pid = $16, worker_id = $17, heartbeat_at = $18,"
      " next_retry_at = $19, log_location = $20, outputs = $21, executor_config = $22,"
      " updated_at = $23"
      " WHERE dag_id = $1 AND run_id = $2 AND task_id = $3 AND map_index = $4";
  std::optional<double> duration_seconds;
  if (ti.duration) duration_seconds = static_cast<double>(ti.duration->count()) / 1e6;
  return Exec(connection, kSql, {}, ti.key.dag_id, ti.key.run_id, ti.key.task_id, ti.key.map_index,
              TaskStateName(ti.state), ti.try_number, ti.max_tries, ti.retries, ti.queue,
              ti.priority_weight, ti.queued_at, ti.start_date, ti.end_date, duration_seconds,
              ti.hostname, ti.pid, ti.worker_id, ti.heartbeat_at, ti.next_retry_at, ti.log_location,
              ti.outputs, ti.executor_config, ti.updated_at);
}

Status ArchiveTry(SqlConnection& connection, const TaskInstanceKey& key) {
  static const std::string kSql = fmt::format(
      "INSERT INTO task_instance_history ({0}) SELECT {0} FROM task_instance"
      " WHERE dag_id = $1 AND run_id = $2 AND task_id = $3 AND map_index = $4 AND try_number > 0"
      " ON CONFLICT (dag_id, run_id, task_id, map_index, try_number) DO NOTHING",
      kTaskInstanceColumns);
  SLUICE_TRY(Exec(connection, kSql, {}, key.dag_id, key.run_id, key.task_id, key.map_index));
  return OkStatus();
}

std::string ToJsonList(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> FromJsonList(std::string_view json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> values;
  if (!parsed.is_array()) return values;
  for (const auto& item : parsed) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

std::string OrderBy(std::string_view column, bool descending, std::string_view tie_breaker) {
  std::string_view direction = descending ? "DESC" : "ASC";
  return fmt::format(" ORDER BY {0} {1} NULLS LAST, {2} {1}", column, direction, tie_breaker);
}

}  // namespace sluice::metadb
