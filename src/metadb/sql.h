// Private to metadb: the little SQL both backends share. The store's logic is
// written once (sql_*.cc) against SqlConnection; sqlite_store.cc and
// pg_store.cc adapt the two client libraries and carry their migrations.
//
// Statements use $1, $2... placeholders (SQLite's driver turns them into ?1,
// ?2) and are prepared once per connection, keyed by their text. Times are
// bound as TimePoint: int64 microseconds since the epoch in SQLite,
// timestamptz in PostgreSQL.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::metadb {

enum class SqlType { kInt, kDouble, kText, kBool, kTime };

// One bound value; owns its text. A null still carries its type (PostgreSQL
// prepares statements with typed parameters).
struct SqlParam {
  SqlType type = SqlType::kText;
  bool is_null = false;
  int64_t int_value = 0;
  double double_value = 0;
  std::string text;
  TimePoint time;

  SqlParam(int value) : type(SqlType::kInt), int_value(value) {}                 // NOLINT
  SqlParam(int64_t value) : type(SqlType::kInt), int_value(value) {}             // NOLINT
  SqlParam(bool value) : type(SqlType::kBool), int_value(value ? 1 : 0) {}       // NOLINT
  SqlParam(double value) : type(SqlType::kDouble), double_value(value) {}        // NOLINT
  SqlParam(std::string value) : type(SqlType::kText), text(std::move(value)) {}  // NOLINT
  SqlParam(std::string_view value) : type(SqlType::kText), text(value) {}        // NOLINT
  SqlParam(const char* value) : type(SqlType::kText), text(value) {}             // NOLINT
  SqlParam(TimePoint value) : type(SqlType::kTime), time(value) {}               // NOLINT
  template <typename T>
  SqlParam(const std::optional<T>& value)
      : SqlParam(value ? SqlParam(*value) : Null<T>()) {}  // NOLINT

  template <typename T>
  static SqlParam Null() {
    SqlParam param(T{});
    param.is_null = true;
    return param;
  }
};

// The current row of a result. Column numbers count from 0.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool IsNull(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual bool Bool(int column) const = 0;
  virtual TimePoint Time(int column) const = 0;

  std::optional<TimePoint> OptTime(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Time(column);
  }
  std::optional<int64_t> OptInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
  }
};

using RowFn = std::function<Status(const SqlRow&)>;

enum class TxnKind { kRead, kWrite };

// One database connection, used by one thread at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement; each result row goes to on_row (may be empty).
  // Returns the number of rows the statement inserted, updated or deleted.
  virtual Result<int64_t> Exec(std::string_view sql, std::span<const SqlParam> params,
                               const RowFn& on_row) = 0;
  // Runs several statements without parameters (migrations).
  virtual Status ExecScript(std::string_view script) = 0;
  // kWrite takes the write lock at once (SQLite: BEGIN IMMEDIATE), so a
  // transaction never fails half-way for want of it.
  virtual Status Begin(TxnKind kind) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;  // best effort; never fails
  // The connection is lost and must be replaced.
  virtual bool IsBroken() const = 0;
};

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

// What differs between the backends, beyond the connection itself.
struct SqlDialect {
  std::string_view backend;             // "sqlite", "postgresql"
  std::string_view lock_rows;           // appended to a SELECT to lock its rows for update
  std::string_view lock_rows_skip;      // the same, skipping rows others hold
  std::string_view no_limit;            // a LIMIT clause that limits nothing
  std::string_view schema_version_ddl;  // CREATE TABLE IF NOT EXISTS schema_version ...
  std::string_view table_exists_sql;    // one row with a count; $1 = table name
  std::string_view migration_lock_sql;  // serialises Migrate() across processes ("" none)
};

using ConnectFn = std::function<Result<std::unique_ptr<SqlConnection>>()>;

struct SqlBackend {
  SqlDialect dialect;
  ConnectFn connect;
  int pool_size = 4;
  std::string description;  // safe to print
};

// The embedded migrations of a backend ("sqlite", "postgresql"), by version.
std::span<const Migration> EmbeddedMigrations(std::string_view backend);

Result<SqlBackend> SqliteBackend(const Url& url);
Result<SqlBackend> PostgresBackend(const Url& url);

// Convenience: Exec with parameters listed inline.
template <typename... Args>
Result<int64_t> Exec(SqlConnection& connection, std::string_view sql, const RowFn& on_row,
                     Args&&... args) {
  const SqlParam params[] = {SqlParam(std::forward<Args>(args))..., SqlParam(0)};
  return connection.Exec(sql, std::span<const SqlParam>(params, sizeof...(Args)), on_row);
}

// Builds a statement whose conditions vary: Bind() adds a parameter and
// returns its placeholder.
class SqlQuery {
 public:
  std::string Bind(SqlParam param) {
    params_.push_back(std::move(param));
    return "$" + std::to_string(params_.size());
  }
  // "$3, $4, $5" for a list of values.
  template <typename Range>
  std::string BindList(const Range& values) {
    std::string out;
    for (const auto& value : values) {
      if (!out.empty()) out += ", ";
      out += Bind(SqlParam(value));
    }
    return out;
  }
  void Where(std::string condition) { conditions_.push_back(std::move(condition)); }
  // " WHERE a AND b", or "" without conditions.
  std::string WhereClause() const;
  std::span<const SqlParam> params() const { return params_; }

 private:
  std::vector<SqlParam> params_;
  std::vector<std::string> conditions_;
};

}  // namespace sluice::metadb
