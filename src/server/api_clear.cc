// Changing task instances: PATCH .../taskInstances/{task_id} (mark a state)
// and POST /api/v2/dags/{dag_id}/clearTaskInstances.
#include <set>

#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

using metadb::TaskState;

// The tasks related to `roots` in the DAG: downstream and/or upstream.
std::set<std::string> Relatives(const Pipeline& pipeline, const std::set<std::string>& roots,
                                bool downstream, bool upstream) {
  std::set<std::string> result = roots;
  std::vector<std::string> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    std::string current = stack.back();
    stack.pop_back();
    for (const TaskSpec& task : pipeline.tasks) {
      bool is_child = downstream && std::find(task.upstream.begin(), task.upstream.end(),
                                              current) != task.upstream.end();
      bool is_parent = false;
      if (upstream) {
        const TaskSpec* spec = pipeline.FindTask(current);
        is_parent = spec && std::find(spec->upstream.begin(), spec->upstream.end(), task.id) !=
                                spec->upstream.end();
      }
      if ((is_child || is_parent) && result.insert(task.id).second) stack.push_back(task.id);
    }
  }
  return result;
}

bool ReadBool(const nlohmann::json& body, const char* name, bool fallback, bool* out,
              std::vector<ValidationIssue>* issues) {
  *out = fallback;
  if (!body.contains(name) || body[name].is_null()) return true;
  if (!body[name].is_boolean()) {
    issues->push_back({{"body", name}, "Input should be a valid boolean", "bool_type"});
    return false;
  }
  *out = body[name].get<bool>();
  return true;
}

struct ClearBody {
  std::optional<std::string> run_id;
  bool dry_run = true, only_failed = true, only_running = false;
  bool include_downstream = false, include_upstream = false;
  std::set<std::string> task_ids;
  std::vector<std::pair<std::string, int>> mapped;  // [task_id, map_index] items
  std::optional<TimePoint> start_date, end_date;
};

std::optional<Reply> ReadClearBody(const httplib::Request& request, ClearBody* clear) {
  nlohmann::json body;
  if (auto invalid =
          ParseJsonBody(request,
                        {"dag_run_id", "dry_run", "end_date", "include_downstream",
                         "include_future", "include_past", "include_upstream", "note",
                         "only_failed", "only_running", "prevent_running_task", "reset_dag_runs",
                         "run_on_latest_version", "start_date", "task_ids"},
                        &body)) {
    return invalid;
  }
  std::vector<ValidationIssue> issues;
  bool ignored = false;
  ReadBool(body, "dry_run", true, &clear->dry_run, &issues);
  ReadBool(body, "only_failed", true, &clear->only_failed, &issues);
  ReadBool(body, "only_running", false, &clear->only_running, &issues);
  ReadBool(body, "include_downstream", false, &clear->include_downstream, &issues);
  ReadBool(body, "include_upstream", false, &clear->include_upstream, &issues);
  for (const char* name : {"include_future", "include_past", "reset_dag_runs",
                           "prevent_running_task", "run_on_latest_version"}) {
    ReadBool(body, name, false, &ignored, &issues);
  }
  if (body.contains("dag_run_id") && !body["dag_run_id"].is_null()) {
    if (!body["dag_run_id"].is_string()) {
      issues.push_back({{"body", "dag_run_id"}, "Input should be a valid string", "string_type"});
    } else {
      clear->run_id = body["dag_run_id"].get<std::string>();
    }
  }
  for (auto [name, target] :
       {std::pair{"start_date", &clear->start_date}, std::pair{"end_date", &clear->end_date}}) {
    if (!body.contains(name) || body[name].is_null()) continue;
    auto time = body[name].is_string() ? ParseIsoTime(body[name].get<std::string>())
                                       : Result<TimePoint>(Error::InvalidArgument("not a string"));
    if (!time) {
      issues.push_back({{"body", name}, "Input should be a valid datetime", "datetime_parsing"});
    } else {
      *target = *time;
    }
  }
  if (body.contains("task_ids") && !body["task_ids"].is_null()) {
    if (!body["task_ids"].is_array()) {
      issues.push_back({{"body", "task_ids"}, "Input should be a valid list", "list_type"});
    } else {
      for (const auto& item : body["task_ids"]) {
        if (item.is_string()) {
          clear->task_ids.insert(item.get<std::string>());
        } else if (item.is_array() && item.size() == 2 && item[0].is_string() &&
                   item[1].is_number_integer()) {
          clear->mapped.emplace_back(item[0].get<std::string>(), item[1].get<int>());
        } else {
          issues.push_back({{"body", "task_ids"},
                            "Items should be task ids or [task_id, map_index] pairs",
                            "value_error"});
        }
      }
    }
  }
  if (!issues.empty()) return ValidationReply(issues);
  return std::nullopt;
}

metadb::TaskStateSet OnlyStates(const ClearBody& clear) {
  if (clear.only_running) return {TaskState::kRunning};
  if (clear.only_failed) return {TaskState::kFailed, TaskState::kUpstreamFailed};
  return {};
}

// Task instances as JSON, each with its run (read once per run).
Result<nlohmann::json> DescribeTis(ServerContext& context, const DagCatalog::Entry& dag,
                                   const std::vector<metadb::TaskInstance>& tis) {
  std::map<std::string, metadb::DagRun> runs;
  DagVersionCache versions(context.store);
  nlohmann::json items = nlohmann::json::array();
  for (const metadb::TaskInstance& ti : tis) {
    if (!runs.count(ti.key.run_id)) {
      SLUICE_ASSIGN_OR_RETURN(runs[ti.key.run_id],
                              context.store.GetRun(ti.key.dag_id, ti.key.run_id));
    }
    const metadb::DagRun& run = runs[ti.key.run_id];
    items.push_back(TaskInstanceJson(ti, run, dag.pipeline.get(),
                                     versions.Get(dag.record, run.dag_version_number)));
  }
  return items;
}

Reply Collection(ServerContext& context, const DagCatalog::Entry& dag,
                 const std::vector<metadb::TaskInstance>& tis) {
  auto items = DescribeTis(context, dag, tis);
  if (!items) return ErrorReply(items.error());
  return JsonReply(200, {{"task_instances", *items}, {"total_entries", tis.size()}});
}

}  // namespace

Reply ClearTaskInstances(ServerContext& context, Call& call) {
  ClearBody clear;
  if (auto invalid = ReadClearBody(call.request, &clear)) return *invalid;
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  if (clear.run_id) {
    auto run = context.store.GetRun(dag->record.dag_id, *clear.run_id);
    if (!run) {
      return run.error().code() == Code::kNotFound
                 ? DetailReply(404, fmt::format("Dag Run id {} not found in dag {}", *clear.run_id,
                                                dag->record.dag_id))
                 : ErrorReply(run.error());
    }
  }
  std::set<std::string> task_ids = clear.task_ids;
  if (dag->pipeline && !task_ids.empty()) {
    task_ids =
        Relatives(*dag->pipeline, task_ids, clear.include_downstream, clear.include_upstream);
  }
  metadb::ClearRequest request{.dag_id = dag->record.dag_id,
                               .only_states = OnlyStates(clear),
                               .logical_date_gte = clear.start_date,
                               .logical_date_lte = clear.end_date,
                               .dry_run = clear.dry_run};
  if (clear.run_id) request.run_ids = {*clear.run_id};
  std::vector<metadb::TaskInstance> cleared;
  auto run_clear = [&](metadb::ClearRequest one) -> Status {
    SLUICE_ASSIGN_OR_RETURN(auto tis, context.store.ClearTaskInstances(one));
    cleared.insert(cleared.end(), tis.begin(), tis.end());
    return OkStatus();
  };
  if (!task_ids.empty() || clear.mapped.empty()) {
    request.task_ids.assign(task_ids.begin(), task_ids.end());
    if (Status done = run_clear(request); !done) return ErrorReply(done.error());
  }
  for (const auto& [task_id, map_index] : clear.mapped) {
    metadb::ClearRequest one = request;
    one.task_ids = {task_id};
    one.map_indexes = {map_index};
    if (Status done = run_clear(one); !done) return ErrorReply(done.error());
  }
  if (!clear.dry_run && context.options.on_runs_changed) context.options.on_runs_changed();
  return Collection(context, *dag, cleared);
}

Reply PatchTaskInstance(ServerContext& context, Call& call) {
  nlohmann::json body;
  if (auto invalid = ParseJsonBody(call.request,
                                   {"new_state", "note", "include_upstream", "include_downstream",
                                    "include_future", "include_past"},
                                   &body)) {
    return *invalid;
  }
  std::optional<TaskState> to;
  if (body.contains("new_state") && body["new_state"].is_string()) {
    to = metadb::ParseTaskState(body["new_state"].get<std::string>());
  }
  if (!to ||
      (*to != TaskState::kSuccess && *to != TaskState::kFailed && *to != TaskState::kSkipped)) {
    return ValidationReply({"body", "new_state"},
                           "Input should be 'success', 'failed' or 'skipped'", "enum");
  }
  std::vector<ValidationIssue> issues;
  bool downstream = false, upstream = false;
  ReadBool(body, "include_downstream", false, &downstream, &issues);
  ReadBool(body, "include_upstream", false, &upstream, &issues);
  if (!issues.empty()) return ValidationReply(issues);
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  auto run = context.store.GetRun(dag->record.dag_id, call.Path("dag_run_id"));
  if (!run) return ErrorReply(run.error());
  std::set<std::string> task_ids = {call.Path("task_id")};
  if (dag->pipeline) task_ids = Relatives(*dag->pipeline, task_ids, downstream, upstream);
  metadb::TaskInstanceFilter filter{
      .dag_id = run->dag_id, .run_id = run->run_id, .task_ids = {task_ids.begin(), task_ids.end()}};
  if (auto map_index = call.Query("map_index")) {
    try {
      filter.map_indexes = {std::stoi(*map_index)};
    } catch (const std::exception&) {
      return ValidationReply({"query", "map_index"}, "Invalid integer", "int_parsing");
    }
  }
  auto tis = context.store.ListTaskInstances(filter);
  if (!tis) return ErrorReply(tis.error());
  if (tis->items.empty()) {
    return DetailReply(404, fmt::format("Task instance not found for task '{}' in run '{}'",
                                        call.Path("task_id"), run->run_id));
  }
  std::vector<metadb::TaskTransition> transitions;
  for (const metadb::TaskInstance& ti : tis->items) {
    transitions.push_back({.key = ti.key, .to = *to});
  }
  if (auto applied = context.store.TransitionTaskInstances(transitions); !applied) {
    return ErrorReply(applied.error());
  }
  auto after = context.store.ListTaskInstances(filter);
  if (!after) return ErrorReply(after.error());
  return Collection(context, *dag, after->items);
}

}  // namespace sluice::server
