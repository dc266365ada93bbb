// Private to warehouse: target tables in the PostgreSQL catalog.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "warehouse/pg_conn.h"

namespace sluice::warehouse {

// Identifiers longer than this are cut short by PostgreSQL (NAMEDATALEN - 1).
inline constexpr size_t kMaxIdentifierBytes = 63;

// kInvalidArgument for a table PostgreSQL could not hold as declared: no
// columns or primary key, a key column not declared, duplicate or reserved
// (_run_id, _loaded_at) column names, names too long.
Status ValidateTableSpec(const TableSpec& table);
Status ValidateIdentifier(std::string_view what, std::string_view name);

// Creates or extends every table in one transaction (see Warehouse::EnsureTables).
Status EnsureTablesIn(PgConn& conn, std::string_view schema, std::span<const TableSpec> tables);

// "schema"."table", each part quoted by PQescapeIdentifier.
Result<std::string> QualifiedName(PgConn& conn, std::string_view schema, std::string_view table);

}  // namespace sluice::warehouse
