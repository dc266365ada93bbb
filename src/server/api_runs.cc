// DAG runs: POST and GET /api/v2/dags/{dag_id}/dagRuns (dag_id "~": every DAG),
// GET /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}.
#include <regex>

#include "scheduler/scheduler.h"
#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

using scheduler::BuildManualRun;
using scheduler::IsValidRunId;
using scheduler::TriggerRequest;

// A time with a zone (Airflow refuses naive datetimes); null gives nullopt.
bool ReadAwareTime(const nlohmann::json& body, const std::string& name,
                   std::optional<TimePoint>* out, std::vector<ValidationIssue>* issues) {
  *out = std::nullopt;
  if (!body.contains(name) || body[name].is_null()) return true;
  static const std::regex kZoned(R"(.*(Z|z|[+-]\d\d:?\d\d)$)");
  if (body[name].is_string()) {
    std::string text = body[name].get<std::string>();
    auto time = ParseIsoTime(text);
    if (time && std::regex_match(text, kZoned)) {
      *out = *time;
      return true;
    }
  }
  issues->push_back({{"body", name},
                     "Input should be a valid datetime with a time zone (ISO 8601)",
                     "timezone_aware"});
  return false;
}

std::optional<Reply> ReadTrigger(const httplib::Request& request, TriggerRequest* trigger) {
  nlohmann::json body;
  if (auto invalid =
          ParseJsonBody(request,
                        {"conf", "dag_run_id", "data_interval_end", "data_interval_start",
                         "logical_date", "note", "partition_key", "run_after"},
                        &body)) {
    return invalid;
  }
  std::vector<ValidationIssue> issues;
  if (!body.contains("logical_date")) {
    issues.push_back({{"body", "logical_date"}, "Field required", "missing"});
  }
  ReadAwareTime(body, "logical_date", &trigger->logical_date, &issues);
  ReadAwareTime(body, "data_interval_start", &trigger->data_interval_start, &issues);
  ReadAwareTime(body, "data_interval_end", &trigger->data_interval_end, &issues);
  ReadAwareTime(body, "run_after", &trigger->run_after, &issues);
  if (trigger->data_interval_start.has_value() != trigger->data_interval_end.has_value()) {
    issues.push_back({{"body"},
                      "Either both data_interval_start and data_interval_end must be provided "
                      "or both must be None",
                      "value_error"});
  }
  if (body.contains("conf") && !body["conf"].is_null()) {
    if (body["conf"].is_object()) {
      trigger->conf = body["conf"].dump();
    } else {
      issues.push_back({{"body", "conf"}, "Input should be a valid dictionary", "dict_type"});
    }
  }
  if (body.contains("dag_run_id") && !body["dag_run_id"].is_null()) {
    if (body["dag_run_id"].is_string() && IsValidRunId(body["dag_run_id"].get<std::string>())) {
      trigger->run_id = body["dag_run_id"].get<std::string>();
    } else {
      issues.push_back({{"body", "dag_run_id"},
                        "A run id has 1 to 250 letters, digits or _ . ~ : + -",
                        "string_pattern_mismatch"});
    }
  }
  for (const char* text_field : {"note", "partition_key"}) {
    if (body.contains(text_field) && !body[text_field].is_null() && !body[text_field].is_string()) {
      issues.push_back({{"body", text_field}, "Input should be a valid string", "string_type"});
    }
  }
  if (!issues.empty()) return ValidationReply(issues);
  return std::nullopt;
}

Reply TriggerRun(ServerContext& context, Call& call) {
  TriggerRequest trigger;
  trigger.triggered_by = call.principal->via_session ? "ui" : "rest_api";
  if (auto invalid = ReadTrigger(call.request, &trigger)) return *invalid;
  auto entry = context.catalog.Get(call.Path("dag_id"));
  if (!entry) return ErrorReply(entry.error());
  if (!entry->pipeline) {
    return DetailReply(409, fmt::format("DAG '{}': its file {} no longer loads; see "
                                        "/api/v2/importErrors",
                                        entry->record.dag_id, entry->record.file_path));
  }
  metadb::NewRun new_run = BuildManualRun(*entry->pipeline, trigger, context.clock.Now());
  auto run = context.store.CreateRun(new_run);
  if (!run) {
    if (run.error().code() == Code::kAlreadyExists) {
      return DetailReply(409, fmt::format("DAG Run with id '{}' already exists for DAG '{}'",
                                          new_run.run.run_id, new_run.run.dag_id));
    }
    return ErrorReply(run.error());
  }
  if (context.options.on_runs_changed) context.options.on_runs_changed();
  DagVersionCache versions(context.store);
  return JsonReply(200, RunJson(*run, entry->record, versions));
}

std::optional<metadb::RunOrder> ParseRunOrder(std::string name, bool* descending) {
  *descending = !name.empty() && name[0] == '-';
  if (*descending) name.erase(0, 1);
  if (name == "id") return metadb::RunOrder::kId;
  if (name == "logical_date") return metadb::RunOrder::kLogicalDate;
  if (name == "run_after") return metadb::RunOrder::kRunAfter;
  if (name == "start_date") return metadb::RunOrder::kStartDate;
  if (name == "end_date") return metadb::RunOrder::kEndDate;
  if (name == "updated_at") return metadb::RunOrder::kUpdatedAt;
  return std::nullopt;
}

// Filters from the query string, or the 422 to answer.
std::optional<Reply> ReadRunFilter(const Call& call, metadb::RunFilter* filter) {
  Reply invalid;
  auto paging = ParsePaging(call, &invalid);
  if (!paging) return invalid;
  filter->limit = paging->limit;
  filter->offset = paging->offset;
  filter->count_total = true;
  for (const std::string& state : call.QueryAll("state")) {
    auto parsed = metadb::ParseDagRunState(state);
    if (!parsed) return ValidationReply({"query", "state"}, "Invalid value for state", "enum");
    filter->states.push_back(*parsed);
  }
  if (auto run_type = call.Query("run_type")) {
    filter->run_type = metadb::ParseRunType(*run_type);
    if (!filter->run_type) {
      return ValidationReply({"query", "run_type"}, "Invalid value for run_type", "enum");
    }
  }
  if (auto order = call.Query("order_by")) {
    auto parsed = ParseRunOrder(*order, &filter->descending);
    if (!parsed) {
      return DetailReply(400, fmt::format("Ordering with '{}' is disallowed or the attribute "
                                          "does not exist on the model",
                                          *order));
    }
    filter->order_by = *parsed;
  }
  struct TimeParam {
    const char* name;
    std::optional<TimePoint>* target;
  };
  for (TimeParam param : {TimeParam{"logical_date_gte", &filter->logical_date_gte},
                          TimeParam{"logical_date_lte", &filter->logical_date_lte},
                          TimeParam{"run_after_gte", &filter->run_after_gte},
                          TimeParam{"run_after_lte", &filter->run_after_lte},
                          TimeParam{"updated_at_gte", &filter->updated_at_gte}}) {
    auto text = call.Query(param.name);
    if (!text) continue;
    auto time = ParseIsoTime(*text);
    if (!time)
      return ValidationReply({"query", param.name}, "Invalid datetime", "datetime_parsing");
    *param.target = *time;
  }
  return std::nullopt;
}

Reply ListRuns(ServerContext& context, Call& call) {
  metadb::RunFilter filter;
  if (auto invalid = ReadRunFilter(call, &filter)) return *invalid;
  const std::string& dag_id = call.Path("dag_id");
  std::map<std::string, metadb::DagRecord> dags;
  if (dag_id != "~") {
    auto entry = context.catalog.Get(dag_id);
    if (!entry) return ErrorReply(entry.error());
    dags[dag_id] = entry->record;
    filter.dag_id = dag_id;
  }
  auto page = context.store.ListRuns(filter);
  if (!page) return ErrorReply(page.error());
  DagVersionCache versions(context.store);
  nlohmann::json runs = nlohmann::json::array();
  for (const metadb::DagRun& run : page->items) {
    if (!dags.count(run.dag_id)) {
      auto record = context.store.GetDag(run.dag_id);
      if (!record) return ErrorReply(record.error());
      dags[run.dag_id] = std::move(*record);
    }
    runs.push_back(RunJson(run, dags[run.dag_id], versions));
  }
  return JsonReply(200, {{"dag_runs", runs}, {"total_entries", page->total_entries.value_or(0)}});
}

Reply GetRun(ServerContext& context, Call& call) {
  auto entry = context.catalog.Get(call.Path("dag_id"));
  if (!entry) return ErrorReply(entry.error());
  auto run = context.store.GetRun(entry->record.dag_id, call.Path("dag_run_id"));
  if (!run) {
    if (run.error().code() == Code::kNotFound) {
      return DetailReply(404, fmt::format("The DagRun with dag_id: `{}` and run_id: `{}` was not "
                                          "found",
                                          entry->record.dag_id, call.Path("dag_run_id")));
    }
    return ErrorReply(run.error());
  }
  DagVersionCache versions(context.store);
  return JsonReply(200, RunJson(*run, entry->record, versions));
}

}  // namespace

void AddRunRoutes(Router& router, ServerContext& context) {
  router.Add({"POST",
              "/api/v2/dags/{dag_id}/dagRuns",
              Access::kUser,
              [&context](Call& call) { return TriggerRun(context, call); },
              {.summary = "Trigger a DAG run (queued for the scheduler)",
               .tag = "DagRun",
               .response_schema = "DAGRunResponse",
               .request_schema = "TriggerDAGRunPostBody"}});
  router.Add({"GET",
              "/api/v2/dags/{dag_id}/dagRuns",
              Access::kViewer,
              [&context](Call& call) { return ListRuns(context, call); },
              {.summary = "List DAG runs (dag_id ~ for every DAG)",
               .tag = "DagRun",
               .response_schema = "DAGRunCollectionResponse",
               .query = {{"limit", "integer", ""},
                         {"offset", "integer", ""},
                         {"state", "string", "queued, running, success or failed (repeatable)"},
                         {"run_type", "string", "scheduled, manual or backfill"},
                         {"order_by", "string",
                          "id, logical_date, run_after, start_date, end_date, "
                          "updated_at; '-' first for descending"},
                         {"logical_date_gte", "string", ""},
                         {"logical_date_lte", "string", ""},
                         {"run_after_gte", "string", ""},
                         {"run_after_lte", "string", ""},
                         {"updated_at_gte", "string", ""}}}});
  router.Add({"GET",
              "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}",
              Access::kViewer,
              [&context](Call& call) { return GetRun(context, call); },
              {.summary = "Get a DAG run", .tag = "DagRun", .response_schema = "DAGRunResponse"}});
}

}  // namespace sluice::server
