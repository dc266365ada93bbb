// The web server's options from the process configuration, for `sluice
// webserver` and `sluice standalone`.
#pragma once

#include <string>

#include "cli/commands.h"
#include "metadb/metadb.h"
#include "operators/operators.h"
#include "server/server.h"

namespace sluice::cli {

server::ServerOptions WebServerOptions(const Config& config, const std::string& host, int port,
                                       metadb::MetaStore& store,
                                       operators::TaskEnvironment& environment);

}  // namespace sluice::cli
