// Process configuration, read once in main(): $SLUICE_HOME, the config file,
// the pipelines folder and connection URLs. Nothing below cli/ reads the
// environment; everything it needs is passed down from here.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/core.h"

namespace sluice::cli {

struct Config {
  std::string home;         // $SLUICE_HOME, default ~/.sluice
  std::string dags_folder;  // $SLUICE_DAGS_FOLDER, config dags_folder, default $SLUICE_HOME/dags
  std::string metadb_url;   // $SLUICE_METADB, config metadb, default sqlite:///$SLUICE_HOME/sluice.db
  // From the config file's `connections:`; the environment overrides per lookup.
  std::map<std::string, std::string> connections;
  std::optional<std::string> aws_access_key_id;
  std::optional<std::string> aws_secret_access_key;
};

// Reads $SLUICE_HOME/sluice.yaml (optional) and the environment.
Result<Config> LoadConfig();

// A connection's URL: SLUICE_CONN_<ID> (upper case), else the config file, else
// the pipeline's default, else the built-in default for "lake" and "warehouse".
// Every password found is registered for masking.
Result<Url> ResolveConnection(const Config& config, const Pipeline& pipeline,
                              const std::string& connection_id);

}  // namespace sluice::cli
