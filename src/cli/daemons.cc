// `sluice scheduler`, `sluice worker` and `sluice standalone`: the long-running
// processes, until SIGINT or SIGTERM.
#include <spdlog/spdlog.h>

#include <thread>

#include "cli/commands.h"
#include "cli/daemon_process.h"
#include "cli/local_run.h"
#include "cli/store.h"
#include "cli/webserver.h"
#include "executor/executor.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {
namespace {

struct DaemonArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  int slots = 4;
  std::string queues;
  double poll_seconds = 1;
  double heartbeat_timeout_seconds = 60;
  double heartbeat_interval_seconds = 5;
  std::string metrics_host = "127.0.0.1";
  int metrics_port = 0;  // 0: no /metrics (worker, scheduler)
};

// GET /metrics of a worker or scheduler, when --metrics-port asks for it.
Result<std::unique_ptr<server::MetricsServer>> StartMetricsServer(const DaemonArgs& args) {
  if (args.metrics_port == 0) return std::unique_ptr<server::MetricsServer>();
  auto metrics = std::make_unique<server::MetricsServer>(args.metrics_host, args.metrics_port);
  SLUICE_TRY(metrics->Start());
  spdlog::info("metrics at http://{}:{}/metrics", args.metrics_host, metrics->port());
  return metrics;
}

std::vector<std::string> SplitQueues(const std::string& text) {
  std::vector<std::string> queues;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string queue = text.substr(start, comma - start);
    if (!queue.empty()) queues.push_back(queue);
    start = comma + 1;
  }
  return queues;
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

scheduler::SchedulerOptions SchedulerOptionsOf(const Config& config, const DaemonArgs& args,
                                               metadb::MetaStore& store) {
  scheduler::SchedulerOptions options;
  options.store = &store;
  options.dags_folder = config.dags_folder;
  options.poll_interval = Millis(args.poll_seconds);
  options.task_heartbeat_timeout = Millis(args.heartbeat_timeout_seconds);
  return options;
}

executor::WorkerOptions WorkerOptionsOf(const Config& config, const DaemonArgs& args,
                                        metadb::MetaStore& store) {
  executor::WorkerOptions options;
  options.store = &store;
  options.home = config.home;
  options.slots = args.slots;
  options.queues = SplitQueues(args.queues);
  options.poll_interval = Millis(args.poll_seconds);
  options.heartbeat_interval = Millis(args.heartbeat_interval_seconds);
  options.task_command = TaskCommand();
  return options;
}

Status RunScheduler(CommandContext& context, const DaemonArgs& args) {
  PrepareLongRunningProcess(context);
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  BlockStopSignals();
  SLUICE_ASSIGN_OR_RETURN(auto metrics, StartMetricsServer(args));
  scheduler::Scheduler scheduler(SchedulerOptionsOf(context.config, args, *store));
  Status outcome;
  std::thread loop([&] { outcome = scheduler.Run(); });
  spdlog::info("sluice scheduler: DAGs from {} (metadata: {})", context.config.dags_folder,
               store->Describe());
  spdlog::info("stopping the scheduler ({})", WaitForStopSignal());
  scheduler.Stop();
  loop.join();
  return outcome;
}

Status RunWorker(CommandContext& context, const DaemonArgs& args) {
  PrepareLongRunningProcess(context);
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  BlockStopSignals();
  SLUICE_ASSIGN_OR_RETURN(auto metrics, StartMetricsServer(args));
  executor::WorkerOptions options = WorkerOptionsOf(context.config, args, *store);
  std::unique_ptr<operators::ProcessHost> task_host = TaskHost();
  options.run_process = ProcessRunnerOf(task_host.get());
  // This worker may run on another host than the web server: its logs go to the store too.
  options.ship_logs = true;
  executor::Worker worker(std::move(options));
  SLUICE_TRY(worker.Start());
  spdlog::info("sluice worker {}: {} slots, queues {} (metadata: {})", worker.id(), args.slots,
               args.queues.empty() ? "all" : args.queues, store->Describe());
  spdlog::info("stopping the worker ({})", WaitForStopSignal());
  worker.Stop();
  return OkStatus();
}

Status RunStandalone(CommandContext& context, const DaemonArgs& args) {
  PrepareLongRunningProcess(context);
  const Config& config = context.config;
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(config));
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::string> password,
                          server::EnsureStandaloneAdmin(*store, config.home));
  BlockStopSignals();
  SystemClock clock;
  operators::TaskEnvironment environment = MakeTaskEnvironment(config, clock);
  // Scheduler and worker wake each other: queued tasks are claimed at once,
  // a finished try frees what waits on it at once.
  executor::Worker* worker_to_wake = nullptr;
  scheduler::SchedulerOptions scheduler_options = SchedulerOptionsOf(config, args, *store);
  scheduler_options.on_tasks_queued = [&worker_to_wake] { worker_to_wake->Wake(); };
  scheduler::Scheduler scheduler(std::move(scheduler_options));
  executor::WorkerOptions worker_options = WorkerOptionsOf(config, args, *store);
  worker_options.on_try_finished = [&scheduler] { scheduler.Wake(); };
  std::unique_ptr<operators::ProcessHost> task_host = TaskHost();
  worker_options.run_process = ProcessRunnerOf(task_host.get());
  executor::Worker worker(std::move(worker_options));
  worker_to_wake = &worker;
  server::ServerOptions server_options =
      WebServerOptions(config, args.host, args.port, *store, environment);
  server_options.on_runs_changed = [&scheduler] { scheduler.Wake(); };
  server::WebServer web(std::move(server_options));

  SLUICE_TRY(scheduler.SyncDags());
  SLUICE_TRY(worker.Start());
  SLUICE_TRY(web.Start());
  Status outcome;
  std::thread loop([&] { outcome = scheduler.Run(); });
  spdlog::info("sluice standalone: {} (DAGs from {}, metadata {}, {} task slots)", web.url(),
               config.dags_folder, store->Describe(), args.slots);
  if (password) {
    fmt::print("sluice standalone is running at {}\n", web.url());
    fmt::print("login with username: admin  password: {}\n", *password);
    fmt::print("(also in {}/standalone_admin_password.txt; shown only this once)\n", config.home);
    std::fflush(stdout);
  }
  spdlog::info("stopping ({})", WaitForStopSignal());
  web.Stop();
  scheduler.Stop();
  loop.join();
  worker.Stop();
  return outcome;
}

void AddPollOptions(CLI::App* command, DaemonArgs& args) {
  command
      ->add_option("--poll-interval", args.poll_seconds,
                   "Seconds between looks at the metadata store when nothing wakes it")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
}

void AddMetricsOptions(CLI::App* command, DaemonArgs& args) {
  command
      ->add_option("--metrics-port", args.metrics_port,
                   "Serve Prometheus metrics at GET /metrics on this port (0: off)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  command->add_option("--metrics-host", args.metrics_host, "Address the metrics server listens on")
      ->capture_default_str();
}

void AddSchedulerOptions(CLI::App* command, DaemonArgs& args) {
  command
      ->add_option("--heartbeat-timeout", args.heartbeat_timeout_seconds,
                   "Seconds without a worker heartbeat before its running tasks are lost")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
}

void AddWorkerOptions(CLI::App* command, DaemonArgs& args) {
  command->add_option("--slots", args.slots, "Tasks run at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command->add_option("--queues,-q", args.queues, "Serve only these queues (comma-separated)");
  command
      ->add_option("--heartbeat-interval", args.heartbeat_interval_seconds,
                   "Seconds between heartbeats (keep it well under the schedulers' "
                   "--heartbeat-timeout)")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 3600.0));
}

}  // namespace

void AddDaemonCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<DaemonArgs>();
  CLI::App* scheduler =
      app.add_subcommand("scheduler", "Schedule DAG runs and queue their tasks for workers");
  AddPollOptions(scheduler, *args);
  AddSchedulerOptions(scheduler, *args);
  AddMetricsOptions(scheduler, *args);
  scheduler->callback([&context, args] { context.outcome = RunScheduler(context, *args); });

  CLI::App* worker = app.add_subcommand(
      "worker", "Claim queued tasks from the metadata store and run them (any host)");
  AddPollOptions(worker, *args);
  AddWorkerOptions(worker, *args);
  AddMetricsOptions(worker, *args);
  worker->callback([&context, args] { context.outcome = RunWorker(context, *args); });

  CLI::App* standalone = app.add_subcommand(
      "standalone", "Scheduler, workers and the web server in one process, for one machine");
  standalone->add_option("--host", args->host, "Address the web server listens on")
      ->capture_default_str();
  standalone->add_option("--port,-p", args->port, "Port of the web server (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  AddPollOptions(standalone, *args);
  AddSchedulerOptions(standalone, *args);
  AddWorkerOptions(standalone, *args);
  standalone->callback([&context, args] { context.outcome = RunStandalone(context, *args); });
}

}  // namespace sluice::cli
