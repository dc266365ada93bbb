#include "cli/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace sluice::cli {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string Where(const std::string& path, const YAML::Node& node) {
  return fmt::format("{}:{}:{}", path, node.Mark().line + 1, node.Mark().column + 1);
}

Result<std::chrono::seconds> Seconds(const std::string& path, const YAML::Node& node,
                                     long minimum) {
  long value = node.as<long>();
  if (value < minimum) {
    return Error::InvalidArgument("{}: expected a number of seconds >= {}, got {}",
                                  Where(path, node), minimum, value);
  }
  return std::chrono::seconds(value);
}

// `secrets: {command: [...], timeout_seconds: N, cache_seconds: N, connections: [...]}`
Status ReadSecretsSection(const std::string& path, const YAML::Node& node, SecretsOptions& out) {
  if (!node.IsMap()) {
    return Error::InvalidArgument("{}: secrets: expected a mapping", Where(path, node));
  }
  for (const auto& entry : node) {
    auto key = entry.first.as<std::string>();
    if (key == "command") {
      if (!entry.second.IsSequence() || entry.second.size() == 0) {
        return Error::InvalidArgument(
            "{}: secrets.command: expected a list of arguments, e.g. [vault, kv, get, "
            "-field=url, secret/{{conn_id}}]",
            Where(path, entry.second));
      }
      out.command = entry.second.as<std::vector<std::string>>();
    } else if (key == "timeout_seconds") {
      SLUICE_ASSIGN_OR_RETURN(out.timeout, Seconds(path, entry.second, 1));
    } else if (key == "cache_seconds") {
      SLUICE_ASSIGN_OR_RETURN(out.cache, Seconds(path, entry.second, 0));
    } else if (key == "connections") {
      out.connections = entry.second.as<std::vector<std::string>>();
    } else {
      return Error::InvalidArgument(
          "{}: unknown key 'secrets.{}' (known: command, timeout_seconds, cache_seconds, "
          "connections)",
          Where(path, entry.first), key);
    }
  }
  return {};
}

Status ReadConfigFile(const std::string& path, Config& config) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return {};
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) return Error::InvalidArgument("{}: expected a mapping", path);
    for (const auto& entry : root) {
      auto key = entry.first.as<std::string>();
      if (key == "dags_folder") {
        config.dags_folder = entry.second.as<std::string>();
      } else if (key == "metadb") {
        config.metadb_url = entry.second.as<std::string>();
      } else if (key == "connections") {
        for (const auto& connection : entry.second) {
          config.connections[connection.first.as<std::string>()] =
              connection.second.as<std::string>();
        }
      } else if (key == "secrets") {
        SLUICE_TRY(ReadSecretsSection(path, entry.second, config.secrets));
      } else {
        return Error::InvalidArgument(
            "{}: unknown key '{}' (known: dags_folder, metadb, connections, secrets)",
            Where(path, entry.first), key);
      }
    }
  } catch (const YAML::Exception& e) {
    return Error::InvalidArgument("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return {};
}

struct FoundText {
  std::string text;
  ConnectionSource source;
  std::string origin;
};

Result<std::string> ReadFileCached(const Config& config, const std::string& variable,
                                   const std::string& path) {
  return config.secret_cache->GetOrLoad("file:" + path, config.secrets.cache,
                                        [&] { return ReadSecretFile(variable, path); });
}

Result<std::string> RunCommandCached(const Config& config, const std::string& connection_id) {
  return config.secret_cache->GetOrLoad("command:" + connection_id, config.secrets.cache, [&] {
    return RunSecretCommand(config.secrets, connection_id);
  });
}

Result<FoundText> FindConnectionText(const Config& config, const Pipeline* pipeline,
                                     const std::string& connection_id) {
  std::string variable = ConnectionEnvName(connection_id);
  if (auto value = Env(variable.c_str())) {
    return FoundText{*value, ConnectionSource::kEnv, variable};
  }
  std::string file_variable = variable + "_FILE";
  if (auto path = Env(file_variable.c_str())) {
    auto value = ReadFileCached(config, file_variable, *path);
    if (!value) {
      return std::move(value).error().AddContext(fmt::format("connection '{}'", connection_id));
    }
    return FoundText{std::move(*value), ConnectionSource::kFile, file_variable + "=" + *path};
  }
  if (config.secrets.Serves(connection_id)) {
    SLUICE_ASSIGN_OR_RETURN(std::string value, RunCommandCached(config, connection_id));
    return FoundText{std::move(value), ConnectionSource::kCommand,
                     "secrets command " + config.secrets.command[0]};
  }
  if (auto it = config.connections.find(connection_id); it != config.connections.end()) {
    return FoundText{it->second, ConnectionSource::kConfig, config.home + "/sluice.yaml"};
  }
  if (pipeline != nullptr) {
    if (auto it = pipeline->connections.find(connection_id); it != pipeline->connections.end()) {
      return FoundText{it->second, ConnectionSource::kPipeline, pipeline->file_path};
    }
  }
  if (connection_id == "lake") {
    return FoundText{"file://" + config.home + "/lake", ConnectionSource::kDefault, "built-in"};
  }
  if (connection_id == "warehouse") {
    return FoundText{"postgresql://postgres@127.0.0.1:5432/mydb", ConnectionSource::kDefault,
                     "built-in"};
  }
  return Error::NotFound("connection '{}' is not defined", connection_id)
      .Hint(
          "set {} to its URL (or {}_FILE to a file holding it), or add it under connections: in "
          "{}/sluice.yaml",
          variable, variable, config.home);
}

// Secrets are registered as soon as they are read, not when first used: a
// `command` task may print a value sluice never looked up itself.
void RegisterEnvironmentSecrets(const Config& config) {
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (!text.starts_with("SLUICE_CONN_") || eq == std::string_view::npos) continue;
    std::string name(text.substr(0, eq));
    std::string value(text.substr(eq + 1));
    if (name.ends_with("_FILE")) {
      (void)ReadFileCached(config, name,
                           value);  // a failure is reported when the connection is used
    } else {
      RegisterConnectionSecrets(value);
    }
  }
  for (const auto& [id, value] : config.connections) RegisterConnectionSecrets(value);
}

}  // namespace

Result<Config> LoadConfig() {
  Config config;
  if (auto home = Env("SLUICE_HOME")) {
    config.home = *home;
  } else if (auto user_home = Env("HOME")) {
    config.home = *user_home + "/.sluice";
  } else {
    return Error::FailedPrecondition("neither SLUICE_HOME nor HOME is set");
  }
  SLUICE_TRY(ReadConfigFile(config.home + "/sluice.yaml", config));
  if (auto folder = Env("SLUICE_DAGS_FOLDER")) config.dags_folder = *folder;
  if (config.dags_folder.empty()) config.dags_folder = config.home + "/dags";
  if (auto metadb = Env("SLUICE_METADB")) config.metadb_url = *metadb;
  if (config.metadb_url.empty()) config.metadb_url = "sqlite://" + config.home + "/sluice.db";
  config.aws_access_key_id = Env("AWS_ACCESS_KEY_ID");
  config.aws_secret_access_key = Env("AWS_SECRET_ACCESS_KEY");
  if (config.aws_secret_access_key) RegisterSecret(*config.aws_secret_access_key);
  RegisterEnvironmentSecrets(config);
  return config;
}

std::string_view SourceName(ConnectionSource source) {
  switch (source) {
    case ConnectionSource::kEnv:
      return "env";
    case ConnectionSource::kFile:
      return "file";
    case ConnectionSource::kCommand:
      return "command";
    case ConnectionSource::kConfig:
      return "config";
    case ConnectionSource::kPipeline:
      return "pipeline";
    case ConnectionSource::kDefault:
      return "default";
  }
  return "default";
}

std::string ConnectionEnvName(const std::string& connection_id) {
  std::string name = "SLUICE_CONN_";
  for (char c : connection_id) {
    name += std::isalnum(static_cast<unsigned char>(c))
                ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                : '_';
  }
  return name;
}

Result<ResolvedConnection> ResolveConnectionWithSource(const Config& config,
                                                       const Pipeline* pipeline,
                                                       const std::string& connection_id) {
  SLUICE_ASSIGN_OR_RETURN(auto found, FindConnectionText(config, pipeline, connection_id));
  auto& [text, source, origin] = found;
  bool is_secret_value = source == ConnectionSource::kFile || source == ConnectionSource::kCommand;
  auto url = Url::Parse(text);
  if (!url) {
    // A value from a secret store may be the secret itself: the error must not show it.
    if (is_secret_value) RegisterSecret(text);
    return std::move(url).error().AddContext(
        fmt::format("connection '{}' (from {})", connection_id, origin));
  }
  RegisterConnectionSecrets(text);
  return ResolvedConnection{std::move(*url), source, std::move(origin)};
}

Result<Url> ResolveConnection(const Config& config, const Pipeline& pipeline,
                              const std::string& connection_id) {
  SLUICE_ASSIGN_OR_RETURN(ResolvedConnection resolved,
                          ResolveConnectionWithSource(config, &pipeline, connection_id));
  return std::move(resolved.url);
}

}  // namespace sluice::cli
