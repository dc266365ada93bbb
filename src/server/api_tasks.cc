// Task instances: list and get, tries, mark a state, clear.
#include <set>

#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

using metadb::TaskState;

struct RunScope {
  DagCatalog::Entry dag;
  metadb::DagRun run;
};

Reply RunNotFound(std::string_view dag_id, std::string_view run_id) {
  return DetailReply(404, fmt::format("The DagRun with dag_id: `{}` and run_id: `{}` was not found",
                                      dag_id, run_id));
}

// The DAG and run a task-instance route names, or the 404 to answer.
std::optional<Reply> FindRun(ServerContext& context, std::string_view dag_id,
                             std::string_view run_id, RunScope* scope) {
  auto entry = context.catalog.Get(dag_id);
  if (!entry) return ErrorReply(entry.error());
  auto run = context.store.GetRun(entry->record.dag_id, run_id);
  if (!run) {
    if (run.error().code() != Code::kNotFound) return ErrorReply(run.error());
    return RunNotFound(entry->record.dag_id, run_id);
  }
  *scope = RunScope{std::move(*entry), std::move(*run)};
  return std::nullopt;
}

nlohmann::json TiListJson(ServerContext& context, const RunScope& scope,
                          const std::vector<metadb::TaskInstance>& tis) {
  DagVersionCache versions(context.store);
  nlohmann::json version = versions.Get(scope.dag.record, scope.run.dag_version_number);
  nlohmann::json items = nlohmann::json::array();
  for (const metadb::TaskInstance& ti : tis) {
    items.push_back(TaskInstanceJson(ti, scope.run, scope.dag.pipeline.get(), version));
  }
  return items;
}

// States from repeated ?state= values ("none" included), or a 422.
std::optional<Reply> ReadStates(const Call& call, std::set<TaskState>* states) {
  for (const std::string& name : call.QueryAll("state")) {
    auto state = metadb::ParseTaskState(name);
    if (!state) return ValidationReply({"query", "state"}, "Invalid value for state", "enum");
    states->insert(*state);
  }
  return std::nullopt;
}

Reply ListTaskInstances(ServerContext& context, Call& call) {
  Reply invalid;
  auto paging = ParsePaging(call, &invalid);
  if (!paging) return invalid;
  std::set<TaskState> states;
  if (auto bad = ReadStates(call, &states)) return *bad;
  RunScope scope;
  if (auto missing = FindRun(context, call.Path("dag_id"), call.Path("dag_run_id"), &scope)) {
    return *missing;
  }
  // A run has tens of task instances: filter by state here, then page.
  auto all = context.store.ListTaskInstances({.dag_id = scope.run.dag_id,
                                              .run_id = scope.run.run_id,
                                              .task_ids = call.QueryAll("task_id")});
  if (!all) return ErrorReply(all.error());
  std::vector<metadb::TaskInstance> matching;
  for (metadb::TaskInstance& ti : all->items) {
    if (states.empty() || states.count(ti.state)) matching.push_back(std::move(ti));
  }
  size_t total = matching.size();
  size_t begin = std::min(total, static_cast<size_t>(paging->offset));
  size_t end = std::min(total, begin + static_cast<size_t>(paging->limit));
  std::vector<metadb::TaskInstance> page(matching.begin() + begin, matching.begin() + end);
  return JsonReply(
      200, {{"task_instances", TiListJson(context, scope, page)}, {"total_entries", total}});
}

std::optional<int> ParseMapIndex(const std::string& text) {
  try {
    size_t used = 0;
    int value = std::stoi(text, &used);
    if (used != text.size() || value < -1) return std::nullopt;
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Reply GetTaskInstance(ServerContext& context, Call& call, int map_index) {
  RunScope scope;
  if (auto missing = FindRun(context, call.Path("dag_id"), call.Path("dag_run_id"), &scope)) {
    return *missing;
  }
  metadb::TaskInstanceKey key{scope.run.dag_id, scope.run.run_id, call.Path("task_id"), map_index};
  auto ti = context.store.GetTaskInstance(key);
  if (!ti) {
    if (ti.error().code() != Code::kNotFound) return ErrorReply(ti.error());
    bool mapped = map_index == -1 && scope.dag.pipeline &&
                  scope.dag.pipeline->FindTask(key.task_id) &&
                  scope.dag.pipeline->FindTask(key.task_id)->expand;
    return DetailReply(404, mapped ? "Task instance is mapped, add the map_index value to the URL"
                                   : fmt::format("The Task Instance with dag_id: `{}`, run_id: "
                                                 "`{}`, task_id: `{}` and map_index: `{}` was "
                                                 "not found",
                                                 key.dag_id, key.run_id, key.task_id, map_index));
  }
  return JsonReply(200, TiListJson(context, scope, {*ti})[0]);
}

Reply GetMappedTaskInstance(ServerContext& context, Call& call) {
  auto map_index = ParseMapIndex(call.Path("map_index"));
  if (!map_index) {
    return ValidationReply({"path", "map_index"}, "Input should be a valid integer", "int_parsing");
  }
  return GetTaskInstance(context, call, *map_index);
}

Reply ListTries(ServerContext& context, Call& call) {
  RunScope scope;
  if (auto missing = FindRun(context, call.Path("dag_id"), call.Path("dag_run_id"), &scope)) {
    return *missing;
  }
  int map_index = -1;
  if (auto text = call.Query("map_index")) {
    auto parsed = ParseMapIndex(*text);
    if (!parsed) return ValidationReply({"query", "map_index"}, "Invalid integer", "int_parsing");
    map_index = *parsed;
  }
  auto tries = context.store.ListTaskTries(
      {scope.run.dag_id, scope.run.run_id, call.Path("task_id"), map_index});
  if (!tries) return ErrorReply(tries.error());
  nlohmann::json items = nlohmann::json::array();
  for (const metadb::TaskInstance& ti : *tries) {
    items.push_back(TaskTryJson(ti, scope.dag.pipeline.get()));
  }
  return JsonReply(200, {{"task_instances", items}, {"total_entries", tries->size()}});
}

}  // namespace

// Defined in api_clear.cc.
Reply PatchTaskInstance(ServerContext& context, Call& call);
Reply ClearTaskInstances(ServerContext& context, Call& call);

void AddTaskRoutes(Router& router, ServerContext& context) {
  const std::string ti_path = "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances";
  router.Add({"GET",
              ti_path,
              Access::kViewer,
              [&context](Call& call) { return ListTaskInstances(context, call); },
              {.summary = "List the task instances of a run",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceCollectionResponse",
               .query = {{"limit", "integer", ""},
                         {"offset", "integer", ""},
                         {"state", "string", "a task state (repeatable)"},
                         {"task_id", "string", "a task id (repeatable)"}}}});
  router.Add({"GET",
              ti_path + "/{task_id}/tries",
              Access::kViewer,
              [&context](Call& call) { return ListTries(context, call); },
              {.summary = "List every try of a task instance",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceHistoryCollectionResponse",
               .query = {{"map_index", "integer", "default -1"}}}});
  router.Add({"GET",
              ti_path + "/{task_id}",
              Access::kViewer,
              [&context](Call& call) { return GetTaskInstance(context, call, -1); },
              {.summary = "Get a task instance",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceResponse"}});
  router.Add({"GET",
              ti_path + "/{task_id}/{map_index}",
              Access::kViewer,
              [&context](Call& call) { return GetMappedTaskInstance(context, call); },
              {.summary = "Get a mapped task instance",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceResponse"}});
  router.Add({"PATCH",
              ti_path + "/{task_id}",
              Access::kUser,
              [&context](Call& call) { return PatchTaskInstance(context, call); },
              {.summary = "Mark a task instance failed, success or skipped",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceCollectionResponse",
               .request_schema = "PatchTaskInstanceBody",
               .query = {{"map_index", "integer", "default: every map index"}}}});
  router.Add({"POST",
              "/api/v2/dags/{dag_id}/clearTaskInstances",
              Access::kUser,
              [&context](Call& call) { return ClearTaskInstances(context, call); },
              {.summary = "Clear task instances so they run again",
               .tag = "TaskInstance",
               .response_schema = "TaskInstanceCollectionResponse",
               .request_schema = "ClearTaskInstancesBody"}});
}

}  // namespace sluice::server
