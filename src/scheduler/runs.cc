// Runs and their task instances, as triggers, schedules and backfills create them.
#include <map>
#include <set>

#include "operators/operators.h"
#include "scheduler/scheduler.h"

namespace sluice::scheduler {
namespace {

// Airflow's default weight rule (downstream): 1 + the number of tasks downstream.
std::map<std::string, int> PriorityWeights(const Pipeline& pipeline) {
  std::map<std::string, std::vector<std::string>> downstream;
  for (const TaskSpec& task : pipeline.tasks) {
    for (const std::string& upstream : task.upstream) downstream[upstream].push_back(task.id);
  }
  std::map<std::string, int> weights;
  for (const TaskSpec& task : pipeline.tasks) {
    std::set<std::string> seen;
    std::vector<std::string> stack = downstream[task.id];
    while (!stack.empty()) {
      std::string next = stack.back();
      stack.pop_back();
      if (!seen.insert(next).second) continue;
      for (const std::string& further : downstream[next]) stack.push_back(further);
    }
    weights[task.id] = 1 + static_cast<int>(seen.size());
  }
  return weights;
}

std::pair<TimePoint, TimePoint> ManualInterval(const Pipeline& pipeline, TimePoint logical_date) {
  auto schedule = Schedule::Parse(pipeline.schedule.expression, pipeline.schedule.timezone);
  if (!schedule || schedule->kind() != Schedule::Kind::kCron) return {logical_date, logical_date};
  auto end = schedule->PreviousAtOrBefore(logical_date);
  if (!end) return {logical_date, logical_date};
  auto start = schedule->PreviousAtOrBefore(*end - std::chrono::microseconds(1));
  return {start.value_or(*end), *end};
}

}  // namespace

std::vector<metadb::NewTaskInstance> TaskInstancesOf(const Pipeline& pipeline) {
  std::vector<metadb::NewTaskInstance> instances;
  std::map<std::string, int> weights = PriorityWeights(pipeline);
  for (const TaskSpec& task : pipeline.tasks) {
    metadb::NewTaskInstance instance{.task_id = task.id,
                                     .retries = task.retries,
                                     .queue = task.queue,
                                     .priority_weight = weights[task.id]};
    if (!task.expand) {
      instances.push_back(instance);
      continue;
    }
    std::vector<std::string> items = operators::MapItems(pipeline, task);
    for (size_t i = 0; i < items.size(); ++i) {
      instance.map_index = static_cast<int>(i);
      instances.push_back(instance);
    }
  }
  return instances;
}

bool IsValidRunId(std::string_view run_id) {
  if (run_id.empty() || run_id.size() > 250 || run_id == "." || run_id == "..") return false;
  for (char c : run_id) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '~' ||
              c == ':' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

metadb::NewRun BuildManualRun(const Pipeline& pipeline, const TriggerRequest& request,
                              TimePoint now) {
  TimePoint logical_date =
      request.logical_date.value_or(std::chrono::time_point_cast<std::chrono::microseconds>(now));
  metadb::NewRun new_run;
  metadb::DagRun& run = new_run.run;
  run.dag_id = pipeline.dag_id;
  run.run_id = request.run_id.empty() ? "manual__" + FormatIsoTime(logical_date) : request.run_id;
  run.run_type = metadb::RunType::kManual;
  run.logical_date = logical_date;
  if (request.data_interval_start && request.data_interval_end) {
    run.data_interval_start = request.data_interval_start;
    run.data_interval_end = request.data_interval_end;
  } else {
    auto [start, end] = ManualInterval(pipeline, logical_date);
    run.data_interval_start = start;
    run.data_interval_end = end;
  }
  run.run_after = request.run_after.value_or(logical_date);
  run.conf = request.conf;
  run.state = metadb::DagRunState::kQueued;
  run.triggered_by = request.triggered_by;
  new_run.task_instances = TaskInstancesOf(pipeline);
  return new_run;
}

metadb::NewRun BuildIntervalRun(const Pipeline& pipeline, metadb::RunType type,
                                TimePoint interval_start, TimePoint interval_end,
                                std::string conf) {
  metadb::NewRun new_run;
  metadb::DagRun& run = new_run.run;
  run.dag_id = pipeline.dag_id;
  std::string prefix = type == metadb::RunType::kBackfill ? "backfill__" : "scheduled__";
  run.run_id = prefix + FormatIsoTime(interval_start);
  run.run_type = type;
  run.logical_date = interval_start;
  run.data_interval_start = interval_start;
  run.data_interval_end = interval_end;
  run.run_after = type == metadb::RunType::kBackfill ? interval_start : interval_end;
  run.conf = std::move(conf);
  run.state = metadb::DagRunState::kQueued;
  run.triggered_by = type == metadb::RunType::kBackfill ? "backfill" : "scheduler";
  new_run.task_instances = TaskInstancesOf(pipeline);
  return new_run;
}

}  // namespace sluice::scheduler
