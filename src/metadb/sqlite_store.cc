// The SQLite backend: one file shared by the scheduler, workers and CLI of one
// host. WAL lets readers go on while one writer writes; synchronous=NORMAL
// keeps a commit durable against a process crash (not a power cut) without an
// fsync per transaction; busy_timeout makes writers of other processes wait
// for the lock instead of failing.
#include <sqlite3.h>

#include <charconv>
#include <unordered_map>

#include "metadb/sql.h"

namespace sluice::metadb {
namespace {

constexpr int64_t kDefaultBusyTimeoutMs = 30000;

// "$12" -> "?12": SQLite's numbered parameters bind by the same index.
std::string ToSqliteParameters(std::string_view sql) {
  std::string out(sql);
  for (char& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

Error SqliteError(sqlite3* db, int code, std::string_view what, std::string_view where) {
  std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  int primary = code & 0xff;
  std::string text = fmt::format("{}: {}: {} (sqlite code {})", where, what, message, code);
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Unavailable("{}", text)
          .Hint("another process held the database lock too long; raise busy_timeout_ms or retry");
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE) {
        return Error::AlreadyExists("{}", text);
      }
      if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return Error::NotFound("{}", text);
      return Error::InvalidArgument("{}", text);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Error::PermissionDenied("{}", text);
    case SQLITE_FULL:
      return Error::ResourceExhausted("{}", text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Error::DataLoss("{}", text);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      return Error::Unavailable("{}", text);
    default:
      if (message.rfind("no such table", 0) == 0 || message.rfind("no such column", 0) == 0) {
        return Error::FailedPrecondition("{}", text).Hint("run `sluice db migrate`");
      }
      return Error::Internal("{}", text);
  }
}

class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* statement) : statement_(statement) {}
  bool IsNull(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  int64_t Int(int column) const override { return sqlite3_column_int64(statement_, column); }
  double Double(int column) const override { return sqlite3_column_double(statement_, column); }
  std::string Text(int column) const override {
    const auto* text = sqlite3_column_text(statement_, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
  }
  bool Bool(int column) const override { return Int(column) != 0; }
  TimePoint Time(int column) const override {
    return TimePoint(std::chrono::microseconds(Int(column)));
  }

 private:
  sqlite3_stmt* statement_;
};

int64_t ToMicros(TimePoint time) {
  return std::chrono::floor<std::chrono::microseconds>(time.time_since_epoch()).count();
}

class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, std::string where) : db_(db), where_(std::move(where)) {}
  ~SqliteConnection() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close_v2(db_);
  }

  Result<int64_t> Exec(std::string_view sql, std::span<const SqlParam> params,
                       const RowFn& on_row) override {
    SLUICE_ASSIGN_OR_RETURN(sqlite3_stmt * statement, Prepare(sql));
    // Reset on every way out, so the statement holds no read lock afterwards.
    struct Reset {
      sqlite3_stmt* statement;
      ~Reset() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
    } reset{statement};
    SLUICE_TRY(Bind(statement, params));
    for (;;) {
      int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteError(db_, sqlite3_extended_errcode(db_), "step", where_);
      if (on_row) SLUICE_TRY(on_row(SqliteRow(statement)));
    }
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

  Status ExecScript(std::string_view script) override {
    std::string text(script);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    sqlite3_free(message);
    if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_), "script", where_);
    return OkStatus();
  }

  Status Begin(TxnKind kind) override {
    return Simple(kind == TxnKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  Status Commit() override { return Simple("COMMIT"); }
  void Rollback() override {
    if (sqlite3_get_autocommit(db_) == 0) (void)Simple("ROLLBACK");
  }
  bool IsBroken() const override { return false; }

 private:
  Status Simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, sqlite3_extended_errcode(db_), sql, where_);
    return OkStatus();
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto found = statements_.find(sql);
    if (found != statements_.end()) return found->second;
    std::string text = ToSqliteParameters(sql);
    sqlite3_stmt* statement = nullptr;
    int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) {
      return SqliteError(db_, sqlite3_extended_errcode(db_), "prepare", where_);
    }
    statements_.emplace(std::string(sql), statement);
    return statement;
  }

  Status Bind(sqlite3_stmt* statement, std::span<const SqlParam> params) {
    for (size_t i = 0; i < params.size(); ++i) {
      const SqlParam& param = params[i];
      int index = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (param.is_null) {
        rc = sqlite3_bind_null(statement, index);
      } else {
        switch (param.type) {
          case SqlType::kInt:
          case SqlType::kBool:
            rc = sqlite3_bind_int64(statement, index, param.int_value);
            break;
          case SqlType::kDouble:
            rc = sqlite3_bind_double(statement, index, param.double_value);
            break;
          case SqlType::kTime:
            rc = sqlite3_bind_int64(statement, index, ToMicros(param.time));
            break;
          case SqlType::kText:
            rc = sqlite3_bind_text64(statement, index, param.text.data(), param.text.size(),
                                     SQLITE_STATIC, SQLITE_UTF8);
            break;
        }
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "bind", where_);
    }
    return OkStatus();
  }

  sqlite3* db_;
  std::string where_;
  // Looked up by string_view: no allocation per statement run.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> statements_;
};

constexpr int kPageCacheKiB = 512;

struct SqliteSettings {
  std::string path;
  bool in_memory = false;
  int64_t busy_timeout_ms = kDefaultBusyTimeoutMs;
  std::string synchronous = "NORMAL";
  int pool_size = 4;
};

Result<int64_t> QueryInt(const Url& url, const std::string& key, int64_t fallback, int64_t min,
                         int64_t max) {
  std::string text = url.QueryOr(key, "");
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Error::InvalidArgument("{}: {}={} is not a number from {} to {}", url.ToString(), key,
                                  text, min, max);
  }
  return value;
}

Result<SqliteSettings> ParseSettings(const Url& url) {
  SqliteSettings settings;
  if (!url.host.empty() || url.path.empty()) {
    return Error::InvalidArgument("{}: expected sqlite:///absolute/path/meta.db", url.ToString())
        .Hint("three slashes: no host, then the absolute path; sqlite:///:memory: for memory");
  }
  settings.in_memory = url.path == "/:memory:";
  settings.path = settings.in_memory ? ":memory:" : url.path;
  SLUICE_ASSIGN_OR_RETURN(settings.busy_timeout_ms,
                          QueryInt(url, "busy_timeout_ms", kDefaultBusyTimeoutMs, 0, 3600000));
  SLUICE_ASSIGN_OR_RETURN(int64_t pool, QueryInt(url, "pool", 4, 1, 64));
  settings.pool_size = settings.in_memory ? 1 : static_cast<int>(pool);
  settings.synchronous = url.QueryOr("synchronous", "NORMAL");
  if (settings.synchronous != "NORMAL" && settings.synchronous != "FULL") {
    return Error::InvalidArgument("{}: synchronous={} is not NORMAL or FULL", url.ToString(),
                                  settings.synchronous);
  }
  for (const auto& [key, value] : url.query) {
    if (key != "busy_timeout_ms" && key != "pool" && key != "synchronous") {
      return Error::InvalidArgument("{}: unknown query key '{}'", url.ToString(), key)
          .Hint("sqlite:// knows busy_timeout_ms, pool and synchronous");
    }
  }
  return settings;
}

Result<std::unique_ptr<SqlConnection>> ConnectSqlite(const SqliteSettings& settings,
                                                     const std::string& where) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(settings.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, rc, "open", where);
    sqlite3_close_v2(db);
    return std::move(error).Hint("check that the folder exists and is writable");
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(settings.busy_timeout_ms));
  auto connection = std::make_unique<SqliteConnection>(db, where);
  // The file's pages stay in the kernel's page cache, a pread away; SQLite's
  // own cache (2 MiB by default, per connection) is capped lower so that a
  // task's outputs written once (thousands of object keys) do not stay in
  // the process for the rest of its life.
  std::string pragmas = fmt::format(
      "PRAGMA foreign_keys = ON; PRAGMA synchronous = {}; PRAGMA temp_store = MEMORY; "
      "PRAGMA cache_size = -{};",
      settings.synchronous, kPageCacheKiB);
  if (!settings.in_memory) pragmas = "PRAGMA journal_mode = WAL; " + pragmas;
  SLUICE_TRY(connection->ExecScript(pragmas));
  return std::unique_ptr<SqlConnection>(std::move(connection));
}

constexpr std::string_view kSqliteSchemaVersionDdl =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

}  // namespace

Result<SqlBackend> SqliteBackend(const Url& url) {
  SLUICE_ASSIGN_OR_RETURN(SqliteSettings settings, ParseSettings(url));
  SqlBackend backend;
  backend.description = settings.in_memory ? "sqlite:///:memory:" : "sqlite://" + settings.path;
  backend.pool_size = settings.pool_size;
  backend.dialect = SqlDialect{
      .backend = "sqlite",
      .lock_rows = "",  // BEGIN IMMEDIATE already holds the only write lock
      .lock_rows_skip = "",
      .no_limit = " LIMIT -1",
      .schema_version_ddl = kSqliteSchemaVersionDdl,
      .table_exists_sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1",
      .migration_lock_sql = "",
  };
  backend.connect = [settings, where = backend.description]() {
    return ConnectSqlite(settings, where);
  };
  return backend;
}

}  // namespace sluice::metadb
