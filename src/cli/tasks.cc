// `sluice tasks ...`: run one task alone.
#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/local_run.h"

namespace sluice::cli {

void AddTasksCommands(CLI::App& app, CommandContext& context) {
  CLI::App* tasks = app.add_subcommand("tasks", "Run and inspect tasks");
  tasks->require_subcommand(1);

  struct RunOptions {
    std::string dag_id;
    std::string task_id;
    LocalRunOptions run;
  };
  auto options = std::make_shared<RunOptions>();
  CLI::App* run = tasks->add_subcommand(
      "run", "Run one task alone for a logical date (it reads what its upstream left in the lake)");
  run->add_option("dag_id", options->dag_id)->required();
  run->add_option("task_id", options->task_id)->required();
  run->add_option("--date,-d", options->run.ds, "Logical date YYYY-MM-DD (default: today, UTC)");
  run->add_option("--run-id", options->run.run_id, "Run id (default: manual__<now>)");
  run->add_option("--map-item", options->run.map_item,
                  "Only this item (resource or table) of a mapped task");
  run->add_flag("--logs", options->run.print_logs, "Print the task's log lines");
  run->callback([&context, options] {
    auto pipeline = FindDag(context.config, options->dag_id);
    if (!pipeline) {
      context.outcome = std::move(pipeline).error();
      return;
    }
    if (pipeline->FindTask(options->task_id) == nullptr) {
      context.outcome = Error::NotFound("DAG {} has no task '{}'", options->dag_id, options->task_id)
                            .Hint("`sluice dags show {}` lists its tasks", options->dag_id);
      return;
    }
    options->run.task_ids = {options->task_id};
    context.outcome = RunLocally(context, *pipeline, options->run);
  });
}

}  // namespace sluice::cli
