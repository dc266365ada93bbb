// Command groups of the `sluice` binary. Each Add*Commands registers its
// subcommands; a subcommand's callback stores its outcome in the context so
// main() can print one line and choose the exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "cli/config.h"

namespace sluice::cli {

enum class OutputFormat { kText, kJson };

struct CommandContext {
  Config config;
  OutputFormat output = OutputFormat::kText;
  Status outcome;
  std::vector<std::string> argv;  // as main received it
  // The whole program on other arguments, for a process host's children.
  std::function<int(std::vector<std::string> argv)> run_main;
};

void AddDevCommands(CLI::App& app, CommandContext& context);
void AddRunCommands(CLI::App& app, CommandContext& context);
void AddDagsCommands(CLI::App& app, CommandContext& context);
void AddTasksCommands(CLI::App& app, CommandContext& context);
void AddWebserverCommands(CLI::App& app, CommandContext& context);
void AddUsersCommands(CLI::App& app, CommandContext& context);
void AddDaemonCommands(CLI::App& app, CommandContext& context);
void AddRunsCommands(CLI::App& app, CommandContext& context);
void AddBackfillCommands(CLI::App& app, CommandContext& context);
void AddDbCommands(CLI::App& app, CommandContext& context);
void AddConnectionsCommands(CLI::App& app, CommandContext& context);

}  // namespace sluice::cli
