#include "cli/secrets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sluice::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            fmt::format("sluice_secrets_test_{}_{}", ::getpid(), counter_++);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& content) const {
    std::string file = (path_ / name).string();
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

SecretsOptions ShellCommand(const std::string& script,
                            std::chrono::seconds timeout = std::chrono::seconds(10)) {
  SecretsOptions options;
  options.command = {"/bin/sh", "-c", script, "sh", "{conn_id}"};
  options.timeout = timeout;
  return options;
}

TEST(SecretCache, ReusesAValueUntilItExpires) {
  auto clock = std::make_shared<ManualClock>(TimePoint{});
  SecretCache cache(clock);
  int loads = 0;
  auto load = [&]() -> Result<std::string> { return fmt::format("value-{}", ++loads); };
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(300), load), "value-1");
  clock->Advance(std::chrono::seconds(299));
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(300), load), "value-1");
  clock->Advance(std::chrono::seconds(1));
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(300), load), "value-2");
  EXPECT_EQ(*cache.GetOrLoad("other", std::chrono::seconds(300), load), "value-3");
}

TEST(SecretCache, ZeroTtlLoadsEveryTime) {
  SecretCache cache(std::make_shared<ManualClock>(TimePoint{}));
  int loads = 0;
  auto load = [&]() -> Result<std::string> { return fmt::format("value-{}", ++loads); };
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(0), load), "value-1");
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(0), load), "value-2");
}

TEST(SecretCache, DoesNotCacheFailures) {
  SecretCache cache(std::make_shared<ManualClock>(TimePoint{}));
  int loads = 0;
  auto load = [&]() -> Result<std::string> {
    if (++loads == 1) return Error::Unavailable("down");
    return std::string("up");
  };
  EXPECT_FALSE(cache.GetOrLoad("k", std::chrono::seconds(300), load));
  EXPECT_EQ(*cache.GetOrLoad("k", std::chrono::seconds(300), load), "up");
}

TEST(SecretCache, ManyThreadsAtOnce) {
  SecretCache cache;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string key = fmt::format("k{}", (t + i) % 5);
        auto value = cache.GetOrLoad(key, std::chrono::seconds(i % 2),
                                     [&]() -> Result<std::string> { return key + "-v"; });
        if (!value || *value != key + "-v") ++wrong;
        if (i % 50 == 0) cache.Clear();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ReadSecretFile, StripsTheTrailingNewline) {
  TempDir dir;
  struct Case {
    const char* name;
    const char* content;
    const char* want;
  } cases[] = {
      {"newline", "postgresql://u:pw@h/db\n", "postgresql://u:pw@h/db"},
      {"crlf", "postgresql://u:pw@h/db\r\n", "postgresql://u:pw@h/db"},
      {"none", "postgresql://u:pw@h/db", "postgresql://u:pw@h/db"},
      {"inner spaces kept", "a b c\n\n", "a b c"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto value = ReadSecretFile("SLUICE_CONN_X_FILE", dir.Write(c.name, c.content));
    ASSERT_TRUE(value) << value.error().ToString();
    EXPECT_EQ(*value, c.want);
  }
}

TEST(ReadSecretFile, ErrorsNameTheVariableAndPathButNotTheContent) {
  TempDir dir;
  auto missing = ReadSecretFile("SLUICE_CONN_DB_FILE", dir.path() + "/absent");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_THAT(missing.error().ToString(),
              HasSubstr("SLUICE_CONN_DB_FILE=" + dir.path() + "/absent"));

  auto directory = ReadSecretFile("SLUICE_CONN_DB_FILE", dir.path());
  ASSERT_FALSE(directory);
  EXPECT_THAT(directory.error().ToString(), HasSubstr("SLUICE_CONN_DB_FILE=" + dir.path()));

  auto empty = ReadSecretFile("SLUICE_CONN_DB_FILE", dir.Write("empty", "\n"));
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().ToString(), HasSubstr("empty"));
  EXPECT_THAT(empty.error().ToString(), Not(HasSubstr("\n")));
}

TEST(ReadSecretFile, RegistersThePasswordForMasking) {
  TempDir dir;
  auto value = ReadSecretFile("SLUICE_CONN_X_FILE",
                              dir.Write("url", "postgresql://app:file-pw-7d1e%40x@h/db\n"));
  ASSERT_TRUE(value);
  EXPECT_EQ(MaskSecrets("pw file-pw-7d1e@x and file-pw-7d1e%40x"), "pw *** and ***");
}

TEST(RunSecretCommand, PrintsTheValueForTheConnectionId) {
  auto value = RunSecretCommand(ShellCommand("echo postgresql://u:cmd-pw-91ab@h/$1"), "warehouse");
  ASSERT_TRUE(value) << value.error().ToString();
  EXPECT_EQ(*value, "postgresql://u:cmd-pw-91ab@h/warehouse");
  EXPECT_EQ(MaskSecrets("cmd-pw-91ab"), "***");
}

TEST(RunSecretCommand, SubstitutesConnIdInsideArguments) {
  SecretsOptions options;
  options.command = {"/bin/echo", "secret/{conn_id}/url-{conn_id}"};
  auto value = RunSecretCommand(options, "lake");
  ASSERT_TRUE(value) << value.error().ToString();
  EXPECT_EQ(*value, "secret/lake/url-lake");
}

TEST(RunSecretCommand, StderrNeverMixesIntoTheValue) {
  auto value =
      RunSecretCommand(ShellCommand("echo warning >&2; echo http://h:1/x; echo more >&2"), "x");
  ASSERT_TRUE(value) << value.error().ToString();
  EXPECT_EQ(*value, "http://h:1/x");
}

TEST(RunSecretCommand, FailureNamesProgramAndStatusButNotStdout) {
  auto failed = RunSecretCommand(
      ShellCommand("echo leaked-stdout-5c2f; echo 'permission denied' >&2; exit 3"), "db");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), Code::kUnavailable);
  std::string message = failed.error().ToString();
  EXPECT_THAT(message, HasSubstr("/bin/sh"));
  EXPECT_THAT(message, HasSubstr("'db'"));
  EXPECT_THAT(message, HasSubstr("exited with status 3"));
  EXPECT_THAT(message, HasSubstr("permission denied"));
  EXPECT_THAT(message, Not(HasSubstr("leaked-stdout-5c2f")));
}

TEST(RunSecretCommand, EmptyOutputIsAnError) {
  auto empty = RunSecretCommand(ShellCommand("printf '\\n'"), "db");
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.error().ToString(), HasSubstr("printed nothing"));
}

TEST(RunSecretCommand, MissingProgramIsNotFound) {
  SecretsOptions options;
  options.command = {"/nonexistent/vault", "kv", "get"};
  auto missing = RunSecretCommand(options, "db");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_THAT(missing.error().ToString(), HasSubstr("/nonexistent/vault"));
}

TEST(RunSecretCommand, TimeoutStopsTheWholeProcessGroup) {
  auto start = std::chrono::steady_clock::now();
  // The child sleep keeps stdout open; only killing the group ends it.
  auto slow = RunSecretCommand(
      ShellCommand("sleep 30 & echo partial-out-77aa; wait", std::chrono::seconds(1)), "db");
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code(), Code::kDeadlineExceeded);
  EXPECT_THAT(slow.error().ToString(), HasSubstr("timed out after 1s"));
  EXPECT_THAT(slow.error().ToString(), Not(HasSubstr("partial-out-77aa")));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST(RegisterConnectionSecrets, MasksPasswordsKeysAndNonUrls) {
  RegisterConnectionSecrets("s3://AKIA:s3-secret-44%2Fzz@127.0.0.1:7070?tls=false");
  EXPECT_EQ(MaskSecrets("s3-secret-44/zz s3-secret-44%2Fzz"), "*** ***");
  RegisterConnectionSecrets("https://api.example.com/v1?api_token=tok-8813cafe&page=1");
  EXPECT_EQ(MaskSecrets("token tok-8813cafe"), "token ***");
  EXPECT_EQ(MaskSecrets("page=1"), "page=1");
  RegisterConnectionSecrets("not-a-url-but-secret-0c0c");
  EXPECT_EQ(MaskSecrets("value not-a-url-but-secret-0c0c"), "value ***");
  RegisterConnectionSecrets("http://127.0.0.1:3100");  // nothing secret in it
  EXPECT_EQ(MaskSecrets("GET http://127.0.0.1:3100/users"), "GET http://127.0.0.1:3100/users");
}

TEST(SecretsOptions, ServesListedConnectionsOrAllWhenNoneListed) {
  SecretsOptions options;
  EXPECT_FALSE(options.Serves("warehouse"));  // no command
  options.command = {"vault"};
  EXPECT_TRUE(options.Serves("warehouse"));
  options.connections = {"warehouse"};
  EXPECT_TRUE(options.Serves("warehouse"));
  EXPECT_FALSE(options.Serves("lake"));
}

}  // namespace
}  // namespace sluice::cli
