#include "warehouse/pg_schema.h"

#include <map>
#include <set>
#include <utility>

#include "warehouse/warehouse.h"

namespace sluice::warehouse {
namespace {

// Serialises EnsureTables across processes: two CREATE TABLE IF NOT EXISTS of
// one table at once can fail on the catalog's unique indexes. Any fixed key
// works; this one reads "sluice" in ASCII.
constexpr const char* kEnsureTablesLockSql =
    "SELECT pg_advisory_xact_lock(x'736c75696365'::bigint)";

// How format_type(atttypid, NULL) spells each type.
std::string_view CatalogTypeName(ColumnType type) {
  if (type == ColumnType::kTimestamp) return "timestamp without time zone";
  return PostgresTypeName(type);
}

struct ExpectedColumn {
  std::string name;
  std::string_view ddl_type;      // as written in CREATE TABLE
  std::string_view catalog_type;  // as the catalog prints it
  std::string_view default_sql;   // empty: none
};

std::vector<ExpectedColumn> ExpectedColumns(const TableSpec& table) {
  std::vector<ExpectedColumn> columns;
  for (const ColumnSpec& column : table.columns) {
    columns.push_back(
        {column.name, PostgresTypeName(column.type), CatalogTypeName(column.type), ""});
  }
  columns.push_back({std::string(kRunIdColumn), "text", "text", kRunIdDefault});
  columns.push_back(
      {std::string(kLoadedAtColumn), "timestamptz", "timestamp with time zone", kLoadedAtDefault});
  return columns;
}

struct ExistingTable {
  bool exists = false;
  std::string kind;                             // pg_class.relkind
  std::map<std::string, std::string> types;     // column -> format_type
  std::map<std::string, std::string> defaults;  // column -> pg_get_expr, when it has one
  std::vector<std::string> primary_key;         // in key order
};

Result<ExistingTable> ReadExistingTable(PgConn& conn, std::string_view schema,
                                        std::string_view table) {
  const std::string names[] = {std::string(schema), std::string(table)};
  SLUICE_ASSIGN_OR_RETURN(
      PgResult relation,
      conn.ExecParams("SELECT c.oid::text, c.relkind::text FROM pg_class c JOIN pg_namespace n "
                      "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                      names, "read the catalog"));
  ExistingTable existing;
  if (PQntuples(relation.get()) == 0) return existing;
  existing.exists = true;
  existing.kind = PQgetvalue(relation.get(), 0, 1);
  const std::string oid[] = {PQgetvalue(relation.get(), 0, 0)};
  SLUICE_ASSIGN_OR_RETURN(
      PgResult columns,
      conn.ExecParams("SELECT a.attname, format_type(a.atttypid, NULL), "
                      "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef d "
                      "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped",
                      oid, "read the catalog"));
  for (int row = 0; row < PQntuples(columns.get()); ++row) {
    std::string name = PQgetvalue(columns.get(), row, 0);
    existing.types[name] = PQgetvalue(columns.get(), row, 1);
    if (!PQgetisnull(columns.get(), row, 2)) {
      existing.defaults[name] = PQgetvalue(columns.get(), row, 2);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(
      PgResult key,
      conn.ExecParams("SELECT a.attname FROM pg_index i "
                      "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(num, ord) "
                      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
                      "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord",
                      oid, "read the catalog"));
  for (int row = 0; row < PQntuples(key.get()); ++row) {
    existing.primary_key.emplace_back(PQgetvalue(key.get(), row, 0));
  }
  return existing;
}

Result<std::string> QuotedList(PgConn& conn, const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) {
    SLUICE_ASSIGN_OR_RETURN(std::string quoted, conn.QuoteIdentifier(name));
    if (!out.empty()) out += ", ";
    out += quoted;
  }
  return out;
}

Status CreateTable(PgConn& conn, const std::string& qualified, const TableSpec& table) {
  std::string sql = fmt::format("CREATE TABLE {} (", qualified);
  for (const ExpectedColumn& column : ExpectedColumns(table)) {
    SLUICE_ASSIGN_OR_RETURN(std::string quoted, conn.QuoteIdentifier(column.name));
    sql += fmt::format("{} {}", quoted, column.ddl_type);
    if (!column.default_sql.empty()) sql += fmt::format(" DEFAULT {}", column.default_sql);
    sql += ", ";
  }
  SLUICE_ASSIGN_OR_RETURN(std::string key, QuotedList(conn, table.primary_key));
  sql += fmt::format("PRIMARY KEY ({}))", key);
  SLUICE_TRY(conn.Exec(sql, "CREATE TABLE"));
  return OkStatus();
}

// Refuses what sluice must not change by itself; adds missing columns.
Status ReconcileTable(PgConn& conn, const std::string& display, const std::string& qualified,
                      const TableSpec& table, const ExistingTable& existing) {
  if (existing.kind != "r" && existing.kind != "p") {
    return Error::FailedPrecondition("{} exists but is not a table (relkind '{}')", display,
                                     existing.kind)
        .Hint("drop or rename it, or load into another schema");
  }
  std::string additions;
  for (const ExpectedColumn& column : ExpectedColumns(table)) {
    SLUICE_ASSIGN_OR_RETURN(std::string quoted, conn.QuoteIdentifier(column.name));
    auto found = existing.types.find(column.name);
    if (found == existing.types.end()) {
      additions += fmt::format("{}ADD COLUMN IF NOT EXISTS {} {}", additions.empty() ? "" : ", ",
                               quoted, column.ddl_type);
      if (!column.default_sql.empty()) additions += fmt::format(" DEFAULT {}", column.default_sql);
    } else if (found->second != column.catalog_type) {
      return Error::FailedPrecondition(
                 "table {} column {}: existing type {}, declared type {}: sluice does not change "
                 "column types",
                 display, column.name, found->second, column.catalog_type)
          .Hint(
              "convert it yourself (ALTER TABLE {} ALTER COLUMN {} TYPE {} USING ...), or drop "
              "the table and reload, or declare the existing type",
              qualified, quoted, column.ddl_type);
    } else if (!column.default_sql.empty() && !existing.defaults.contains(column.name)) {
      // Tables made before the defaults existed; a default of the user's own stays.
      additions += fmt::format("{}ALTER COLUMN {} SET DEFAULT {}", additions.empty() ? "" : ", ",
                               quoted, column.default_sql);
    }
  }
  if (existing.primary_key != table.primary_key) {
    return Error::FailedPrecondition("table {}: primary key is ({}), declared ({})", display,
                                     fmt::join(existing.primary_key, ", "),
                                     fmt::join(table.primary_key, ", "))
        .Hint("change the key with ALTER TABLE {} ... PRIMARY KEY, or drop the table and reload",
              qualified);
  }
  if (!additions.empty()) {
    SLUICE_TRY(conn.Exec(fmt::format("ALTER TABLE {} {}", qualified, additions), "ALTER TABLE"));
  }
  return OkStatus();
}

Status EnsureTable(PgConn& conn, std::string_view schema, const TableSpec& table) {
  std::string display = fmt::format("{}.{}", schema, table.name);
  SLUICE_ASSIGN_OR_RETURN(std::string qualified, QualifiedName(conn, schema, table.name));
  SLUICE_ASSIGN_OR_RETURN(ExistingTable existing, ReadExistingTable(conn, schema, table.name));
  Status status = existing.exists ? ReconcileTable(conn, display, qualified, table, existing)
                                  : CreateTable(conn, qualified, table);
  if (!status) return std::move(status.error()).AddContext(fmt::format("table {}", display));
  return OkStatus();
}

}  // namespace

std::string_view PostgresTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kBigint:
      return "bigint";
    case ColumnType::kDouble:
      return "double precision";
    case ColumnType::kText:
      return "text";
    case ColumnType::kBoolean:
      return "boolean";
    case ColumnType::kTimestamp:
      return "timestamp";
    case ColumnType::kDate:
      return "date";
    case ColumnType::kNumeric:
      return "numeric";
    case ColumnType::kJsonb:
      return "jsonb";
  }
  return "text";
}

Status ValidateIdentifier(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > kMaxIdentifierBytes ||
      name.find('\0') != std::string_view::npos) {
    return Error::InvalidArgument("{} '{}' must be 1 to {} bytes without NUL", what, name,
                                  kMaxIdentifierBytes);
  }
  return OkStatus();
}

Status ValidateTableSpec(const TableSpec& table) {
  SLUICE_TRY(ValidateIdentifier("table name", table.name));
  if (table.columns.empty() || table.primary_key.empty()) {
    return Error::InvalidArgument("table {} needs columns and a primary key", table.name);
  }
  std::set<std::string_view> names;
  for (const ColumnSpec& column : table.columns) {
    SLUICE_TRY(ValidateIdentifier(fmt::format("table {} column", table.name), column.name));
    if (column.name == kRunIdColumn || column.name == kLoadedAtColumn) {
      return Error::InvalidArgument("table {}: column name {} is reserved for sluice", table.name,
                                    column.name);
    }
    if (!names.insert(column.name).second) {
      return Error::InvalidArgument("table {}: column {} declared twice", table.name, column.name);
    }
  }
  for (const std::string& key : table.primary_key) {
    if (!names.contains(key)) {
      return Error::InvalidArgument("table {}: primary key column {} is not declared", table.name,
                                    key);
    }
  }
  return OkStatus();
}

Result<std::string> QualifiedName(PgConn& conn, std::string_view schema, std::string_view table) {
  SLUICE_ASSIGN_OR_RETURN(std::string quoted_schema, conn.QuoteIdentifier(schema));
  SLUICE_ASSIGN_OR_RETURN(std::string quoted_table, conn.QuoteIdentifier(table));
  return quoted_schema + "." + quoted_table;
}

Status EnsureTablesIn(PgConn& conn, std::string_view schema, std::span<const TableSpec> tables) {
  SLUICE_TRY(ValidateIdentifier("schema name", schema));
  for (const TableSpec& table : tables) SLUICE_TRY(ValidateTableSpec(table));
  SLUICE_ASSIGN_OR_RETURN(std::string quoted_schema, conn.QuoteIdentifier(schema));
  SLUICE_TRY(conn.Exec("BEGIN", "BEGIN"));
  auto in_transaction = [&]() -> Status {
    SLUICE_TRY(conn.Exec(kEnsureTablesLockSql, "lock for EnsureTables"));
    SLUICE_TRY(conn.Exec(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", quoted_schema),
                         fmt::format("CREATE SCHEMA {}", schema)));
    for (const TableSpec& table : tables) SLUICE_TRY(EnsureTable(conn, schema, table));
    SLUICE_TRY(conn.Exec("COMMIT", "COMMIT"));
    return OkStatus();
  };
  Status status = in_transaction();
  if (!status) conn.Rollback();
  return status;
}

}  // namespace sluice::warehouse
