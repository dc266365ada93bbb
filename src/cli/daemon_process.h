// How a long-running process (scheduler, worker, standalone, webserver) starts.
#pragma once

#include "cli/commands.h"

namespace sluice::cli {

// Call first in a long-running command, before it starts a thread. It may
// replace the process image with a fresh one of the same binary, arguments
// and pid, started with settings that only take effect at a process's start.
void PrepareLongRunningProcess(const CommandContext& context);

}  // namespace sluice::cli
