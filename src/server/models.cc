#include "server/models.h"

#include <filesystem>

#include "operators/operators.h"
#include "server/crypto.h"

namespace sluice::server {
namespace {

nlohmann::json TextOrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json ParseObject(const std::string& text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  return value.is_object() ? value : nlohmann::json::object();
}

nlohmann::json Seconds(std::optional<TimePoint> start, std::optional<TimePoint> end) {
  if (!start || !end) return nullptr;
  return std::chrono::duration<double>(*end - *start).count();
}

// Airflow's DagRunTriggeredByType; other values would fail the clients' enum.
nlohmann::json TriggeredBy(const std::string& triggered_by) {
  static const char* kKnown[] = {"cli",  "operator",  "rest_api", "ui",
                                 "test", "timetable", "asset",    "backfill"};
  if (triggered_by == "scheduler") return "timetable";
  for (const char* known : kKnown) {
    if (triggered_by == known) return triggered_by;
  }
  return nullptr;
}

}  // namespace

nlohmann::json TimeJson(const std::optional<TimePoint>& time) {
  if (!time) return nullptr;
  std::string text = FormatIsoTime(*time);
  if (text.size() > 6 && text.compare(text.size() - 6, 6, "+00:00") == 0) {
    text.replace(text.size() - 6, 6, "Z");
  }
  return text;
}

std::string NameUuid(std::string_view name) {
  std::string hex = Sha256Hex(name).substr(0, 32);
  hex[12] = '5';
  static constexpr char kVariant[] = "89ab";
  hex[16] = kVariant[std::stoi(hex.substr(16, 1), nullptr, 16) & 3];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

nlohmann::json DagJson(const metadb::DagRecord& dag, const Pipeline* pipeline,
                       bool has_import_errors) {
  nlohmann::json tags = nlohmann::json::array();
  for (const std::string& tag : dag.tags) {
    tags.push_back({{"name", tag}, {"dag_id", dag.dag_id}, {"dag_display_name", dag.dag_id}});
  }
  bool periodic = !dag.schedule.empty() && dag.schedule != "@once" && dag.schedule != "none";
  return {
      {"dag_id", dag.dag_id},
      {"dag_display_name", dag.dag_id},
      {"is_paused", dag.is_paused},
      {"is_stale", dag.is_stale},
      {"last_parsed_time", TimeJson(dag.last_parsed_at)},
      {"last_parse_duration", nullptr},
      {"last_expired", nullptr},
      {"bundle_name", "dags-folder"},
      {"bundle_version", nullptr},
      {"relative_fileloc", std::filesystem::path(dag.file_path).filename().string()},
      {"fileloc", dag.file_path},
      {"description", TextOrNull(dag.description)},
      {"timetable_summary", TextOrNull(dag.schedule)},
      {"timetable_description", dag.schedule.empty()
                                    ? nlohmann::json("Never, external triggers only")
                                    : nlohmann::json(dag.schedule + " (" + dag.timezone + ")")},
      {"timetable_partitioned", false},
      {"timetable_periodic", periodic},
      {"tags", tags},
      {"max_active_tasks", 16},
      {"max_active_runs", pipeline ? pipeline->schedule.max_active_runs : 16},
      {"max_consecutive_failed_dag_runs", 0},
      {"has_task_concurrency_limits", false},
      {"has_import_errors", has_import_errors},
      {"next_dagrun_logical_date", TimeJson(dag.next_dagrun.logical_date)},
      {"next_dagrun_data_interval_start", TimeJson(dag.next_dagrun.data_interval_start)},
      {"next_dagrun_data_interval_end", TimeJson(dag.next_dagrun.data_interval_end)},
      {"next_dagrun_run_after", TimeJson(dag.next_dagrun.create_after)},
      {"owners", nlohmann::json::array()},
      {"file_token", Base64UrlEncode(dag.file_path)},
      {"is_backfillable", periodic},
      {"allowed_run_types", nullptr},
      // sluice's own
      {"schedule", dag.schedule},
      {"timezone", dag.timezone},
      {"version_number", dag.version_number},
  };
}

nlohmann::json DagVersionJson(const metadb::DagRecord& dag, int version_number,
                              std::optional<TimePoint> created_at) {
  return {{"id", NameUuid(fmt::format("dag_version/{}/{}", dag.dag_id, version_number))},
          {"version_number", version_number},
          {"dag_id", dag.dag_id},
          {"dag_display_name", dag.dag_id},
          {"bundle_name", "dags-folder"},
          {"bundle_version", nullptr},
          {"bundle_url", nullptr},
          {"created_at", TimeJson(created_at.value_or(dag.last_parsed_at.value_or(TimePoint())))}};
}

nlohmann::json DagVersionCache::Get(const metadb::DagRecord& dag, int version_number) {
  auto key = std::make_pair(dag.dag_id, version_number);
  auto it = versions_.find(key);
  if (it != versions_.end()) return it->second;
  auto version = store_.GetDagVersion(dag.dag_id, version_number);
  nlohmann::json json = DagVersionJson(dag, version_number,
                                       version ? std::optional(version->created_at) : std::nullopt);
  versions_.emplace(key, json);
  return json;
}

nlohmann::json RunJson(const metadb::DagRun& run, const metadb::DagRecord& dag,
                       DagVersionCache& versions) {
  return {{"dag_run_id", run.run_id},
          {"dag_id", run.dag_id},
          {"dag_display_name", run.dag_id},
          {"logical_date", TimeJson(run.logical_date)},
          {"queued_at", TimeJson(run.queued_at)},
          {"start_date", TimeJson(run.start_date)},
          {"end_date", TimeJson(run.end_date)},
          {"duration", Seconds(run.start_date, run.end_date)},
          {"data_interval_start", TimeJson(run.data_interval_start)},
          {"data_interval_end", TimeJson(run.data_interval_end)},
          {"run_after", TimeJson(run.run_after)},
          {"last_scheduling_decision", nullptr},
          {"run_type", metadb::RunTypeName(run.run_type)},
          {"state", metadb::DagRunStateName(run.state)},
          {"triggered_by", TriggeredBy(run.triggered_by)},
          {"triggering_user_name", nullptr},
          {"conf", ParseObject(run.conf)},
          {"note", nullptr},
          {"dag_versions", nlohmann::json::array({versions.Get(dag, run.dag_version_number)})},
          {"bundle_version", nullptr},
          {"partition_key", nullptr},
          {"partition_date", nullptr}};
}

namespace {

nlohmann::json CommonTaskFields(const metadb::TaskInstance& ti, const Pipeline* pipeline) {
  const TaskSpec* task = pipeline ? pipeline->FindTask(ti.key.task_id) : nullptr;
  nlohmann::json rendered_map_index = nullptr;
  if (task != nullptr && ti.key.map_index >= 0) {
    std::vector<std::string> items = operators::MapItems(*pipeline, *task);
    if (static_cast<size_t>(ti.key.map_index) < items.size()) {
      rendered_map_index = items[ti.key.map_index];
    }
  }
  nlohmann::json duration = nullptr;
  if (ti.duration) duration = std::chrono::duration<double>(*ti.duration).count();
  nlohmann::json state = nullptr;
  if (ti.state != metadb::TaskState::kNone) state = metadb::TaskStateName(ti.state);
  return {{"task_id", ti.key.task_id},
          {"task_display_name", ti.key.task_id},
          {"dag_id", ti.key.dag_id},
          {"dag_display_name", ti.key.dag_id},
          {"dag_run_id", ti.key.run_id},
          {"map_index", ti.key.map_index},
          {"rendered_map_index", rendered_map_index},
          {"start_date", TimeJson(ti.start_date)},
          {"end_date", TimeJson(ti.end_date)},
          {"duration", duration},
          {"state", state},
          {"try_number", ti.try_number},
          {"max_tries", ti.max_tries},
          {"hostname", TextOrNull(ti.hostname)},
          {"unixname", nullptr},
          {"pool", "default_pool"},
          {"pool_slots", 1},
          {"queue", ti.queue},
          {"priority_weight", ti.priority_weight},
          {"operator", task ? nlohmann::json(task->kind) : nlohmann::json(nullptr)},
          {"operator_name", task ? nlohmann::json(task->kind) : nlohmann::json(nullptr)},
          {"queued_when", TimeJson(ti.queued_at)},
          {"scheduled_when", nullptr},
          {"pid", ti.pid ? nlohmann::json(*ti.pid) : nlohmann::json(nullptr)},
          {"executor", nullptr},
          {"executor_config", ti.executor_config},
          // sluice's own
          {"outputs", ParseObject(ti.outputs)},
          {"next_retry_at", TimeJson(ti.next_retry_at)},
          {"heartbeat_at", TimeJson(ti.heartbeat_at)}};
}

}  // namespace

nlohmann::json TaskInstanceJson(const metadb::TaskInstance& ti, const metadb::DagRun& run,
                                const Pipeline* pipeline, const nlohmann::json& dag_version) {
  nlohmann::json json = CommonTaskFields(ti, pipeline);
  json["id"] = NameUuid(fmt::format("ti/{}/{}/{}/{}", ti.key.dag_id, ti.key.run_id, ti.key.task_id,
                                    ti.key.map_index));
  json["logical_date"] = TimeJson(run.logical_date);
  json["run_after"] = TimeJson(run.run_after);
  json["note"] = nullptr;
  json["rendered_fields"] = nlohmann::json::object();
  json["trigger"] = nullptr;
  json["triggerer_job"] = nullptr;
  json["dag_version"] = dag_version;
  return json;
}

nlohmann::json TaskTryJson(const metadb::TaskInstance& ti, const Pipeline* pipeline) {
  nlohmann::json json = CommonTaskFields(ti, pipeline);
  json["dag_version"] = nullptr;
  return json;
}

}  // namespace sluice::server
