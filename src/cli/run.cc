// `sluice run <dag_id>`: one run of every task, in this process.
#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/local_run.h"

namespace sluice::cli {

void AddRunCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string dag_id;
    LocalRunOptions run;
  };
  auto options = std::make_shared<Options>();
  CLI::App* run = app.add_subcommand(
      "run", "Run every task of a DAG once, in dependency order, in this process");
  run->add_option("dag_id", options->dag_id, "The DAG to run")->required();
  run->add_option("--date,-d", options->run.ds, "Logical date YYYY-MM-DD (default: today, UTC)");
  run->add_option("--run-id", options->run.run_id, "Run id (default: manual__<now>)");
  run->add_flag("--logs", options->run.print_logs, "Print the tasks' log lines");
  run->callback([&context, options] {
    auto pipeline = FindDag(context.config, options->dag_id);
    if (!pipeline) {
      context.outcome = std::move(pipeline).error();
      return;
    }
    context.outcome = RunLocally(context, *pipeline, options->run);
  });
}

}  // namespace sluice::cli
