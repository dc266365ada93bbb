// `sluice runs list <dag_id>`: the runs of a DAG and the states of their tasks.
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/store.h"

namespace sluice::cli {
namespace {

std::string TimeText(const std::optional<TimePoint>& time) {
  return time ? FormatIsoTime(std::chrono::floor<std::chrono::seconds>(*time)) : "-";
}

std::string TaskLabel(const metadb::TaskInstance& instance) {
  return instance.key.map_index >= 0
             ? fmt::format("{}[{}]", instance.key.task_id, instance.key.map_index)
             : instance.key.task_id;
}

Status ListRuns(CommandContext& context, const std::string& dag_id, int limit,
                const std::string& state) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  if (auto dag = store->GetDag(dag_id); !dag) {
    // A DAG no scheduler has recorded yet has no runs; an unknown one is an error.
    if (dag.error().code() != Code::kNotFound) return std::move(dag).error();
    SLUICE_TRY(FindDag(context.config, dag_id));
  }
  metadb::RunFilter filter{
      .dag_id = dag_id, .order_by = metadb::RunOrder::kId, .descending = true, .limit = limit};
  if (!state.empty()) {
    auto parsed = metadb::ParseDagRunState(state);
    if (!parsed)
      return Error::InvalidArgument("--state {}: queued, running, success or failed", state);
    filter.states = {*parsed};
  }
  SLUICE_ASSIGN_OR_RETURN(auto runs, store->ListRuns(filter));
  nlohmann::json out = nlohmann::json::array();
  for (const metadb::DagRun& run : runs.items) {
    SLUICE_ASSIGN_OR_RETURN(auto tis,
                            store->ListTaskInstances({.dag_id = dag_id, .run_id = run.run_id}));
    if (context.output == OutputFormat::kJson) {
      nlohmann::json tasks = nlohmann::json::array();
      for (const metadb::TaskInstance& ti : tis.items) {
        tasks.push_back({{"task_id", ti.key.task_id},
                         {"map_index", ti.key.map_index},
                         {"state", metadb::TaskStateName(ti.state)},
                         {"try_number", ti.try_number},
                         {"worker_id", ti.worker_id},
                         {"hostname", ti.hostname},
                         {"pid", ti.pid ? nlohmann::json(*ti.pid) : nlohmann::json(nullptr)},
                         {"start_date", TimeText(ti.start_date)},
                         {"end_date", TimeText(ti.end_date)}});
      }
      out.push_back({{"run_id", run.run_id},
                     {"run_type", metadb::RunTypeName(run.run_type)},
                     {"state", metadb::DagRunStateName(run.state)},
                     {"logical_date", TimeText(run.logical_date)},
                     {"data_interval_start", TimeText(run.data_interval_start)},
                     {"data_interval_end", TimeText(run.data_interval_end)},
                     {"start_date", TimeText(run.start_date)},
                     {"end_date", TimeText(run.end_date)},
                     {"conf", nlohmann::json::parse(run.conf, nullptr, false)},
                     {"task_instances", tasks}});
      continue;
    }
    fmt::print("{}  {}  {}  logical date {}  started {}  ended {}\n", run.run_id,
               metadb::RunTypeName(run.run_type), metadb::DagRunStateName(run.state),
               TimeText(run.logical_date), TimeText(run.start_date), TimeText(run.end_date));
    for (const metadb::TaskInstance& ti : tis.items) {
      fmt::print("    {:<40} {:<16} try {}\n", TaskLabel(ti), metadb::TaskStateName(ti.state),
                 ti.try_number);
    }
  }
  if (context.output == OutputFormat::kJson) {
    fmt::print("{}\n", out.dump(2));
  } else if (runs.items.empty()) {
    fmt::print("no runs of {} yet\n", dag_id);
  }
  return OkStatus();
}

}  // namespace

void AddRunsCommands(CLI::App& app, CommandContext& context) {
  CLI::App* runs = app.add_subcommand("runs", "List DAG runs");
  runs->require_subcommand(1);
  struct Args {
    std::string dag_id;
    int limit = 25;
    std::string state;
  };
  auto args = std::make_shared<Args>();
  CLI::App* list = runs->add_subcommand("list", "A DAG's runs, newest first, with task states");
  list->add_option("dag_id", args->dag_id)->required();
  list->add_option("--limit,-n", args->limit, "At most this many runs")->capture_default_str();
  list->add_option("--state", args->state, "Only runs in this state");
  list->callback([&context, args] {
    context.outcome = ListRuns(context, args->dag_id, args->limit, args->state);
  });
}

}  // namespace sluice::cli
