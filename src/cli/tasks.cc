// `sluice tasks ...`: list, run, test, clear and read the logs of tasks; and
// `tasks execute`, how a worker runs one try in a child process.
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/local_run.h"
#include "cli/store.h"
#include "executor/executor.h"
#include "operators/operators.h"
#include "operators/process.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {
namespace {

Status ListTasks(CommandContext& context, const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(context.config, dag_id));
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = nlohmann::json::array();
    for (const TaskSpec& task : pipeline.tasks) {
      out.push_back({{"task_id", task.id},
                     {"kind", task.kind},
                     {"upstream", task.upstream},
                     {"trigger_rule", TriggerRuleName(task.trigger_rule)},
                     {"map_items", operators::MapItems(pipeline, task)}});
    }
    fmt::print("{}\n", out.dump(2));
    return OkStatus();
  }
  for (const TaskSpec& task : pipeline.tasks) fmt::print("{}\n", task.id);
  return OkStatus();
}

Status ClearTasks(CommandContext& context, const std::string& dag_id,
                  std::vector<std::string> task_ids, const std::string& run_id, bool downstream,
                  bool only_failed) {
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(context.config, dag_id));
  for (const std::string& task_id : task_ids) {
    if (!pipeline.FindTask(task_id))
      return Error::NotFound("DAG {} has no task '{}'", dag_id, task_id);
  }
  if (downstream) {
    // Tasks are in dependency order: one pass collects everything downstream.
    for (const TaskSpec& task : pipeline.tasks) {
      for (const std::string& upstream : task.upstream) {
        bool selected = std::find(task_ids.begin(), task_ids.end(), upstream) != task_ids.end();
        if (selected && std::find(task_ids.begin(), task_ids.end(), task.id) == task_ids.end()) {
          task_ids.push_back(task.id);
        }
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  metadb::ClearRequest request{.dag_id = dag_id, .task_ids = task_ids};
  if (!run_id.empty()) request.run_ids = {run_id};
  if (only_failed) {
    request.only_states = {metadb::TaskState::kFailed, metadb::TaskState::kUpstreamFailed};
  }
  SLUICE_ASSIGN_OR_RETURN(auto cleared, store->ClearTaskInstances(request));
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& instance : cleared) {
      out.push_back({{"run_id", instance.key.run_id},
                     {"task_id", instance.key.task_id},
                     {"map_index", instance.key.map_index},
                     {"previous_state", metadb::TaskStateName(instance.state)}});
    }
    fmt::print("{}\n", out.dump(2));
    return OkStatus();
  }
  for (const auto& instance : cleared) {
    std::string mapped =
        instance.key.map_index >= 0 ? fmt::format("[{}]", instance.key.map_index) : "";
    fmt::print("cleared {}{} of {} (was {})\n", instance.key.task_id, mapped, instance.key.run_id,
               metadb::TaskStateName(instance.state));
  }
  fmt::print("{} task instance(s) cleared; the scheduler runs them again\n", cleared.size());
  return OkStatus();
}

Status PrintLogs(CommandContext& context, const std::string& dag_id, const std::string& run_id,
                 const std::string& task_id, int map_index, int try_number) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  metadb::TaskInstanceKey key{dag_id, run_id, task_id, map_index};
  SLUICE_ASSIGN_OR_RETURN(metadb::TaskInstance instance, store->GetTaskInstance(key));
  int last = try_number > 0 ? try_number : instance.try_number;
  int first = try_number > 0 ? try_number : 1;
  if (last == 0) return Error::NotFound("task {} of run {} has not run yet", task_id, run_id);
  for (int attempt = first; attempt <= last; ++attempt) {
    SLUICE_ASSIGN_OR_RETURN(std::string log,
                            executor::ReadTaskLog(*store, context.config.home, {key, attempt}));
    if (last > first) fmt::print("--- try {} ---\n", attempt);
    fmt::print("{}", MaskSecrets(log));
  }
  return OkStatus();
}

// One try in this process, for a worker: "L <line>" log lines, then
// "O <outputs JSON>"; the exit status says whether it succeeded.
Status ExecuteTry(CommandContext& context, const std::string& dag_id, const std::string& run_id,
                  const std::string& task_id, int map_index) {
  // A worker that dies or stops this try takes the try's own processes with
  // it: a command left running would run beside the next try.
  struct sigaction stop = {};
  stop.sa_handler = [](int) {
    operators::KillRunningProcessGroups();
    ::_exit(128 + SIGTERM);
  };
  ::sigaction(SIGTERM, &stop, nullptr);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() == 1) return Error::Aborted("the worker that started this try is gone");
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_ASSIGN_OR_RETURN(metadb::DagRecord dag, store->GetDag(dag_id));
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, LoadPipelineFile(dag.file_path));
  SLUICE_ASSIGN_OR_RETURN(metadb::DagRun run, store->GetRun(dag_id, run_id));
  store.reset();
  const TaskSpec* task = pipeline.FindTask(task_id);
  if (!task) return Error::NotFound("DAG {} has no task '{}'", dag_id, task_id);
  std::string map_item;
  if (map_index >= 0) {
    std::vector<std::string> items = operators::MapItems(pipeline, *task);
    if (map_index >= static_cast<int>(items.size())) {
      return Error::NotFound("task {} has no map index {}", task_id, map_index);
    }
    map_item = items[map_index];
  }
  TimePoint logical_date = run.logical_date.value_or(run.run_after);
  std::map<std::string, std::string> params = pipeline.params;
  nlohmann::json conf = nlohmann::json::parse(run.conf, nullptr, false);
  if (conf.is_object()) {
    for (const auto& [name, value] : conf.items()) {
      params[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  SystemClock clock;
  operators::TaskEnvironment environment = MakeTaskEnvironment(context.config, clock);
  operators::TaskRun task_run{.pipeline = pipeline,
                              .task = *task,
                              .ds = FormatDate(logical_date),
                              .run_id = run_id,
                              .map_item = map_item,
                              .templates = MakeTemplateContext(
                                  dag_id, run_id, run.data_interval_start.value_or(logical_date),
                                  run.data_interval_end.value_or(logical_date), params),
                              .log =
                                  [](std::string_view line) {
                                    fmt::print("L {}\n", line);
                                    std::fflush(stdout);
                                  },
                              .timeout = std::chrono::milliseconds(0)};
  fmt::print("L running {}{} of {} ({}), logical date {}\n", task_id,
             map_item.empty() ? "" : "[" + map_item + "]", run_id, task->kind,
             FormatIsoTime(logical_date));
  auto outcome = operators::RunTask(environment, task_run);
  if (!outcome) return std::move(outcome).error();
  for (const std::string& note : outcome->notes) fmt::print("L {}\n", note);
  fmt::print("L {} records in, {} records out, {} bytes in, {} bytes out\n", outcome->records_in,
             outcome->records_out, outcome->bytes_in, outcome->bytes_out);
  fmt::print("O {}\n", outcome->ToJson());
  return OkStatus();
}

struct TaskArgs {
  std::string dag_id;
  std::string task_id;
  std::vector<std::string> task_ids;
  std::string run_id;
  int map_index = -1;
  int try_number = 0;
  bool downstream = false;
  bool only_failed = false;
  LocalRunOptions run;
};

void AddRunAndTest(CLI::App* tasks, CommandContext& context) {
  for (bool test : {false, true}) {
    auto args = std::make_shared<TaskArgs>();
    CLI::App* command =
        test ? tasks->add_subcommand("test",
                                     "Run one task in this process without recording its state")
             : tasks->add_subcommand("run",
                                     "Run one task in this process; recorded when --run-id names "
                                     "an existing run");
    command->add_option("dag_id", args->dag_id)->required();
    command->add_option("task_id", args->task_id)->required();
    command->add_option("--date,-d", args->run.ds, "Logical date YYYY-MM-DD (default: today, UTC)");
    command->add_option("--run-id", args->run.run_id, "Run id (default: manual__<now>)");
    command->add_option("--map-item", args->run.map_item,
                        "Only this item (resource or table) of a mapped task");
    command->add_flag("--logs", args->run.print_logs, "Print the task's log lines");
    args->run.record =
        test ? LocalRunOptions::Record::kNothing : LocalRunOptions::Record::kExistingRun;
    command->callback([&context, args] {
      auto pipeline = FindDag(context.config, args->dag_id);
      if (!pipeline) {
        context.outcome = std::move(pipeline).error();
        return;
      }
      if (pipeline->FindTask(args->task_id) == nullptr) {
        context.outcome = Error::NotFound("DAG {} has no task '{}'", args->dag_id, args->task_id)
                              .Hint("`sluice tasks list {}` lists its tasks", args->dag_id);
        return;
      }
      args->run.task_ids = {args->task_id};
      context.outcome = RunLocally(context, *pipeline, args->run);
    });
  }
}

}  // namespace

void AddTasksCommands(CLI::App& app, CommandContext& context) {
  CLI::App* tasks = app.add_subcommand("tasks", "List, run, test, clear tasks and read their logs");
  tasks->require_subcommand(1);
  auto args = std::make_shared<TaskArgs>();

  CLI::App* list = tasks->add_subcommand("list", "List a DAG's tasks in dependency order");
  list->add_option("dag_id", args->dag_id)->required();
  list->callback([&context, args] { context.outcome = ListTasks(context, args->dag_id); });

  AddRunAndTest(tasks, context);

  CLI::App* clear = tasks->add_subcommand("clear", "Clear task instances so they run again");
  clear->add_option("dag_id", args->dag_id)->required();
  clear->add_option("task_ids", args->task_ids, "Tasks to clear (default: every task)");
  clear->add_option("--run-id", args->run_id, "Only this run (default: every run)");
  clear->add_flag("--downstream", args->downstream, "Also clear every task downstream");
  clear->add_flag("--only-failed", args->only_failed, "Only failed and upstream_failed ones");
  clear->callback([&context, args] {
    context.outcome = ClearTasks(context, args->dag_id, args->task_ids, args->run_id,
                                 args->downstream, args->only_failed);
  });

  CLI::App* logs = tasks->add_subcommand("logs", "Print a task instance's log, every try");
  logs->add_option("dag_id", args->dag_id)->required();
  logs->add_option("run_id", args->run_id)->required();
  logs->add_option("task_id", args->task_id)->required();
  logs->add_option("--map-index", args->map_index, "Map index of a mapped task")
      ->capture_default_str();
  logs->add_option("--try", args->try_number, "Only this try (default: every try)");
  logs->callback([&context, args] {
    context.outcome = PrintLogs(context, args->dag_id, args->run_id, args->task_id, args->map_index,
                                args->try_number);
  });

  CLI::App* execute =
      tasks->add_subcommand("execute", "Run one claimed try (how workers start tasks)");
  execute->group("");  // for workers, not people
  execute->add_option("dag_id", args->dag_id)->required();
  execute->add_option("run_id", args->run_id)->required();
  execute->add_option("task_id", args->task_id)->required();
  execute->add_option("--map-index", args->map_index)->capture_default_str();
  execute->callback([&context, args] {
    context.outcome =
        ExecuteTry(context, args->dag_id, args->run_id, args->task_id, args->map_index);
  });

  CLI::App* host = tasks->add_subcommand(
      "host", "Start tries by forking this process (how workers start `tasks execute`)");
  host->group("");  // for workers, not people
  host->callback([&context] {
    int status = operators::ServeProcessHost(kProcessHostSocket, context.run_main);
    if (status != 0)
      context.outcome = Error::Aborted("the process host stopped (status {})", status);
  });
}

}  // namespace sluice::cli
