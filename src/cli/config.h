// Process configuration, read once in main(): $SLUICE_HOME, the config file,
// the pipelines folder and connection URLs. Nothing below cli/ reads the
// environment; everything it needs is passed down from here.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/secrets.h"
#include "core/core.h"

namespace sluice::cli {

struct Config {
  std::string home;         // $SLUICE_HOME, default ~/.sluice
  std::string dags_folder;  // $SLUICE_DAGS_FOLDER, config dags_folder, default $SLUICE_HOME/dags
  std::string
      metadb_url;  // $SLUICE_METADB, config metadb, default sqlite:///$SLUICE_HOME/sluice.db
  // From the config file's `connections:`; the environment overrides per lookup.
  std::map<std::string, std::string> connections;
  std::optional<std::string> aws_access_key_id;
  std::optional<std::string> aws_secret_access_key;
  // The config file's `secrets:` (a command that prints connection values).
  SecretsOptions secrets;
  // Values read from files and commands; shared by every copy of this Config,
  // so the task environments and the web server reuse one cache.
  std::shared_ptr<SecretCache> secret_cache = std::make_shared<SecretCache>();
};

// Reads $SLUICE_HOME/sluice.yaml (optional) and the environment.
Result<Config> LoadConfig();

// Where a connection's value came from, in order of precedence.
enum class ConnectionSource { kEnv, kFile, kCommand, kConfig, kPipeline, kDefault };
// "env", "file", "command", "config", "pipeline", "default".
std::string_view SourceName(ConnectionSource source);

struct ResolvedConnection {
  Url url;
  ConnectionSource source = ConnectionSource::kDefault;
  // The variable, file, command, config file or pipeline file that gave it.
  std::string origin;
};

// "warehouse" -> "SLUICE_CONN_WAREHOUSE" (upper case, other characters as '_').
std::string ConnectionEnvName(const std::string& connection_id);

// A connection's URL, first found of:
//   1. SLUICE_CONN_<ID>
//   2. the file named by SLUICE_CONN_<ID>_FILE (trailing newline stripped)
//   3. the `secrets: command` of the config file, when it serves this id
//   4. `connections:` in the config file
//   5. the pipeline's `connections:` defaults (pipeline may be null)
//   6. the built-in default for "lake" and "warehouse".
// Values from files and commands are cached for config.secrets.cache. Every
// secret found (URL passwords and keys, file and command values) is registered
// for masking. Thread-safe.
Result<ResolvedConnection> ResolveConnectionWithSource(const Config& config,
                                                       const Pipeline* pipeline,
                                                       const std::string& connection_id);
Result<Url> ResolveConnection(const Config& config, const Pipeline& pipeline,
                              const std::string& connection_id);

}  // namespace sluice::cli
