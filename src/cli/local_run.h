// One DAG run in this process, no daemon: `sluice run` and `sluice tasks run`.
#pragma once

#include <string>
#include <vector>

#include "cli/commands.h"
#include "operators/operators.h"

namespace sluice::cli {

struct LocalRunOptions {
  std::string ds;                     // YYYY-MM-DD; empty: today (UTC)
  std::string run_id;                 // empty: manual__<now>
  std::vector<std::string> task_ids;  // empty: every task, in dependency order
  std::string map_item;               // one item of a mapped task; empty: all
  bool print_logs = false;            // task log lines on stdout
  // Record the run and its task instances in the metadata store (`sluice
  // run`), or only the task instances of an existing run (`tasks run
  // --run-id`). `tasks test` records nothing.
  enum class Record { kNewRun, kExistingRun, kNothing };
  Record record = Record::kNewRun;
};

struct TaskRunSummary {
  std::string task_id;
  std::string state;  // success | failed | upstream_failed
  double seconds = 0;
  operators::TaskOutcome outcome;
};

// Runs the tasks in dependency order, printing one line per task (and a
// progress line while it runs when stdout is a terminal). A task whose
// upstream failed is not run. Returns the first failure.
Status RunLocally(CommandContext& context, const Pipeline& pipeline, const LocalRunOptions& options,
                  std::vector<TaskRunSummary>* summaries = nullptr);

// The environment a task runs in: connections resolved from the process configuration.
operators::TaskEnvironment MakeTaskEnvironment(const Config& config, Clock& clock);

}  // namespace sluice::cli
