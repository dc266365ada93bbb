// The metadata store of the process configuration, opened and migrated.
#pragma once

#include <memory>
#include <string>

#include "cli/config.h"
#include "metadb/metadb.h"
#include "operators/process.h"

namespace sluice::cli {

// Opens config.metadb_url (creating $SLUICE_HOME for the embedded SQLite
// default) and applies missing migrations, as `airflow standalone` does.
Result<std::unique_ptr<metadb::MetaStore>> OpenStore(const Config& config);

// Records the pipelines folder in the store (DAGs, import errors).
Status SyncDagsFolder(const Config& config, metadb::MetaStore& store);

// The path of this binary, for the child processes it starts.
std::string SelfPath();
// argv that runs one task try in a child process: this binary, `tasks execute`.
std::vector<std::string> TaskCommand();

// Where `sluice tasks host` finds its socket (ProcessHost::Start's fd 3).
inline constexpr int kProcessHostSocket = 3;

// A host that starts the worker's `tasks execute` processes by forking a
// process that already has sluice loaded (`sluice tasks host`, from the first try on).
std::unique_ptr<operators::ProcessHost> TaskHost();
// The host's Run as a worker's run_process; unset for no host.
operators::ProcessRunner ProcessRunnerOf(operators::ProcessHost* host);

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts after),
// so that WaitForStopSignal() alone receives them.
void BlockStopSignals();
// Waits for SIGINT or SIGTERM; returns its name.
std::string WaitForStopSignal();

}  // namespace sluice::cli
