#include "cli/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() /
            fmt::format("sluice_config_test_{}_{}", ::getpid(),
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(home_);
    config_.home = home_.string();
  }
  void TearDown() override {
    for (const std::string& name : env_) ::unsetenv(name.c_str());
    std::filesystem::remove_all(home_);
  }
  void SetEnv(const std::string& name, const std::string& value) {
    env_.push_back(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = (home_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  Result<ResolvedConnection> Resolve(const std::string& id) {
    return ResolveConnectionWithSource(config_, &pipeline_, id);
  }

  std::filesystem::path home_;
  Config config_;
  Pipeline pipeline_;
  std::vector<std::string> env_;
};

TEST_F(ConfigTest, PrecedenceEnvFileCommandConfigPipelineDefault) {
  const std::string id = "prec_db";
  pipeline_.connections[id] = "postgresql://pipeline@h/db";
  pipeline_.file_path = "dags/p.yaml";
  config_.connections[id] = "postgresql://config@h/db";
  config_.secrets.command = {"/bin/sh", "-c", "echo postgresql://command@h/$1", "sh", "{conn_id}"};
  config_.secrets.cache = std::chrono::seconds(0);
  SetEnv("SLUICE_CONN_PREC_DB_FILE", Write("db.url", "postgresql://file@h/db\n"));
  SetEnv("SLUICE_CONN_PREC_DB", "postgresql://env@h/db");

  struct Step {
    const char* want_user;
    ConnectionSource want_source;
    std::function<void()> then_remove;
  } steps[] = {
      {"env", ConnectionSource::kEnv, [] { ::unsetenv("SLUICE_CONN_PREC_DB"); }},
      {"file", ConnectionSource::kFile, [] { ::unsetenv("SLUICE_CONN_PREC_DB_FILE"); }},
      {"command", ConnectionSource::kCommand, [&] { config_.secrets.command.clear(); }},
      {"config", ConnectionSource::kConfig, [&] { config_.connections.clear(); }},
      {"pipeline", ConnectionSource::kPipeline, [&] { pipeline_.connections.clear(); }},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.want_user);
    auto resolved = Resolve(id);
    ASSERT_TRUE(resolved) << resolved.error().ToString();
    EXPECT_EQ(resolved->url.user, step.want_user);
    EXPECT_EQ(resolved->source, step.want_source);
    step.then_remove();
  }
  auto undefined = Resolve(id);
  ASSERT_FALSE(undefined);
  EXPECT_EQ(undefined.error().code(), Code::kNotFound);
  EXPECT_THAT(undefined.error().ToString(), HasSubstr("SLUICE_CONN_PREC_DB"));
}

TEST_F(ConfigTest, BuiltInDefaultsForLakeAndWarehouse) {
  for (const char* name : {"SLUICE_CONN_LAKE", "SLUICE_CONN_LAKE_FILE", "SLUICE_CONN_WAREHOUSE",
                           "SLUICE_CONN_WAREHOUSE_FILE"}) {
    ::unsetenv(name);
  }
  auto lake = Resolve("lake");
  ASSERT_TRUE(lake);
  EXPECT_EQ(lake->source, ConnectionSource::kDefault);
  EXPECT_EQ(lake->url.path, config_.home + "/lake");
  auto warehouse = Resolve("warehouse");
  ASSERT_TRUE(warehouse);
  EXPECT_EQ(warehouse->url.scheme, "postgresql");
  EXPECT_EQ(SourceName(warehouse->source), "default");
}

TEST_F(ConfigTest, CommandServesOnlyItsListedConnections) {
  config_.secrets.command = {"/bin/sh", "-c", "echo http://command/$1", "sh", "{conn_id}"};
  config_.secrets.connections = {"served_api"};
  config_.connections["other_api"] = "http://config/other";
  auto served = Resolve("served_api");
  ASSERT_TRUE(served) << served.error().ToString();
  EXPECT_EQ(served->url.host, "command");
  EXPECT_EQ(served->url.path, "/served_api");
  auto other = Resolve("other_api");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->source, ConnectionSource::kConfig);
}

TEST_F(ConfigTest, AFailingCommandIsAnErrorNotAFallback) {
  config_.secrets.command = {"/bin/sh", "-c", "exit 7"};
  config_.connections["failing_api"] = "http://config/fallback";
  auto failed = Resolve("failing_api");
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().ToString(), HasSubstr("exited with status 7"));
}

TEST_F(ConfigTest, RotatedFileIsReadAgainOnlyAfterTheCacheExpires) {
  auto clock = std::make_shared<ManualClock>(TimePoint{});
  config_.secret_cache = std::make_shared<SecretCache>(clock);
  config_.secrets.cache = std::chrono::seconds(300);
  std::string path = Write("rotating.url", "postgresql://app:old-pw-5a5a@h/db\n");
  SetEnv("SLUICE_CONN_ROTATING_FILE", path);
  EXPECT_EQ(Resolve("rotating")->url.password, "old-pw-5a5a");

  Write("rotating.url", "postgresql://app:new-pw-6b6b@h/db\n");
  clock->Advance(std::chrono::seconds(299));
  EXPECT_EQ(Resolve("rotating")->url.password, "old-pw-5a5a");
  clock->Advance(std::chrono::seconds(1));
  EXPECT_EQ(Resolve("rotating")->url.password, "new-pw-6b6b");
  EXPECT_EQ(MaskSecrets("old-pw-5a5a new-pw-6b6b"), "*** ***");

  // A copy of the Config shares the cache, as the task environments do.
  Config copy = config_;
  Write("rotating.url", "postgresql://app:newer-pw-7c7c@h/db\n");
  EXPECT_EQ(ResolveConnectionWithSource(copy, nullptr, "rotating")->url.password, "new-pw-6b6b");
  clock->Advance(std::chrono::seconds(300));
  EXPECT_EQ(ResolveConnectionWithSource(copy, nullptr, "rotating")->url.password, "newer-pw-7c7c");
}

TEST_F(ConfigTest, CommandValueIsCachedUntilExpiry) {
  auto clock = std::make_shared<ManualClock>(TimePoint{});
  config_.secret_cache = std::make_shared<SecretCache>(clock);
  config_.secrets.cache = std::chrono::seconds(10);
  std::string counter = Write("count", "");
  // Appends a line per call, so the URL tells how often it ran.
  config_.secrets.command = {"/bin/sh", "-c",
                             "echo x >> \"$1\"; echo \"http://h/$(wc -l < \"$1\" | tr -d ' ')\"",
                             "sh", counter};
  EXPECT_EQ(Resolve("counted")->url.path, "/1");
  EXPECT_EQ(Resolve("counted")->url.path, "/1");
  clock->Advance(std::chrono::seconds(10));
  EXPECT_EQ(Resolve("counted")->url.path, "/2");
}

TEST_F(ConfigTest, UnreadableFileErrorNamesVariableAndPath) {
  SetEnv("SLUICE_CONN_MISSING_FILE", home_.string() + "/nope");
  auto missing = Resolve("missing");
  ASSERT_FALSE(missing);
  std::string message = missing.error().ToString();
  EXPECT_THAT(message, HasSubstr("SLUICE_CONN_MISSING_FILE=" + home_.string() + "/nope"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(ConfigTest, ANonUrlSecretNeverAppearsInTheParseError) {
  SetEnv("SLUICE_CONN_GARBLED_FILE", Write("garbled", "hunter2-not-a-url-9f9f\n"));
  auto garbled = Resolve("garbled");
  ASSERT_FALSE(garbled);
  EXPECT_THAT(garbled.error().ToString(), Not(HasSubstr("hunter2-not-a-url-9f9f")));
  EXPECT_THAT(garbled.error().ToString(), HasSubstr("SLUICE_CONN_GARBLED_FILE"));
}

TEST_F(ConfigTest, LoadConfigReadsTheSecretsSection) {
  Write("sluice.yaml",
        "secrets:\n"
        "  command: [\"/usr/bin/vault\", \"kv\", \"get\", \"-field=url\", \"secret/{conn_id}\"]\n"
        "  timeout_seconds: 3\n"
        "  cache_seconds: 0\n"
        "  connections: [warehouse]\n");
  SetEnv("SLUICE_HOME", home_.string());
  auto config = LoadConfig();
  ASSERT_TRUE(config) << config.error().ToString();
  EXPECT_EQ(config->secrets.command.size(), 5u);
  EXPECT_EQ(config->secrets.command[4], "secret/{conn_id}");
  EXPECT_EQ(config->secrets.timeout, std::chrono::seconds(3));
  EXPECT_EQ(config->secrets.cache, std::chrono::seconds(0));
  EXPECT_EQ(config->secrets.connections, std::vector<std::string>{"warehouse"});
}

TEST_F(ConfigTest, LoadConfigRejectsBadSecretsSections) {
  struct Case {
    const char* name;
    const char* yaml;
    const char* want;
  } cases[] = {
      {"unknown key", "secrets:\n  comand: [x]\n", "sluice.yaml:2:3: unknown key 'secrets.comand'"},
      {"negative cache", "secrets:\n  command: [x]\n  cache_seconds: -1\n", ":3:18: expected"},
      {"zero timeout", "secrets:\n  command: [x]\n  timeout_seconds: 0\n", ">= 1"},
      {"command not a list", "secrets:\n  command: vault kv get\n", "expected a list"},
  };
  SetEnv("SLUICE_HOME", home_.string());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Write("sluice.yaml", c.yaml);
    auto config = LoadConfig();
    ASSERT_FALSE(config);
    EXPECT_THAT(config.error().ToString(), HasSubstr(c.want));
  }
}

TEST_F(ConfigTest, LoadConfigRegistersSecretsFromTheEnvironmentAtOnce) {
  SetEnv("SLUICE_HOME", home_.string());
  SetEnv("SLUICE_CONN_EAGER_FILE", Write("eager", "postgresql://u:eager-file-pw-3e3e@h/db\n"));
  SetEnv("SLUICE_CONN_EAGER_ENV", "postgresql://u:eager-env-pw-4f4f@h/db");
  ASSERT_TRUE(LoadConfig());
  EXPECT_EQ(MaskSecrets("eager-file-pw-3e3e eager-env-pw-4f4f"), "*** ***");
}

TEST(ConnectionEnvName, UpperCasesAndReplacesOtherCharacters) {
  EXPECT_EQ(ConnectionEnvName("warehouse"), "SLUICE_CONN_WAREHOUSE");
  EXPECT_EQ(ConnectionEnvName("my-db.2"), "SLUICE_CONN_MY_DB_2");
}

}  // namespace
}  // namespace sluice::cli
