// Connecting, running SQL, reconnecting and cancelling against a real PostgreSQL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "warehouse/pg_fixture.h"

namespace sluice::warehouse::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Rows = std::vector<std::vector<std::string>>;

TEST(OpenWarehouse, UnreachableServerIsUnavailableOnOneLineWithoutPassword) {
  int port = UnusedPort();
  ASSERT_GT(port, 0);
  std::string url = fmt::format(
      "postgresql://loader:Unreach4ble-Secret@127.0.0.1:{}/mydb?connect_timeout=5", port);
  auto warehouse = OpenWarehouse(url);
  ASSERT_FALSE(warehouse);
  const Error& error = warehouse.error();
  EXPECT_EQ(error.code(), Code::kUnavailable);
  EXPECT_TRUE(error.retryable());
  EXPECT_THAT(error.ToString(), AllOf(HasSubstr("127.0.0.1"), HasSubstr(std::to_string(port)),
                                      HasSubstr("loader@"), Not(HasSubstr("Unreach4ble-Secret")),
                                      Not(HasSubstr("\n")), Not(HasSubstr("\t"))));
}

TEST(OpenWarehouse, UrlStructTakesTheSamePath) {
  int port = UnusedPort();
  auto url = Url::Parse(fmt::format("postgres://loader:Struct-Secret-9@127.0.0.1:{}/db", port));
  ASSERT_TRUE(url);
  auto warehouse = OpenWarehouse(*url);
  ASSERT_FALSE(warehouse);
  EXPECT_EQ(warehouse.error().code(), Code::kUnavailable);
  EXPECT_THAT(warehouse.error().ToString(), Not(HasSubstr("Struct-Secret-9")));
}

TEST(OpenWarehouse, RejectsOtherSchemesAndNonUrls) {
  struct Case {
    const char* name;
    const char* url;
    const char* want;
  } cases[] = {
      {"mysql", "mysql://u:Other-Secret-1@h/db", "known: postgresql://, postgres://"},
      {"s3", "s3://KEY:Other-Secret-1@h", "unknown scheme 's3'"},
      {"words", "just words", "neither a URL"},
      {"empty", "", "neither a URL"},
      {"bad parameter", "postgresql://h/db?no_such_option=1", "no_such_option"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto warehouse = OpenWarehouse(c.url);
    ASSERT_FALSE(warehouse);
    EXPECT_EQ(warehouse.error().code(), Code::kInvalidArgument);
    EXPECT_THAT(warehouse.error().ToString(),
                AllOf(HasSubstr(c.want), Not(HasSubstr("Other-Secret-1"))));
  }
}

class PgConnTest : public PgFixture {};

TEST_F(PgConnTest, WrongPasswordIsUnauthenticatedWithoutPassword) {
  auto server = Url::Parse(server_url_);
  ASSERT_TRUE(server);
  if (server->host.empty() || server->host[0] == '%') GTEST_SKIP() << "server URL is not TCP";
  std::string url = fmt::format("postgresql://{}:Wr0ng-Passw0rd-42@{}:{}/{}",
                                server->user.empty() ? "postgres" : server->user, server->host,
                                server->port.value_or(5432), database_);
  auto warehouse = OpenWarehouse(url);
  if (warehouse) GTEST_SKIP() << "the server does not check passwords on " << server->host;
  EXPECT_EQ(warehouse.error().code(), Code::kUnauthenticated);
  EXPECT_THAT(warehouse.error().ToString(),
              AllOf(HasSubstr("password authentication failed"), HasSubstr(server->host),
                    Not(HasSubstr("Wr0ng-Passw0rd-42")), Not(HasSubstr("\n"))));
  std::string text = warehouse.error().message();
  EXPECT_EQ(text.find("authentication failed"), text.rfind("authentication failed")) << text;
}

TEST_F(PgConnTest, MissingDatabaseIsNotFound) {
  auto warehouse = OpenWarehouse(UrlWithDatabase(server_url_, database_ + "_absent"));
  ASSERT_FALSE(warehouse);
  EXPECT_EQ(warehouse.error().code(), Code::kNotFound);
  EXPECT_THAT(warehouse.error().ToString(), HasSubstr("does not exist"));
}

TEST_F(PgConnTest, UrlParametersAndDefaultsReachLibpq) {
  auto plain = warehouse_->Query(
      "SELECT current_setting('application_name'), current_setting('client_encoding')");
  ASSERT_TRUE(plain) << plain.error().ToString();
  EXPECT_EQ(*plain, (Rows{{"sluice", "UTF8"}}));

  auto named = OpenWarehouse(UrlWithParameter(url_, "application_name", "wh test"));
  ASSERT_TRUE(named) << named.error().ToString();
  auto rows = (*named)->Query("SELECT current_setting('application_name')");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"wh test"}}));
}

TEST_F(PgConnTest, UrlStructAndKeyValueStringConnect) {
  auto url = Url::Parse(url_);
  ASSERT_TRUE(url);
  auto from_struct = OpenWarehouse(*url);
  ASSERT_TRUE(from_struct) << from_struct.error().ToString();
  EXPECT_TRUE((*from_struct)->Ping());
  EXPECT_THAT((*from_struct)->Describe(), HasSubstr(database_));

  std::string conninfo = fmt::format("host={} dbname={}", url->host, database_);
  if (url->port) conninfo += fmt::format(" port={}", *url->port);
  if (!url->user.empty()) conninfo += fmt::format(" user={}", url->user);
  auto from_conninfo = OpenWarehouse(conninfo);
  ASSERT_TRUE(from_conninfo) << from_conninfo.error().ToString();
  EXPECT_TRUE((*from_conninfo)->Ping());
}

TEST_F(PgConnTest, ExecuteRunsStatementsAndQueryReturnsText) {
  ASSERT_TRUE(
      warehouse_->Execute(fmt::format("SET search_path = {0}; CREATE TABLE t (a bigint, b text); "
                                      "INSERT INTO {0}.t VALUES (1, 'x'), (2, NULL)",
                                      schema_)));
  const std::string params[] = {"1"};
  auto rows = warehouse_->Query("SELECT a, b FROM t WHERE a >= $1::bigint ORDER BY a", params);
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"1", "x"}, {"2", "NULL"}}));
  auto count = warehouse_->CountRows(schema_, "t");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 2);
}

TEST_F(PgConnTest, SqlErrorsCarrySqlStateOnOneLine) {
  Status syntax = warehouse_->Execute("SELEC 1");
  ASSERT_FALSE(syntax);
  EXPECT_EQ(syntax.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(syntax.error().message(), HasSubstr("SQLSTATE 42601"));

  auto missing = warehouse_->CountRows("nowhere", "nothing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_THAT(missing.error().message(),
              AllOf(HasSubstr("nowhere.nothing"), HasSubstr("42P01"), Not(HasSubstr("\n"))));
  // The connection is usable after an error.
  EXPECT_TRUE(warehouse_->Ping());
}

TEST_F(PgConnTest, ReconnectsAfterTheServerDroppedTheSession) {
  auto pid = warehouse_->Query("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid);
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  const std::string params[] = {(*pid)[0][0]};
  auto terminated = other->Query("SELECT pg_terminate_backend($1::int, 10000)", params);
  ASSERT_TRUE(terminated) << terminated.error().ToString();
  ASSERT_EQ(*terminated, (Rows{{"t"}}));

  auto lost = warehouse_->Query("SELECT 1");
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), Code::kUnavailable);
  EXPECT_TRUE(lost.error().retryable());
  auto again = warehouse_->Query("SELECT 1");  // the next call reconnects
  ASSERT_TRUE(again) << again.error().ToString();

  ASSERT_TRUE(warehouse_->Query("SELECT pg_backend_pid()"));
  auto pid2 = warehouse_->Query("SELECT pg_backend_pid()");
  const std::string params2[] = {(*pid2)[0][0]};
  ASSERT_TRUE(other->Query("SELECT pg_terminate_backend($1::int, 10000)", params2));
  EXPECT_TRUE(warehouse_->Ping()) << "Ping reconnects by itself";
}

TEST_F(PgConnTest, CancelStopsTheRunningStatement) {
  std::string application = UniqueName("cancel");
  auto sleeper = OpenWarehouse(UrlWithParameter(url_, "application_name", application));
  ASSERT_TRUE(sleeper) << sleeper.error().ToString();
  Result<std::vector<std::vector<std::string>>> slept = Rows{};
  std::thread thread([&] { slept = (*sleeper)->Query("SELECT pg_sleep(60)"); });
  const std::string params[] = {application};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool running = false;
  while (!running && std::chrono::steady_clock::now() < deadline) {
    auto rows = warehouse_->Query(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' "
        "AND query LIKE 'SELECT pg_sleep%'",
        params);
    running = rows && (*rows)[0][0] == "1";
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*sleeper)->Cancel();
  thread.join();
  ASSERT_TRUE(running);
  ASSERT_FALSE(slept);
  EXPECT_EQ(slept.error().code(), Code::kCancelled);
  EXPECT_TRUE((*sleeper)->Ping());
}

}  // namespace
}  // namespace sluice::warehouse::testing
