#include "warehouse/pg_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

namespace sluice::warehouse::testing {

std::optional<std::string> TestServerUrl(std::string* why) {
  if (const char* url = std::getenv("SLUICE_TEST_PG_URL"); url && *url) return std::string(url);
  const char* ci = std::getenv("CI");
  if (ci && std::string_view(ci) == "true") {
    *why = "CI=true and SLUICE_TEST_PG_URL is not set";
    return std::nullopt;
  }
  return std::string("postgresql://postgres@127.0.0.1:5432/postgres");
}

std::string UrlWithDatabase(std::string_view url, std::string_view database) {
  size_t authority = url.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  size_t query = url.find('?', authority);
  std::string_view before_query = url.substr(0, query);
  size_t slash = before_query.find('/', authority);
  std::string out(before_query.substr(0, slash));
  out += "/";
  out += PercentEncode(database);
  if (query != std::string_view::npos) out += url.substr(query);
  return out;
}

std::string UrlWithParameter(std::string_view url, std::string_view key, std::string_view value) {
  char separator = url.find('?') == std::string_view::npos ? '?' : '&';
  return fmt::format("{}{}{}={}", url, separator, PercentEncode(key), PercentEncode(value));
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  std::random_device random;
  return fmt::format("{}_{}_{}_{:x}", prefix, ::getpid(), counter++, random() & 0xffffff);
}

int UnusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

namespace {

constexpr char kTestDatabase[] = "sluice_test";

std::string Quoted(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

// Creates the shared test database once; parallel tests may race to it.
Status EnsureTestDatabase(Warehouse& admin) {
  const std::string name[] = {kTestDatabase};
  SLUICE_ASSIGN_OR_RETURN(auto found,
                          admin.Query("SELECT count(*) FROM pg_database WHERE datname = $1", name));
  if (found[0][0] != "0") return OkStatus();
  Status created = admin.Execute(fmt::format("CREATE DATABASE {}", Quoted(kTestDatabase)));
  if (created || created.error().code() == Code::kAlreadyExists) return OkStatus();
  // A concurrent CREATE DATABASE of the same name fails on pg_database's unique index.
  if (created.error().message().find("23505") != std::string::npos) return OkStatus();
  return created;
}

}  // namespace

void PgFixture::SetUp() {
  std::string why;
  std::optional<std::string> server = TestServerUrl(&why);
  if (!server) GTEST_FAIL() << why;
  server_url_ = *server;
  auto admin = OpenWarehouse(server_url_);
  if (!admin) {
    const char* ci = std::getenv("CI");
    if (ci && std::string_view(ci) == "true") GTEST_FAIL() << admin.error().ToString();
    GTEST_SKIP() << "no PostgreSQL (run scripts/postgres): " << admin.error().ToString();
  }
  Status database = EnsureTestDatabase(**admin);
  ASSERT_TRUE(database) << database.error().ToString();
  database_ = kTestDatabase;
  url_ = UrlWithDatabase(server_url_, database_);
  auto warehouse = OpenWarehouse(url_);
  ASSERT_TRUE(warehouse) << warehouse.error().ToString();
  warehouse_ = std::move(*warehouse);
  schema_ = UniqueName("wh");
  ASSERT_TRUE(warehouse_->Execute(fmt::format("CREATE SCHEMA {}", Quoted(schema_))));

  std::string lake_template =
      (std::filesystem::temp_directory_path() / "sluice-wh-lake-XXXXXX").string();
  ASSERT_NE(::mkdtemp(lake_template.data()), nullptr);
  lake_root_ = lake_template;
  auto store = lake::OpenObjectStore("file://" + lake_root_.string());
  ASSERT_TRUE(store) << store.error().ToString();
  lake_ = std::move(*store);
}

void PgFixture::TearDown() {
  lake_.reset();
  if (!lake_root_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(lake_root_, ignored);
  }
  if (schema_.empty()) return;
  extra_schemas_.push_back(schema_);
  warehouse_.reset();
  auto cleaner = OpenWarehouse(url_);  // warehouse_ may be mid-transaction or closed
  ASSERT_TRUE(cleaner) << cleaner.error().ToString();
  for (const std::string& schema : extra_schemas_) {
    Status dropped =
        (*cleaner)->Execute(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", Quoted(schema)));
    EXPECT_TRUE(dropped) << dropped.error().ToString();
  }
}

std::unique_ptr<Warehouse> PgFixture::Connect() {
  auto warehouse = OpenWarehouse(url_);
  EXPECT_TRUE(warehouse) << warehouse.error().ToString();
  return warehouse ? std::move(*warehouse) : nullptr;
}

std::vector<std::vector<std::string>> PgFixture::Snapshot(std::string_view table) {
  auto snapshot = warehouse_->Query(fmt::format("SELECT to_jsonb(t)::text FROM {}.{} t ORDER BY id",
                                                Quoted(schema_), Quoted(table)));
  EXPECT_TRUE(snapshot) << snapshot.error().ToString();
  return snapshot ? *snapshot : std::vector<std::vector<std::string>>{};
}

}  // namespace sluice::warehouse::testing
