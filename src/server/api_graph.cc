// sluice's views of a DAG for the UI: the task graph and the grid (runs x tasks).
#include "operators/operators.h"
#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

using metadb::TaskState;

Reply Graph(ServerContext& context, Call& call) {
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  if (!dag->pipeline) {
    return DetailReply(409,
                       fmt::format("DAG '{}': its file no longer loads; see /api/v2/importErrors",
                                   dag->record.dag_id));
  }
  const Pipeline& pipeline = *dag->pipeline;
  nlohmann::json tasks = nlohmann::json::array();
  nlohmann::json edges = nlohmann::json::array();
  for (const TaskSpec& task : pipeline.tasks) {
    nlohmann::json downstream = nlohmann::json::array();
    for (const TaskSpec& other : pipeline.tasks) {
      if (std::find(other.upstream.begin(), other.upstream.end(), task.id) !=
          other.upstream.end()) {
        downstream.push_back(other.id);
      }
    }
    for (const std::string& upstream : task.upstream) {
      edges.push_back({{"source_id", upstream}, {"target_id", task.id}});
    }
    tasks.push_back(
        {{"task_id", task.id},
         {"kind", task.kind},
         {"upstream", task.upstream},
         {"downstream", downstream},
         {"expand", task.expand ? nlohmann::json(*task.expand) : nlohmann::json(nullptr)},
         {"map_items", operators::MapItems(pipeline, task)},
         {"retries", task.retries},
         {"queue", task.queue},
         {"trigger_rule", TriggerRuleName(task.trigger_rule)}});
  }
  return JsonReply(200, {{"dag_id", pipeline.dag_id}, {"tasks", tasks}, {"edges", edges}});
}

// The state a grid cell shows for the instances of one task (several when mapped).
TaskState Summary(const std::vector<TaskState>& states) {
  static constexpr TaskState kUrgency[] = {
      TaskState::kFailed,  TaskState::kUpstreamFailed, TaskState::kUpForRetry, TaskState::kRunning,
      TaskState::kQueued,  TaskState::kScheduled,      TaskState::kNone,       TaskState::kSuccess,
      TaskState::kSkipped, TaskState::kRemoved};
  for (TaskState state : kUrgency) {
    if (std::find(states.begin(), states.end(), state) != states.end()) return state;
  }
  return TaskState::kNone;
}

nlohmann::json Cells(const std::vector<metadb::TaskInstance>& tis) {
  std::map<std::string, std::vector<const metadb::TaskInstance*>> by_task;
  for (const metadb::TaskInstance& ti : tis) by_task[ti.key.task_id].push_back(&ti);
  nlohmann::json cells = nlohmann::json::object();
  for (const auto& [task_id, instances] : by_task) {
    std::vector<TaskState> states;
    std::map<std::string, int> counts;
    std::optional<TimePoint> start, end;
    int tries = 0;
    for (const metadb::TaskInstance* ti : instances) {
      states.push_back(ti->state);
      counts[std::string(metadb::TaskStateName(ti->state))]++;
      if (ti->start_date && (!start || *ti->start_date < *start)) start = ti->start_date;
      if (ti->end_date && (!end || *ti->end_date > *end)) end = ti->end_date;
      tries = std::max(tries, ti->try_number);
    }
    cells[task_id] = {{"state", metadb::TaskStateName(Summary(states))},
                      {"mapped", instances.front()->key.map_index >= 0},
                      {"states", counts},
                      {"try_number", tries},
                      {"start_date", TimeJson(start)},
                      {"end_date", TimeJson(end)}};
  }
  return cells;
}

Reply Grid(ServerContext& context, Call& call) {
  Reply invalid;
  auto paging = ParsePaging(call, &invalid);
  if (!paging) return invalid;
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  int limit = call.Query("limit") ? paging->limit : 25;
  auto runs = context.store.ListRuns({.dag_id = dag->record.dag_id,
                                      .order_by = metadb::RunOrder::kId,
                                      .descending = true,
                                      .limit = limit,
                                      .offset = paging->offset});
  if (!runs) return ErrorReply(runs.error());
  nlohmann::json items = nlohmann::json::array();
  for (auto it = runs->items.rbegin(); it != runs->items.rend(); ++it) {
    auto tis = context.store.ListTaskInstances({.dag_id = it->dag_id, .run_id = it->run_id});
    if (!tis) return ErrorReply(tis.error());
    items.push_back({{"dag_run_id", it->run_id},
                     {"state", metadb::DagRunStateName(it->state)},
                     {"run_type", metadb::RunTypeName(it->run_type)},
                     {"logical_date", TimeJson(it->logical_date)},
                     {"run_after", TimeJson(it->run_after)},
                     {"start_date", TimeJson(it->start_date)},
                     {"end_date", TimeJson(it->end_date)},
                     {"task_instances", Cells(tis->items)}});
  }
  nlohmann::json task_ids = nlohmann::json::array();
  if (dag->pipeline) {
    for (const TaskSpec& task : dag->pipeline->tasks) task_ids.push_back(task.id);
  }
  return JsonReply(200, {{"dag_id", dag->record.dag_id}, {"tasks", task_ids}, {"runs", items}});
}

}  // namespace

void AddGraphRoutes(Router& router, ServerContext& context) {
  router.Add({"GET",
              "/api/v2/sluice/dags/{dag_id}/graph",
              Access::kViewer,
              [&context](Call& call) { return Graph(context, call); },
              {.summary = "The task graph of a DAG: tasks, kinds, mapping and edges",
               .tag = "Sluice",
               .response_schema = "GraphResponse"}});
  router.Add({"GET",
              "/api/v2/sluice/dags/{dag_id}/grid",
              Access::kViewer,
              [&context](Call& call) { return Grid(context, call); },
              {.summary = "The grid of a DAG: the latest runs (oldest first) x task states",
               .tag = "Sluice",
               .response_schema = "GridResponse",
               .query = {{"limit", "integer", "runs (default 25)"}, {"offset", "integer", ""}}}});
}

}  // namespace sluice::server
