// `sluice dags ...`: list and show DAGs.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/dag_lookup.h"

namespace sluice::cli {
namespace {

std::string ScheduleText(const Pipeline& pipeline) {
  return pipeline.schedule.expression.empty() ? "None" : pipeline.schedule.expression;
}

Status ListDags(CommandContext& context) {
  SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory, LoadDags(context.config));
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = {{"dags", nlohmann::json::array()}, {"import_errors", nlohmann::json::object()}};
    for (const Pipeline& pipeline : directory.pipelines) {
      out["dags"].push_back({{"dag_id", pipeline.dag_id},
                             {"description", pipeline.description},
                             {"schedule", ScheduleText(pipeline)},
                             {"tags", pipeline.tags},
                             {"tasks", pipeline.tasks.size()},
                             {"file", pipeline.file_path}});
    }
    for (const auto& [file, error] : directory.import_errors) out["import_errors"][file] = error;
    fmt::print("{}\n", out.dump(2));
    return {};
  }
  fmt::print("{:<40} {:<16} {:>5}  {}\n", "dag_id", "schedule", "tasks", "file");
  for (const Pipeline& pipeline : directory.pipelines) {
    fmt::print("{:<40} {:<16} {:>5}  {}\n", pipeline.dag_id, ScheduleText(pipeline),
               pipeline.tasks.size(), pipeline.file_path);
  }
  for (const auto& [file, error] : directory.import_errors) {
    fmt::print(stderr, "import error: {}\n", error);
  }
  return {};
}

Status ShowDag(CommandContext& context, const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(context.config, dag_id));
  if (context.output == OutputFormat::kJson) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskSpec& task : pipeline.tasks) {
      tasks.push_back({{"task_id", task.id},
                       {"kind", task.kind},
                       {"upstream", task.upstream},
                       {"retries", task.retries},
                       {"expand", task.expand.value_or("")}});
    }
    fmt::print("{}\n", nlohmann::json{{"dag_id", pipeline.dag_id},
                                      {"description", pipeline.description},
                                      {"schedule", ScheduleText(pipeline)},
                                      {"tasks", tasks}}
                           .dump(2));
    return {};
  }
  fmt::print("{}: {}\n", pipeline.dag_id, pipeline.description);
  fmt::print("schedule {} ({}), tags: {}\n\n", ScheduleText(pipeline), pipeline.schedule.timezone,
             fmt::join(pipeline.tags, ", "));
  for (const TaskSpec& task : pipeline.tasks) {
    std::string mapped = task.expand ? fmt::format(" [expands over {}]", *task.expand) : "";
    fmt::print("{} ({}){}\n", task.id, task.kind, mapped);
    for (const std::string& upstream : task.upstream) fmt::print("  <- {}\n", upstream);
  }
  return {};
}

}  // namespace

void AddDagsCommands(CLI::App& app, CommandContext& context) {
  CLI::App* dags = app.add_subcommand("dags", "List and inspect DAGs");
  dags->require_subcommand(1);
  dags->add_subcommand("list", "List the DAGs in the pipelines folder, and import errors")
      ->callback([&context] { context.outcome = ListDags(context); });
  auto dag_id = std::make_shared<std::string>();
  CLI::App* show = dags->add_subcommand("show", "Show a DAG's tasks and their dependencies");
  show->add_option("dag_id", *dag_id)->required();
  show->callback([&context, dag_id] { context.outcome = ShowDag(context, *dag_id); });
}

}  // namespace sluice::cli
