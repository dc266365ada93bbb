#include "metadb/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>

namespace sluice::metadb::testing {
namespace {

constexpr char kDefaultPgUrl[] = "postgresql://postgres@127.0.0.1:5432/postgres";

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  std::random_device random;
  return fmt::format("{}_{}_{:08x}", getpid(), counter++, random());
}

Status RunAdmin(const std::string& conninfo, const std::string& sql) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return Error::Unavailable("test PostgreSQL {}: {}", MaskUrlCredentials(conninfo), message);
  }
  PGresult* result = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(conn);
  if (!ok) return Error::Internal("test PostgreSQL: {}: {}", sql, message);
  return OkStatus();
}

}  // namespace

bool RunningInCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

Result<std::unique_ptr<TestDatabase>> TestDatabase::Create(Backend backend) {
  std::unique_ptr<TestDatabase> db(new TestDatabase());
  db->backend_ = backend;
  if (backend == Backend::kSqlite) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "sluice-metadb-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      return Error::Internal("mkdtemp {}: {}", pattern, std::strerror(errno));
    }
    db->folder_ = pattern;
    db->url_text_ = "sqlite://" + pattern + "/meta.db";
    return db;
  }
  const char* env = std::getenv("SLUICE_TEST_PG_URL");
  if ((env == nullptr || *env == '\0') && RunningInCi()) {
    return Error::FailedPrecondition("SLUICE_TEST_PG_URL is not set and CI=true");
  }
  db->admin_url_ = (env != nullptr && *env != '\0') ? env : kDefaultPgUrl;
  SLUICE_ASSIGN_OR_RETURN(Url admin, Url::Parse(db->admin_url_));
  db->database_name_ = "sluice_metadb_test_" + UniqueSuffix();
  // template0: nobody is ever connected to it, so concurrent creations never collide.
  SLUICE_TRY(RunAdmin(db->admin_url_,
                      fmt::format("CREATE DATABASE {} TEMPLATE template0", db->database_name_)));
  Url url = admin;
  url.path = "/" + db->database_name_;
  std::string auth = url.user.empty() ? "" : PercentEncode(url.user);
  if (url.has_password) auth += ":" + PercentEncode(url.password);
  if (!auth.empty()) auth += "@";
  db->url_text_ = fmt::format("postgresql://{}{}{}/{}", auth, url.host,
                              url.port ? fmt::format(":{}", *url.port) : "", db->database_name_);
  return db;
}

TestDatabase::~TestDatabase() {
  if (backend_ == Backend::kSqlite) {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
    return;
  }
  (void)RunAdmin(admin_url_,
                 fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", database_name_));
}

}  // namespace sluice::metadb::testing
