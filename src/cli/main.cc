// The only wiring: read configuration once, register command groups, run one,
// turn its outcome into one line on stderr and an exit status.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

int ExitStatusOf(const sluice::Error& error) {
  switch (error.code()) {
    case sluice::Code::kInvalidArgument:
    case sluice::Code::kNotFound:
      return 2;
    default:
      return 1;
  }
}

int RunSluice(int argc, char** argv);

// A process host's child runs the program again, on the request's arguments.
int RunSluiceOn(std::vector<std::string> args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return RunSluice(static_cast<int>(args.size()), argv.data());
}

int RunSluice(int argc, char** argv) {
  using namespace sluice;
  CLI::App app{"sluice: scheduled data pipelines: extract, keep raw, clean, load"};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.require_subcommand(1);

  cli::CommandContext context;
  context.argv.assign(argv, argv + argc);
  context.run_main = RunSluiceOn;
  auto config = cli::LoadConfig();
  if (!config) {
    std::fprintf(stderr, "sluice: error: %s\n", config.error().ToString().c_str());
    return ExitStatusOf(config.error());
  }
  context.config = std::move(*config);
  app.add_option_function<std::string>(
         "--output,-o",
         [&context](const std::string& format) {
           context.output = format == "json" ? cli::OutputFormat::kJson : cli::OutputFormat::kText;
         },
         "Output format: text (for people) or json (for scripts)")
      ->check(CLI::IsMember({"text", "json"}));

  cli::AddRunCommands(app, context);
  cli::AddDagsCommands(app, context);
  cli::AddTasksCommands(app, context);
  cli::AddDevCommands(app, context);
  cli::AddWebserverCommands(app, context);
  cli::AddUsersCommands(app, context);
  cli::AddDaemonCommands(app, context);
  cli::AddRunsCommands(app, context);
  cli::AddBackfillCommands(app, context);
  cli::AddDbCommands(app, context);
  cli::AddConnectionsCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!context.outcome) {
    std::fprintf(stderr, "sluice: error: %s\n", context.outcome.error().ToString().c_str());
    return ExitStatusOf(context.outcome.error());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // glibc raises its mmap threshold to the largest block freed so far, so after
  // the first S3 part buffer (MiBs) every later one came from the heap and its
  // pages stayed with the process from one table to the next: peak RSS grew
  // with input size. A fixed threshold gives blocks of 1 MiB or more back to
  // the kernel when they are freed.
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  return RunSluice(argc, argv);
}
