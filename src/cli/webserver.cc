// `sluice webserver`: the REST API and the web UI, until SIGINT or SIGTERM.
#include "cli/webserver.h"

#include <spdlog/spdlog.h>

#include "cli/daemon_process.h"
#include "cli/local_run.h"
#include "cli/store.h"
#include "operators/process.h"

namespace sluice::cli {
namespace {

struct WebserverArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool parse_dags = false;
  std::string ui_folder;
};

// /health reaches the lake and the warehouse through `sluice connections test`
// in a child process: a service that hangs costs that process, stopped at
// the timeout, not a server thread, and the long-running server never maps
// the pages of libpq, Kerberos and TLS that one connection touches (2 MiB of
// an idle standalone's resident memory).
Status TestConnectionInChild(const std::string& connection_id) {
  operators::ProcessSpec spec{.argv = {SelfPath(), "connections", "test", connection_id},
                              .timeout = std::chrono::seconds(30)};
  std::string report;  // the connection's own row, else the last line
  auto result = operators::RunProcess(spec, [&](std::string_view line) {
    if (!report.starts_with(connection_id + " ")) report = std::string(line);
  });
  if (!result) return std::move(result).error();
  if (result->timed_out) {
    return Error::DeadlineExceeded("connection '{}': no answer within {}s", connection_id,
                                   spec.timeout.count() / 1000);
  }
  if (result->exit_code != 0 || result->signal != 0) {
    return Error::Unavailable("{}",
                              report.empty() ? "connections test failed" : MaskSecrets(report));
  }
  return OkStatus();
}

}  // namespace

server::ServerOptions WebServerOptions(const Config& config, const std::string& host, int port,
                                       metadb::MetaStore& store,
                                       operators::TaskEnvironment& environment) {
  server::ServerOptions options;
  options.host = host;
  options.port = port;
  options.home = config.home;
  options.dags_folder = config.dags_folder;
  options.metastore = &store;
  options.lake = [&environment](const Pipeline& pipeline) { return environment.Lake(pipeline); };
  options.lake_health = [] { return TestConnectionInChild("lake"); };
  options.warehouse_health = [] { return TestConnectionInChild("warehouse"); };
  return options;
}

namespace {

Status RunWebserver(CommandContext& context, const WebserverArgs& args) {
  PrepareLongRunningProcess(context);
  const Config& config = context.config;
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(config));
  if (args.parse_dags) SLUICE_TRY(SyncDagsFolder(config, *store));
  SystemClock clock;
  operators::TaskEnvironment environment = MakeTaskEnvironment(config, clock);
  // Before the server's threads start, so that they inherit the mask.
  BlockStopSignals();
  server::ServerOptions options =
      WebServerOptions(config, args.host, args.port, *store, environment);
  options.ui_folder = args.ui_folder;
  server::WebServer web(std::move(options));
  SLUICE_TRY(web.Start());
  spdlog::info("sluice web server: {} (metadata: {})", web.url(), store->Describe());
  std::string signal_name = WaitForStopSignal();
  spdlog::info("stopping the web server ({})", signal_name);
  web.Stop();
  return OkStatus();
}

}  // namespace

void AddWebserverCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<WebserverArgs>();
  CLI::App* command = app.add_subcommand("webserver", "Serve the REST API and the web UI");
  command->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  command->add_option("--port,-p", args->port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_flag("--parse-dags", args->parse_dags,
                    "Record the pipelines folder's DAGs in the metadata store at start "
                    "(the scheduler does this when it runs)");
  command->add_option("--ui-folder", args->ui_folder,
                      "Serve the UI from this folder (web/dist) instead of the built-in copy");
  command->callback([&context, args] { context.outcome = RunWebserver(context, *args); });
}

}  // namespace sluice::cli
