#include "cli/config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>

namespace sluice::cli {
namespace {

std::optional<std::string> Env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string EnvName(const std::string& connection_id) {
  std::string name = "SLUICE_CONN_";
  for (char c : connection_id) {
    name += std::isalnum(static_cast<unsigned char>(c))
                ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                : '_';
  }
  return name;
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
      } else {
        return Error::InvalidArgument(
            "{}:{}:{}: unknown key '{}' (known: dags_folder, metadb, connections)", path,
            entry.first.Mark().line + 1, entry.first.Mark().column + 1, key);
      }
    }
  } catch (const YAML::Exception& e) {
    return Error::InvalidArgument("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  return {};
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
  return config;
}

Result<Url> ResolveConnection(const Config& config, const Pipeline& pipeline,
                              const std::string& connection_id) {
  std::string text;
  if (auto value = Env(EnvName(connection_id).c_str())) {
    text = *value;
  } else if (auto it = config.connections.find(connection_id); it != config.connections.end()) {
    text = it->second;
  } else if (auto default_it = pipeline.connections.find(connection_id);
             default_it != pipeline.connections.end()) {
    text = default_it->second;
  } else if (connection_id == "lake") {
    text = "file://" + config.home + "/lake";
  } else if (connection_id == "warehouse") {
    text = "postgresql://postgres@127.0.0.1:5432/mydb";
  } else {
    return Error::NotFound("connection '{}' is not defined", connection_id)
        .Hint("set {} to its URL, or add it under connections: in {}/sluice.yaml",
              EnvName(connection_id), config.home);
  }
  auto url = Url::Parse(text);
  if (!url) return std::move(url).error().AddContext(fmt::format("connection '{}'", connection_id));
  if (url->has_password) RegisterSecret(url->password);
  return url;
}

}  // namespace sluice::cli
