// `sluice webserver`: the REST API and the web UI, until SIGINT or SIGTERM.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "metadb/metadb.h"
#include "operators/operators.h"
#include "server/server.h"

namespace sluice::cli {
namespace {

struct WebserverArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  bool parse_dags = false;
  std::string ui_folder;
};

// The DAG records of the pipelines folder, for --parse-dags (normally the
// scheduler's job; this lets the server run on its own).
metadb::DagSync DagSyncOf(const PipelineDirectory& directory) {
  metadb::DagSync sync;
  for (const Pipeline& pipeline : directory.pipelines) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskSpec& task : pipeline.tasks) {
      tasks.push_back({{"task_id", task.id}, {"kind", task.kind}, {"upstream", task.upstream}});
    }
    metadb::DagRecord dag;
    dag.dag_id = pipeline.dag_id;
    dag.file_path = pipeline.file_path;
    dag.definition_hash = pipeline.content_hash;
    dag.definition = nlohmann::json{{"tasks", tasks}}.dump();
    dag.schedule = pipeline.schedule.expression;
    dag.timezone = pipeline.schedule.timezone;
    dag.description = pipeline.description;
    dag.tags = pipeline.tags;
    sync.dags.push_back(std::move(dag));
  }
  sync.import_errors = directory.import_errors;
  return sync;
}

server::ServerOptions Options(const Config& config, const WebserverArgs& args,
                              metadb::MetaStore& store, operators::TaskEnvironment& environment) {
  server::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.home = config.home;
  options.dags_folder = config.dags_folder;
  options.metastore = &store;
  options.ui_folder = args.ui_folder;
  options.lake = [&environment](const Pipeline& pipeline) { return environment.Lake(pipeline); };
  options.lake_health = [&environment]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(lake::ObjectStore * lake, environment.Lake(Pipeline{}));
    auto head = lake->Head("raw/.sluice-health-check");
    if (!head && head.error().code() != Code::kNotFound) return std::move(head).error();
    return OkStatus();
  };
  options.warehouse_health = [&environment]() -> Status {
    SLUICE_ASSIGN_OR_RETURN(auto warehouse, environment.Warehouse(Pipeline{}, "warehouse"));
    return warehouse->Ping();
  };
  return options;
}

Status RunWebserver(CommandContext& context, const WebserverArgs& args) {
  const Config& config = context.config;
  std::filesystem::create_directories(config.home);
  SLUICE_ASSIGN_OR_RETURN(Url url, Url::Parse(config.metadb_url));
  SLUICE_ASSIGN_OR_RETURN(auto store, metadb::OpenMetaStore(url));
  SLUICE_TRY(store->Migrate());
  if (args.parse_dags) {
    SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory, LoadDags(config));
    SLUICE_TRY(store->SyncDags(DagSyncOf(directory)));
  }
  SystemClock clock;
  operators::TaskEnvironment environment(
      [&config](const Pipeline& pipeline, const std::string& id) {
        return ResolveConnection(config, pipeline, id);
      },
      clock);
  // Block the stop signals before the server's threads start, so that they
  // inherit the mask and only sigwait() below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  server::WebServer web(Options(config, args, *store, environment));
  SLUICE_TRY(web.Start());
  spdlog::info("sluice web server: {} (metadata: {})", web.url(), store->Describe());
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("stopping the web server ({})", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
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
