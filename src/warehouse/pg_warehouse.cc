// The PostgreSQL Warehouse: one libpq connection; loads go through COPY into
// a temporary staging table, then one merge statement (update changed rows,
// insert new keys) into the target, inside one transaction. The first load
// of a table, with the target empty, COPYs straight into it.
#include "warehouse/pg_warehouse.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "warehouse/load_plan.h"
#include "warehouse/pg_copy.h"
#include "warehouse/pg_schema.h"

namespace sluice::warehouse {
namespace {

// Session-local (pg_temp) and dropped at COMMIT or ROLLBACK.
constexpr std::string_view kStagingTable = "pg_temp._sluice_staging";

// The target's names, quoted, for the statements of one load.
struct MergeNames {
  std::string target;                // "schema"."table"
  std::vector<std::string> columns;  // copied columns, in CSV order
  std::vector<std::string> key;      // primary key columns
  std::vector<std::string> non_key;  // copied columns outside the key
  std::string run_id;
  std::string loaded_at;
};

Result<MergeNames> QuoteNames(PgConn& conn, const LoadRequest& request, const LoadPlan& plan) {
  MergeNames names;
  SLUICE_ASSIGN_OR_RETURN(names.target, QualifiedName(conn, request.schema, request.table.name));
  const std::vector<std::string>& key = request.table.primary_key;
  for (const std::string& column : plan.columns) {
    SLUICE_ASSIGN_OR_RETURN(std::string quoted, conn.QuoteIdentifier(column));
    bool in_key = std::find(key.begin(), key.end(), column) != key.end();
    (in_key ? names.key : names.non_key).push_back(quoted);
    names.columns.push_back(std::move(quoted));
  }
  names.key.clear();  // in key order, not CSV order
  for (const std::string& column : key) {
    SLUICE_ASSIGN_OR_RETURN(std::string quoted, conn.QuoteIdentifier(column));
    names.key.push_back(std::move(quoted));
  }
  SLUICE_ASSIGN_OR_RETURN(names.run_id, conn.QuoteIdentifier(kRunIdColumn));
  SLUICE_ASSIGN_OR_RETURN(names.loaded_at, conn.QuoteIdentifier(kLoadedAtColumn));
  return names;
}

std::string Prefixed(std::string_view prefix, const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& column : columns) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{}.{}", prefix, column);
  }
  return out;
}

std::string KeyMatch(const MergeNames& names) {
  std::string out;
  for (const std::string& column : names.key) {
    if (!out.empty()) out += " AND ";
    out += fmt::format("t.{0} = s.{0}", column);
  }
  return out;
}

// One statement: update an existing row only when a copied value differs
// (so re-loading the same data changes nothing, not even _run_id and
// _loaded_at), insert the keys the target lacks, count both. Both parts see
// the target as it was before the statement, so they never touch the same
// row. This is about twice as fast as INSERT ... ON CONFLICT DO UPDATE,
// which inserts speculatively row by row; it needs the target locked
// against other writers (MergeStaged does).
std::string MergeSql(const MergeNames& names) {
  std::string columns = fmt::format("{}", fmt::join(names.columns, ", "));
  std::string match = KeyMatch(names);
  std::string updated = "SELECT 1 WHERE false";  // every column is in the key
  if (!names.non_key.empty()) {
    std::string sets;
    for (const std::string& column : names.non_key) sets += fmt::format("{0} = s.{0}, ", column);
    updated = fmt::format(
        "UPDATE {} AS t SET {}{} = $1, {} = now() FROM {} AS s WHERE {} "
        "AND ROW({}) IS DISTINCT FROM ROW({}) RETURNING 1",
        names.target, sets, names.run_id, names.loaded_at, kStagingTable, match,
        Prefixed("t", names.non_key), Prefixed("s", names.non_key));
  }
  return fmt::format(
      "WITH updated AS ({}), inserted AS (INSERT INTO {} ({}, {}, {}) SELECT {}, $1, now() "
      "FROM {} AS s WHERE NOT EXISTS (SELECT 1 FROM {} AS t WHERE {}) RETURNING 1) "
      "SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM updated)",
      updated, names.target, columns, names.run_id, names.loaded_at, columns, kStagingTable,
      names.target, match);
}

int64_t IntegerAt(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

Error WithDuplicateKeyHint(Error error) {
  if (error.message().find("(SQLSTATE 23505)") == std::string::npos) return error;
  return std::move(error).Hint(
      "the clean data holds a primary key twice; the transform dedupes on the key: "
      "re-run it for this ds");
}

// The binary types of the copied columns as the target types them; nullopt
// when one of them has a type that is not converted (see pg_binary.h).
Result<std::optional<std::vector<BinaryType>>> BinaryTypesOf(PgConn& conn, const LoadPlan& plan,
                                                             const MergeNames& names) {
  const std::string params[] = {names.target};
  SLUICE_ASSIGN_OR_RETURN(PgResult typed,
                          conn.ExecParams("SELECT attname, atttypid FROM pg_attribute "
                                          "WHERE attrelid = $1::regclass AND attnum > 0 "
                                          "AND NOT attisdropped",
                                          params, "read the target's column types"));
  std::vector<BinaryType> types;
  for (const std::string& column : plan.columns) {
    std::optional<BinaryType> type;
    for (int row = 0; row < PQntuples(typed.get()); ++row) {
      if (column == PQgetvalue(typed.get(), row, 0)) {
        type = BinaryTypeOfOid(
            static_cast<uint32_t>(std::strtoul(PQgetvalue(typed.get(), row, 1), nullptr, 10)));
      }
    }
    if (!type) return std::nullopt;
    types.push_back(*type);
  }
  return types;
}

// Streams every part into table (the staging table or the target, which
// types its columns as the target does).
Result<CopyResult> CopyParts(PgConn& conn, const LoadRequest& request, const LoadPlan& plan,
                             const MergeNames& names, std::string_view table) {
  std::string columns = fmt::format("{}", fmt::join(names.columns, ", "));
  SLUICE_ASSIGN_OR_RETURN(std::optional<std::vector<BinaryType>> binary_types,
                          BinaryTypesOf(conn, plan, names));
  const bool binary = binary_types.has_value();
  CopyStream copy(conn, request.store, plan.columns, std::move(binary_types));
  SLUICE_ASSIGN_OR_RETURN(
      CopyResult copied, copy.Run(fmt::format("COPY {} ({}) FROM STDIN (FORMAT {})", table, columns,
                                              binary ? "binary" : "csv"),
                                  plan.part_keys));
  if (plan.expected_rows && *plan.expected_rows != copied.rows) {
    return Error::DataLoss("{} lists {} rows but its parts hold {}", request.manifest_key,
                           *plan.expected_rows, copied.rows)
        .Hint("re-run the transform for this ds");
  }
  return copied;
}

// A merge into an empty table only inserts, so COPY can write the rows into
// the target once instead of into staging and then again: as atomic (one
// transaction, the target locked against other writers from before the
// check) and as idempotent (a re-run finds the rows and merges). _run_id and
// _loaded_at come from their defaults, which EnsureTables sets.
Result<bool> TargetIsEmptyWithDefaults(PgConn& conn, const MergeNames& names) {
  const std::string params[] = {names.target, std::string(kRunIdColumn), std::string(kRunIdDefault),
                                std::string(kLoadedAtColumn), std::string(kLoadedAtDefault)};
  auto defaults = conn.ExecParams(
      "SELECT count(*) FROM pg_attrdef d JOIN pg_attribute a "
      "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
      "WHERE d.adrelid = $1::regclass AND ((a.attname = $2 AND "
      "pg_get_expr(d.adbin, d.adrelid) = $3) OR (a.attname = $4 AND "
      "pg_get_expr(d.adbin, d.adrelid) = $5))",
      params, "read the target's defaults");
  if (!defaults) {
    return std::move(defaults.error()).Hint("run the create_tables task (EnsureTables) first");
  }
  if (std::strtoll(PQgetvalue(defaults->get(), 0, 0), nullptr, 10) != 2) return false;
  auto is_empty = [&]() -> Result<bool> {
    SLUICE_ASSIGN_OR_RETURN(
        PgResult empty, conn.Exec(fmt::format("SELECT NOT EXISTS (SELECT 1 FROM {})", names.target),
                                  "look for rows in the target"));
    return std::string_view(PQgetvalue(empty.get(), 0, 0)) == "t";
  };
  // Unlocked first, so the COPY into staging of a table that has rows does not
  // hold the lock (MergeStaged takes it after).
  SLUICE_ASSIGN_OR_RETURN(bool empty, is_empty());
  if (!empty) return false;
  SLUICE_TRY(conn.Exec(fmt::format("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", names.target),
                       "lock the target"));
  return is_empty();
}

Result<CopyResult> CopyIntoTarget(PgConn& conn, const LoadRequest& request, const LoadPlan& plan,
                                  const MergeNames& names) {
  const std::string params[] = {std::string(kRunIdSetting), request.run_id};
  SLUICE_TRY(conn.ExecParams("SELECT set_config($1, $2, true)", params, "set the run id"));
  auto copied = CopyParts(conn, request, plan, names, names.target);
  if (!copied) return WithDuplicateKeyHint(std::move(copied).error());
  return copied;
}

// Creates the staging table and streams every part into it.
Result<CopyResult> StageParts(PgConn& conn, const LoadRequest& request, const LoadPlan& plan,
                              const MergeNames& names) {
  std::string columns = fmt::format("{}", fmt::join(names.columns, ", "));
  // Typed like the target, without its constraints: COPY checks the values,
  // the merge checks the key.
  auto staged = conn.Exec(fmt::format("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} "
                                      "WITH NO DATA",
                                      kStagingTable, columns, names.target),
                          "create the staging table");
  if (!staged) {
    return std::move(staged.error()).Hint("run the create_tables task (EnsureTables) first");
  }
  return CopyParts(conn, request, plan, names, kStagingTable);
}

struct MergeCounts {
  int64_t inserted = 0;
  int64_t updated = 0;
};

Result<MergeCounts> MergeStaged(PgConn& conn, const MergeNames& names, const std::string& run_id) {
  // Other writers wait until COMMIT (readers do not), so no row can appear
  // between the merge's check for a key and its insert. Taken after the
  // COPY, so a long COPY does not hold it.
  SLUICE_TRY(conn.Exec(fmt::format("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", names.target),
                       "lock the target"));
  const std::string params[] = {run_id};
  auto merged = conn.ExecParams(MergeSql(names), params, "merge into the target");
  if (!merged) return WithDuplicateKeyHint(std::move(merged).error());
  return MergeCounts{IntegerAt(merged->get(), 0, 0), IntegerAt(merged->get(), 0, 1)};
}

}  // namespace

PgWarehouse::PgWarehouse(std::unique_ptr<PgConn> conn) : conn_(std::move(conn)) {}

Status PgWarehouse::Ping() {
  std::string what = fmt::format("ping {}", conn_->description());
  SLUICE_TRY(conn_->EnsureConnected());
  auto first = conn_->Exec("SELECT 1", what);
  if (first) return OkStatus();
  // A session the server dropped shows only when used: reconnect once.
  if (first.error().code() != Code::kUnavailable) return std::move(first).error();
  SLUICE_TRY(conn_->EnsureConnected());
  SLUICE_TRY(conn_->Exec("SELECT 1", what));
  return OkStatus();
}

Status PgWarehouse::EnsureTables(std::string_view schema, std::span<const TableSpec> tables) {
  SLUICE_TRY(conn_->EnsureConnected());
  return EnsureTablesIn(*conn_, schema, tables);
}

Result<LoadReport> PgWarehouse::LoadTable(const LoadRequest& request) {
  auto started = std::chrono::steady_clock::now();
  Result<LoadReport> report = LoadInTransaction(request);
  if (!report) {
    conn_->Rollback();
    return std::move(report.error())
        .AddContext(fmt::format("load {}.{}", request.schema, request.table.name));
  }
  report->duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

Result<LoadReport> PgWarehouse::LoadInTransaction(const LoadRequest& request) {
  SLUICE_TRY(ValidateIdentifier("schema name", request.schema));
  SLUICE_ASSIGN_OR_RETURN(LoadPlan plan, PlanLoad(request));
  SLUICE_TRY(conn_->EnsureConnected());
  SLUICE_ASSIGN_OR_RETURN(MergeNames names, QuoteNames(*conn_, request, plan));
  SLUICE_TRY(conn_->Exec("BEGIN", "BEGIN"));
  SLUICE_ASSIGN_OR_RETURN(bool straight_in, TargetIsEmptyWithDefaults(*conn_, names));
  CopyResult copied;
  MergeCounts merged;
  if (straight_in) {
    SLUICE_ASSIGN_OR_RETURN(copied, CopyIntoTarget(*conn_, request, plan, names));
    merged.inserted = copied.rows;
  } else {
    SLUICE_ASSIGN_OR_RETURN(copied, StageParts(*conn_, request, plan, names));
    SLUICE_ASSIGN_OR_RETURN(merged, MergeStaged(*conn_, names, request.run_id));
  }
  SLUICE_TRY(conn_->Exec("COMMIT", "COMMIT"));
  LoadReport report;
  report.table = fmt::format("{}.{}", request.schema, request.table.name);
  report.parts = plan.part_keys.size();
  report.rows_copied = copied.rows;
  report.rows_inserted = merged.inserted;
  report.rows_updated = merged.updated;
  report.rows_unchanged = report.rows_copied - report.rows_inserted - report.rows_updated;
  report.bytes = copied.bytes;
  return report;
}

Result<int64_t> PgWarehouse::CountRows(std::string_view schema, std::string_view table) {
  SLUICE_TRY(conn_->EnsureConnected());
  SLUICE_ASSIGN_OR_RETURN(std::string qualified, QualifiedName(*conn_, schema, table));
  SLUICE_ASSIGN_OR_RETURN(PgResult result,
                          conn_->Exec(fmt::format("SELECT count(*) FROM {}", qualified),
                                      fmt::format("count rows of {}.{}", schema, table)));
  return IntegerAt(result.get(), 0, 0);
}

Status PgWarehouse::Execute(std::string_view sql) {
  SLUICE_TRY(conn_->EnsureConnected());
  SLUICE_TRY(conn_->Exec(sql, "SQL"));
  return OkStatus();
}

Result<std::vector<std::vector<std::string>>> PgWarehouse::Query(
    std::string_view sql, std::span<const std::string> params) {
  SLUICE_TRY(conn_->EnsureConnected());
  SLUICE_ASSIGN_OR_RETURN(PgResult result, params.empty()
                                               ? conn_->Exec(sql, "query")
                                               : conn_->ExecParams(sql, params, "query"));
  std::vector<std::vector<std::string>> rows(PQntuples(result.get()));
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    for (int column = 0; column < PQnfields(result.get()); ++column) {
      rows[row].emplace_back(
          PQgetisnull(result.get(), row, column) ? "NULL" : PQgetvalue(result.get(), row, column));
    }
  }
  return rows;
}

void PgWarehouse::Cancel() { conn_->Cancel(); }

std::string PgWarehouse::Describe() const { return conn_->description(); }

}  // namespace sluice::warehouse
