// The warehouse: where clean tables are loaded for analytics (PostgreSQL).
//
// A Warehouse holds one connection. It is not thread-safe: use it from one
// thread at a time (Cancel() excepted), or open one per thread. Each call is
// a unit of its own: a transaction that an Execute() script leaves open is
// rolled back by the next call. The call that finds its connection dropped
// by the server fails with kUnavailable (retryable); the call after it
// reconnects (Ping() reconnects at once).
//
// Contract:
// - EnsureTables creates missing schemas and tables and adds declared columns
//   missing from existing tables; it never drops or retypes anything. A column
//   whose type differs from the declaration, or a different primary key, is
//   kFailedPrecondition naming the table, the column, both types and what to do.
// - LoadTable is atomic and idempotent: the clean parts are streamed with COPY
//   into a staging table and merged (upsert on the primary key) into the target
//   in one transaction. Re-loading the same data changes no row, not even
//   _run_id or _loaded_at; any failure, including the process being killed,
//   leaves the target exactly as it was.
// - Errors name the table, the object key and row where known, the SQLSTATE
//   and PostgreSQL's message, on one line; passwords never appear in them.
//   Unreachable server: kUnavailable (retryable). Authentication refused:
//   kUnauthenticated. Missing database or table: kNotFound. Bad data:
//   kInvalidArgument. Clean data inconsistent with its schema.json: kDataLoss.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"

namespace sluice::warehouse {

// Every loaded table has these two columns besides the declared ones.
inline constexpr std::string_view kRunIdColumn = "_run_id";
inline constexpr std::string_view kLoadedAtColumn = "_loaded_at";
// The defaults of those columns, as pg_get_expr prints them: a COPY straight
// into a table fills them from the loading transaction's setting and clock.
inline constexpr std::string_view kRunIdSetting = "sluice.run_id";
inline constexpr std::string_view kRunIdDefault = "current_setting('sluice.run_id'::text, true)";
inline constexpr std::string_view kLoadedAtDefault = "now()";

struct LoadRequest {
  lake::ObjectStore& store;  // holds the clean parts; not owned
  std::string schema;        // target schema, e.g. "jsonplaceholder"
  const TableSpec& table;    // the declared table; its name is the target table
  // "<clean_bucket>/<source>/<table>/ds=<ds>/schema.json": its "parts" are
  // loaded and its columns, primary key and row count are checked.
  std::string manifest_key;
  // Used when manifest_key is empty: CSV parts whose header rows name
  // declared columns (the same header in every part).
  std::vector<std::string> part_keys;
  std::string run_id;  // written to _run_id of inserted and changed rows
  // schema.json's text, when the caller has read it already (the load then
  // does not read it again; manifest_key still names it in errors).
  std::optional<std::string> manifest_text;
};

struct LoadReport {
  std::string table;  // "schema.table"
  size_t parts = 0;
  int64_t rows_copied = 0;  // data rows read from the parts
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;    // existing rows whose values changed
  int64_t rows_unchanged = 0;  // rows_copied - inserted - updated
  uint64_t bytes = 0;          // bytes read from the lake
  std::chrono::milliseconds duration{0};
};

class Warehouse {
 public:
  virtual ~Warehouse() = default;

  // A round trip to the server (reconnecting if the connection was lost).
  virtual Status Ping() = 0;

  // Creates schema and tables if missing (typed columns, _run_id text,
  // _loaded_at timestamptz, PRIMARY KEY) and adds missing declared columns,
  // all in one transaction. Safe to call concurrently from several processes.
  virtual Status EnsureTables(std::string_view schema, std::span<const TableSpec> tables) = 0;

  // Loads one clean partition into schema.table (see the contract above).
  // Other writers of that table wait during the merge (readers never do).
  // A partition must hold each key once, as the transform writes it: a new
  // key twice is kInvalidArgument (SQLSTATE 23505).
  virtual Result<LoadReport> LoadTable(const LoadRequest& request) = 0;

  virtual Result<int64_t> CountRows(std::string_view schema, std::string_view table) = 0;

  // Runs SQL (one or more statements, as one implicit transaction unless it
  // has its own BEGIN/COMMIT) and discards any rows.
  virtual Status Execute(std::string_view sql) = 0;

  // Runs one statement and returns its rows as text, NULL as "NULL". params
  // bind $1, $2, ... as text.
  virtual Result<std::vector<std::vector<std::string>>> Query(
      std::string_view sql, std::span<const std::string> params = {}) = 0;

  // Asks the server to cancel the statement in progress; the call running it
  // then returns kCancelled. Thread-safe; a no-op when nothing runs.
  virtual void Cancel() = 0;

  // Where the warehouse is, safe to print: "postgresql://user@host:5432/db".
  virtual std::string Describe() const = 0;
};

// Connects to PostgreSQL. url: "postgresql://" or "postgres://" URL with any
// libpq parameter in its query ("?sslmode=require&connect_timeout=5"), or a
// libpq "key=value" connection string. Without a password in it, libpq uses
// PGPASSWORD or ~/.pgpass. connect_timeout defaults to 10 seconds and
// application_name to "sluice". Every password it uses is registered with
// RegisterSecret, so no error or log can show it.
Result<std::unique_ptr<Warehouse>> OpenWarehouse(std::string_view url);
Result<std::unique_ptr<Warehouse>> OpenWarehouse(const Url& url);

// The PostgreSQL type for a declared column type ("double precision" for kDouble).
std::string_view PostgresTypeName(ColumnType type);

}  // namespace sluice::warehouse
