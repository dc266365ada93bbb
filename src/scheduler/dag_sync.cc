// Pipelines folder -> DAG records.
#include <nlohmann/json.hpp>

#include "scheduler/scheduler.h"

namespace sluice::scheduler {

metadb::DagSync DagSyncOf(const PipelineDirectory& directory) {
  metadb::DagSync sync;
  for (const Pipeline& pipeline : directory.pipelines) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskSpec& task : pipeline.tasks) {
      nlohmann::json entry = {
          {"task_id", task.id},        {"kind", task.kind},
          {"upstream", task.upstream}, {"trigger_rule", TriggerRuleName(task.trigger_rule)},
          {"retries", task.retries},   {"queue", task.queue}};
      if (task.expand) entry["expand"] = *task.expand;
      tasks.push_back(std::move(entry));
    }
    metadb::DagRecord dag;
    dag.dag_id = pipeline.dag_id;
    dag.file_path = pipeline.file_path;
    dag.definition_hash = pipeline.content_hash;
    dag.definition = nlohmann::json{{"tasks", tasks},
                                    {"max_active_runs", pipeline.schedule.max_active_runs},
                                    {"catchup", pipeline.schedule.catchup}}
                         .dump();
    dag.schedule = pipeline.schedule.expression;
    dag.timezone = pipeline.schedule.timezone;
    dag.description = pipeline.description;
    dag.tags = pipeline.tags;
    sync.dags.push_back(std::move(dag));
  }
  sync.import_errors = directory.import_errors;
  return sync;
}

}  // namespace sluice::scheduler
