// `sluice dags ...`: list, show, trigger, pause and unpause DAGs, and their next runs.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/store.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {
namespace {

std::string ScheduleText(const Pipeline& pipeline) {
  return pipeline.schedule.expression.empty() ? "None" : pipeline.schedule.expression;
}

Status ListDags(CommandContext& context) {
  SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory, LoadDags(context.config));
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = {{"dags", nlohmann::json::array()},
                          {"import_errors", nlohmann::json::object()}};
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

struct TriggerArgs {
  std::string dag_id;
  std::string conf = "{}";
  std::string logical_date;
  std::string run_id;
};

Status TriggerDag(CommandContext& context, const TriggerArgs& args) {
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(context.config, args.dag_id));
  nlohmann::json conf = nlohmann::json::parse(args.conf, nullptr, false);
  if (!conf.is_object())
    return Error::InvalidArgument("--conf: expected a JSON object, got {}", args.conf);
  scheduler::TriggerRequest trigger{
      .run_id = args.run_id, .conf = conf.dump(), .triggered_by = "cli"};
  if (!args.logical_date.empty()) {
    SLUICE_ASSIGN_OR_RETURN(trigger.logical_date,
                            ParseIsoTime(args.logical_date, pipeline.schedule.timezone));
  }
  if (!args.run_id.empty() && !scheduler::IsValidRunId(args.run_id)) {
    return Error::InvalidArgument("--run-id {}: letters, digits and _ . ~ : + - only", args.run_id);
  }
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_TRY(SyncDagsFolder(context.config, *store));
  SystemClock clock;
  SLUICE_ASSIGN_OR_RETURN(metadb::DagRun run, store->CreateRun(scheduler::BuildManualRun(
                                                  pipeline, trigger, clock.Now())));
  if (context.output == OutputFormat::kJson) {
    fmt::print("{}\n", nlohmann::json{{"dag_id", run.dag_id},
                                      {"run_id", run.run_id},
                                      {"state", metadb::DagRunStateName(run.state)},
                                      {"logical_date", FormatIsoTime(*run.logical_date)}}
                           .dump(2));
  } else {
    fmt::print("triggered {} run {} (queued for the scheduler)\n", run.dag_id, run.run_id);
  }
  return OkStatus();
}

Status SetPaused(CommandContext& context, const std::string& dag_id, bool paused) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_TRY(SyncDagsFolder(context.config, *store));
  SLUICE_TRY(store->SetDagPaused(dag_id, paused));
  fmt::print("{} {}\n", dag_id, paused ? "paused" : "unpaused");
  return OkStatus();
}

Status NextRuns(CommandContext& context, const std::string& dag_id, int count) {
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(context.config, dag_id));
  SystemClock clock;
  SLUICE_ASSIGN_OR_RETURN(auto runs, scheduler::UpcomingRuns(pipeline, clock.Now(), count));
  nlohmann::json out = nlohmann::json::array();
  for (const metadb::NextDagRun& run : runs) {
    if (context.output == OutputFormat::kJson) {
      out.push_back({{"logical_date", FormatIsoTime(*run.logical_date)},
                     {"data_interval_start", FormatIsoTime(*run.data_interval_start)},
                     {"data_interval_end", FormatIsoTime(*run.data_interval_end)},
                     {"run_after", FormatIsoTime(*run.create_after)}});
    } else {
      fmt::print("{}  (runs after {})\n", FormatIsoTime(*run.logical_date),
                 FormatIsoTime(*run.create_after));
    }
  }
  if (context.output == OutputFormat::kJson) fmt::print("{}\n", out.dump(2));
  if (runs.empty() && context.output == OutputFormat::kText) {
    fmt::print("{} has no further scheduled runs ({})\n", dag_id, ScheduleText(pipeline));
  }
  return OkStatus();
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

  auto trigger_args = std::make_shared<TriggerArgs>();
  CLI::App* trigger = dags->add_subcommand("trigger", "Queue a manual run for the scheduler");
  trigger->add_option("dag_id", trigger_args->dag_id)->required();
  trigger->add_option("--conf,-c", trigger_args->conf, "The run's conf, a JSON object");
  trigger->add_option("--logical-date,-l", trigger_args->logical_date,
                      "ISO date or time (default: now)");
  trigger->add_option("--run-id,-r", trigger_args->run_id, "Run id (default: manual__<date>)");
  trigger->callback(
      [&context, trigger_args] { context.outcome = TriggerDag(context, *trigger_args); });

  for (bool paused : {true, false}) {
    CLI::App* command = dags->add_subcommand(
        paused ? "pause" : "unpause",
        paused ? "Stop scheduling new runs of a DAG" : "Resume scheduling a DAG");
    command->add_option("dag_id", *dag_id)->required();
    command->callback(
        [&context, dag_id, paused] { context.outcome = SetPaused(context, *dag_id, paused); });
  }

  auto count = std::make_shared<int>(5);
  CLI::App* next = dags->add_subcommand("next-runs", "The next runs a DAG's schedule gives");
  next->add_option("dag_id", *dag_id)->required();
  next->add_option("--count,-n", *count, "How many")->capture_default_str();
  next->callback(
      [&context, dag_id, count] { context.outcome = NextRuns(context, *dag_id, *count); });
}

}  // namespace sluice::cli
