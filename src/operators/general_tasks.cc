// The general kinds (sql, command, noop) and the dispatch over every kind.
#include "core/template.h"
#include "operators/data_tasks.h"
#include "operators/process.h"

namespace sluice::operators {
namespace {

Result<std::string> Render(const TaskRun& run, std::string_view text) {
  auto rendered = RenderTemplate(text, run.templates);
  if (!rendered) {
    return std::move(rendered).error().AddContext(fmt::format("task {}", run.task.id));
  }
  return rendered;
}

}  // namespace

Result<TaskOutcome> RunSql(TaskEnvironment& environment, const TaskRun& run) {
  SLUICE_ASSIGN_OR_RETURN(std::string sql, Render(run, run.task.sql));
  std::string connection =
      run.task.connection.empty() ? run.pipeline.warehouse.connection : run.task.connection;
  SLUICE_ASSIGN_OR_RETURN(auto warehouse, environment.Warehouse(run.pipeline, connection));
  if (run.log) run.log(MaskSecrets(fmt::format("running SQL on {}: {}", warehouse->Describe(), sql)));
  SLUICE_TRY(warehouse->Execute(sql));
  return TaskOutcome{};
}

Result<TaskOutcome> RunCommand(TaskEnvironment&, const TaskRun& run) {
  ProcessSpec spec;
  for (const std::string& arg : run.task.command.argv) {
    SLUICE_ASSIGN_OR_RETURN(std::string rendered, Render(run, arg));
    spec.argv.push_back(std::move(rendered));
  }
  for (const auto& [name, value] : run.task.command.env) {
    SLUICE_ASSIGN_OR_RETURN(spec.env[name], Render(run, value));
  }
  SLUICE_ASSIGN_OR_RETURN(spec.working_dir, Render(run, run.task.command.working_dir));
  spec.timeout = run.timeout;
  uint64_t lines = 0;
  SLUICE_ASSIGN_OR_RETURN(ProcessResult result,
                          RunProcess(spec, [&](std::string_view line) {
                            ++lines;
                            if (run.log) run.log(MaskSecrets(line));
                          }));
  if (result.timed_out) {
    return Error::DeadlineExceeded("command {} stopped after its timeout of {} ms", spec.argv[0],
                                   run.timeout.count());
  }
  if (result.signal != 0) {
    return Error::Aborted("command {} was killed by signal {}", spec.argv[0], result.signal);
  }
  if (result.exit_code != 0) {
    return Error::Aborted("command {} exited with status {}", spec.argv[0], result.exit_code);
  }
  TaskOutcome outcome;
  outcome.records_out = lines;
  return outcome;
}

std::vector<std::string> MapItems(const Pipeline& pipeline, const TaskSpec& task) {
  std::vector<std::string> items;
  if (task.expand == "resources") {
    for (const ResourceSpec& resource : pipeline.source.resources) items.push_back(resource.name);
  } else if (task.expand == "tables") {
    for (const TableSpec& table : pipeline.tables) items.push_back(table.name);
  }
  return items;
}

Result<TaskOutcome> RunTask(TaskEnvironment& environment, const TaskRun& run) {
  const std::string& kind = run.task.kind;
  Result<TaskOutcome> outcome = Error::InvalidArgument("unknown task kind '{}'", kind);
  if (kind == "http_extract") {
    outcome = RunExtract(environment, run);
  } else if (kind == "transform") {
    outcome = RunTransform(environment, run);
  } else if (kind == "create_tables") {
    outcome = RunCreateTables(environment, run);
  } else if (kind == "postgres_load") {
    outcome = RunLoad(environment, run);
  } else if (kind == "sql") {
    outcome = RunSql(environment, run);
  } else if (kind == "command") {
    outcome = RunCommand(environment, run);
  } else if (kind == "noop") {
    outcome = TaskOutcome{};
  }
  if (!outcome) {
    std::string where = run.map_item.empty()
                            ? fmt::format("task {} (ds {})", run.task.id, run.ds)
                            : fmt::format("task {}[{}] (ds {})", run.task.id, run.map_item, run.ds);
    return std::move(outcome).error().AddContext(where);
  }
  return outcome;
}

}  // namespace sluice::operators
