#include "cli/store.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "cli/dag_lookup.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {

Result<std::unique_ptr<metadb::MetaStore>> OpenStore(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.home, ec);
  if (ec) return Error::Unavailable("cannot create SLUICE_HOME {}: {}", config.home, ec.message());
  SLUICE_ASSIGN_OR_RETURN(Url url, Url::Parse(config.metadb_url));
  SLUICE_ASSIGN_OR_RETURN(auto store, metadb::OpenMetaStore(url));
  SLUICE_TRY(store->Migrate());
  return store;
}

Status SyncDagsFolder(const Config& config, metadb::MetaStore& store) {
  SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory, LoadDags(config));
  return store.SyncDags(scheduler::DagSyncOf(directory));
}

std::string SelfPath() {
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  return ec || self.empty() ? "sluice" : self;
}

std::vector<std::string> TaskCommand() { return {SelfPath(), "tasks", "execute"}; }

std::unique_ptr<operators::ProcessHost> TaskHost() {
  return std::make_unique<operators::ProcessHost>(
      std::vector<std::string>{SelfPath(), "tasks", "host"});
}

operators::ProcessRunner ProcessRunnerOf(operators::ProcessHost* host) {
  if (host == nullptr) return {};
  return [host](const operators::ProcessSpec& spec, const operators::LineFn& on_line) {
    return host->Run(spec, on_line);
  };
}

namespace {
sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}
}  // namespace

void BlockStopSignals() {
  sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

std::string WaitForStopSignal() {
  sigset_t signals = StopSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number == SIGINT ? "SIGINT" : "SIGTERM";
}

}  // namespace sluice::cli
