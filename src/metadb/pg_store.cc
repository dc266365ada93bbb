// The PostgreSQL backend: the store shared by schedulers and workers on many
// hosts. Statements are prepared once per connection and exchange values in
// binary (timestamptz as microseconds since 2000-01-01), so no text parsing
// sits between a row and its struct.
#include <arpa/inet.h>
#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <unordered_map>

#include "metadb/sql.h"

namespace sluice::metadb {
namespace {

// Type oids from pg_type.h (stable across releases).
constexpr Oid kBoolOid = 16;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kTimestampOid = 1114;
constexpr Oid kTimestamptzOid = 1184;
// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
constexpr int64_t kPgEpochMicros = 946684800LL * 1000000;

uint64_t ToBigEndian64(uint64_t value) {
  return (static_cast<uint64_t>(htonl(static_cast<uint32_t>(value))) << 32) |
         htonl(static_cast<uint32_t>(value >> 32));
}

int64_t ReadBigEndian(const char* bytes, int length) {
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  if (length < 8 && length > 0 && (static_cast<unsigned char>(bytes[0]) & 0x80)) {
    value |= ~uint64_t{0} << (8 * length);  // sign-extend int2/int4
  }
  return static_cast<int64_t>(value);
}

Oid OidOf(SqlType type) {
  switch (type) {
    case SqlType::kInt:
      return kInt8Oid;
    case SqlType::kDouble:
      return kFloat8Oid;
    case SqlType::kText:
      return kTextOid;
    case SqlType::kBool:
      return kBoolOid;
    case SqlType::kTime:
      return kTimestamptzOid;
  }
  return kTextOid;
}

Error ResultError(PGconn* conn, PGresult* result, std::string_view what, std::string_view where) {
  const char* sqlstate_field = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = sqlstate_field ? sqlstate_field : "";
  std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
  if (message.empty()) message = PQerrorMessage(conn);
  std::string text = fmt::format("{}: {}: {}{}", where, what, message,
                                 sqlstate.empty() ? "" : fmt::format(" (SQLSTATE {})", sqlstate));
  if (PQstatus(conn) == CONNECTION_BAD || sqlstate.rfind("08", 0) == 0 ||
      sqlstate.rfind("57P", 0) == 0 || sqlstate.rfind("53", 0) == 0) {
    return Error::Unavailable("{}", text);
  }
  if (sqlstate == "23505") return Error::AlreadyExists("{}", text);
  if (sqlstate == "23503") return Error::NotFound("{}", text);
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return Error::Aborted("{}", text).Retryable(true);
  }
  if (sqlstate == "42P01" || sqlstate == "42703") {
    return Error::FailedPrecondition("{}", text).Hint("run `sluice db migrate`");
  }
  if (sqlstate.rfind("22", 0) == 0 || sqlstate.rfind("23", 0) == 0) {
    return Error::InvalidArgument("{}", text);
  }
  if (sqlstate.rfind("42501", 0) == 0) return Error::PermissionDenied("{}", text);
  return Error::Internal("{}", text);
}

class PgRow final : public SqlRow {
 public:
  PgRow(PGresult* result, int row) : result_(result), row_(row) {}
  bool IsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  int64_t Int(int column) const override {
    if (IsNull(column)) return 0;
    const char* bytes = PQgetvalue(result_, row_, column);
    Oid type = PQftype(result_, column);
    if (type == kBoolOid) return bytes[0] != 0;
    if (type == kFloat8Oid) return static_cast<int64_t>(Double(column));
    SLUICE_CHECK(type == kInt8Oid || type == kInt4Oid || type == kInt2Oid);
    return ReadBigEndian(bytes, PQgetlength(result_, row_, column));
  }
  double Double(int column) const override {
    if (IsNull(column)) return 0;
    const char* bytes = PQgetvalue(result_, row_, column);
    Oid type = PQftype(result_, column);
    if (type == kFloat4Oid) {
      auto bits = static_cast<uint32_t>(ReadBigEndian(bytes, 4));
      float value;
      std::memcpy(&value, &bits, sizeof value);
      return value;
    }
    if (type != kFloat8Oid) return static_cast<double>(Int(column));
    auto bits = static_cast<uint64_t>(ReadBigEndian(bytes, 8));
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  std::string Text(int column) const override {
    return std::string(PQgetvalue(result_, row_, column),
                       static_cast<size_t>(PQgetlength(result_, row_, column)));
  }
  bool Bool(int column) const override { return Int(column) != 0; }
  TimePoint Time(int column) const override {
    Oid type = PQftype(result_, column);
    SLUICE_CHECK(type == kTimestamptzOid || type == kTimestampOid);
    int64_t micros = ReadBigEndian(PQgetvalue(result_, row_, column), 8) + kPgEpochMicros;
    return TimePoint(std::chrono::microseconds(micros));
  }

 private:
  PGresult* result_;
  int row_;
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// Binary encodings of the parameters of one call.
struct EncodedParams {
  std::vector<std::string> storage;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::vector<Oid> types;
};

EncodedParams Encode(std::span<const SqlParam> params) {
  EncodedParams out;
  out.storage.resize(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const SqlParam& param = params[i];
    std::string& bytes = out.storage[i];
    out.types.push_back(OidOf(param.type));
    out.formats.push_back(1);
    if (param.is_null) {
      out.values.push_back(nullptr);
      out.lengths.push_back(0);
      continue;
    }
    auto put64 = [&bytes](uint64_t value) {
      uint64_t big = ToBigEndian64(value);
      bytes.assign(reinterpret_cast<const char*>(&big), 8);
    };
    switch (param.type) {
      case SqlType::kInt:
        put64(static_cast<uint64_t>(param.int_value));
        break;
      case SqlType::kBool:
        bytes.assign(1, param.int_value ? 1 : 0);
        break;
      case SqlType::kDouble: {
        uint64_t bits;
        std::memcpy(&bits, &param.double_value, sizeof bits);
        put64(bits);
        break;
      }
      case SqlType::kTime: {
        int64_t micros =
            std::chrono::floor<std::chrono::microseconds>(param.time.time_since_epoch()).count();
        put64(static_cast<uint64_t>(micros - kPgEpochMicros));
        break;
      }
      case SqlType::kText:
        bytes = param.text;
        break;
    }
    out.values.push_back(bytes.data());
    out.lengths.push_back(static_cast<int>(bytes.size()));
  }
  return out;
}

class PgConnection final : public SqlConnection {
 public:
  PgConnection(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  ~PgConnection() override { PQfinish(conn_); }

  Result<int64_t> Exec(std::string_view sql, std::span<const SqlParam> params,
                       const RowFn& on_row) override {
    EncodedParams encoded = Encode(params);
    SLUICE_ASSIGN_OR_RETURN(const std::string* name, Prepare(sql, encoded.types));
    ResultPtr result(PQexecPrepared(conn_, name->c_str(), static_cast<int>(params.size()),
                                    encoded.values.data(), encoded.lengths.data(),
                                    encoded.formats.data(), /*resultFormat=*/1));
    ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return ResultError(conn_, result.get(), "query", where_);
    }
    if (on_row) {
      int rows = PQntuples(result.get());
      for (int row = 0; row < rows; ++row) SLUICE_TRY(on_row(PgRow(result.get(), row)));
    }
    const char* changed = PQcmdTuples(result.get());
    int64_t count = 0;
    std::from_chars(changed, changed + std::strlen(changed), count);
    return count;
  }

  Status ExecScript(std::string_view script) override {
    return Simple(std::string(script).c_str(), "script");
  }
  Status Begin(TxnKind) override { return Simple("BEGIN", "BEGIN"); }
  Status Commit() override { return Simple("COMMIT", "COMMIT"); }
  void Rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE && PQstatus(conn_) == CONNECTION_OK) {
      ResultPtr result(PQexec(conn_, "ROLLBACK"));
    }
  }
  bool IsBroken() const override { return PQstatus(conn_) != CONNECTION_OK; }

 private:
  Status Simple(const char* sql, std::string_view what) {
    ResultPtr result(PQexec(conn_, sql));
    ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return ResultError(conn_, result.get(), what, where_);
    }
    return OkStatus();
  }

  Result<const std::string*> Prepare(std::string_view sql, const std::vector<Oid>& types) {
    std::string key(sql);
    for (Oid type : types) key += fmt::format("|{}", type);
    auto found = statements_.find(key);
    if (found != statements_.end()) return &found->second;
    std::string name = fmt::format("sluice_{}", statements_.size() + 1);
    std::string text(sql);
    ResultPtr result(
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return ResultError(conn_, result.get(), "prepare", where_);
    }
    return &statements_.emplace(std::move(key), std::move(name)).first->second;
  }

  PGconn* conn_;
  std::string where_;
  std::unordered_map<std::string, std::string> statements_;
};

struct PgSettings {
  std::vector<std::pair<std::string, std::string>> keywords;
  int pool_size = 4;
};

Result<PgSettings> ParseSettings(const Url& url) {
  PgSettings settings;
  auto add = [&settings](std::string key, std::string value) {
    settings.keywords.emplace_back(std::move(key), std::move(value));
  };
  if (!url.host.empty()) add("host", url.host);
  if (url.port) add("port", std::to_string(*url.port));
  if (!url.user.empty()) add("user", url.user);
  if (url.has_password) {
    RegisterSecret(url.password);
    add("password", url.password);
  }
  if (url.path.size() > 1) add("dbname", url.path.substr(1));
  // Defaults that let a worker notice a dead link in seconds, not hours.
  std::map<std::string, std::string> defaults = {{"connect_timeout", "10"},
                                                 {"keepalives_idle", "30"},
                                                 {"keepalives_interval", "10"},
                                                 {"keepalives_count", "3"},
                                                 {"application_name", "sluice"}};
  for (const auto& [key, value] : url.query) {
    if (key == "pool") {
      int pool = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), pool);
      if (ec != std::errc() || end != value.data() + value.size() || pool < 1 || pool > 64) {
        return Error::InvalidArgument("{}: pool={} is not a number from 1 to 64", url.ToString(),
                                      value);
      }
      settings.pool_size = pool;
      continue;
    }
    defaults.erase(key);
    add(key, value);
  }
  for (auto& [key, value] : defaults) add(key, value);
  return settings;
}

Result<std::unique_ptr<SqlConnection>> ConnectPostgres(const PgSettings& settings,
                                                       const std::string& where) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : settings.keywords) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr) return Error::ResourceExhausted("{}: out of memory connecting", where);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    bool needs_password = PQconnectionNeedsPassword(conn) != 0;
    bool auth_failed = message.find("authentication failed") != std::string::npos;
    PQfinish(conn);
    if (needs_password || auth_failed) {
      return Error::Unauthenticated("{}: connect: {}", where, message)
          .Hint("put the password in the URL or in ~/.pgpass");
    }
    if (message.find("does not exist") != std::string::npos) {
      return Error::NotFound("{}: connect: {}", where, message)
          .Hint("create the database first (createdb)");
    }
    return Error::Unavailable("{}: connect: {}", where, message)
        .Hint("is PostgreSQL running and reachable?");
  }
  auto connection = std::make_unique<PgConnection>(conn, where);
  // Quiet NOTICEs ("relation already exists, skipping") and UTC for any text output.
  // The server side of a dead link: a client that vanished inside a
  // transaction (a worker cut off from the network) must not hold its row
  // locks for the hours TCP takes to notice.
  SLUICE_TRY(connection->ExecScript(
      "SET client_min_messages = warning; SET TIME ZONE 'UTC'; "
      "SET idle_in_transaction_session_timeout = '30s'; SET tcp_keepalives_idle = 10; "
      "SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3"));
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

constexpr std::string_view kPgSchemaVersionDdl =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)";

}  // namespace

Result<SqlBackend> PostgresBackend(const Url& url) {
  SLUICE_ASSIGN_OR_RETURN(PgSettings settings, ParseSettings(url));
  SqlBackend backend;
  Url printable = url;
  printable.query.erase("pool");
  backend.description = printable.ToString();
  backend.pool_size = settings.pool_size;
  backend.dialect = SqlDialect{
      .backend = "postgresql",
      .lock_rows = " FOR UPDATE",
      .lock_rows_skip = " FOR UPDATE SKIP LOCKED",
      .no_limit = "",
      .schema_version_ddl = kPgSchemaVersionDdl,
      .table_exists_sql =
          "SELECT count(*) FROM information_schema.tables"
          " WHERE table_schema = current_schema() AND table_name = $1",
      // One Migrate() at a time across every process: a transaction-scoped advisory lock.
      .migration_lock_sql = "SELECT pg_advisory_xact_lock(7261937402)",
  };
  backend.connect = [settings, where = backend.description]() {
    return ConnectPostgres(settings, where);
  };
  return backend;
}

}  // namespace sluice::metadb
