// Tables and clean partitions shared by the warehouse tests and the load
// child process (no GoogleTest here: the child links it too).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"

namespace sluice::warehouse::testing {

// id bigint (key), name text, amount double, happened timestamp, flag
// boolean, day date, price numeric, payload jsonb: every declared type.
TableSpec EventsTable(std::string name = "events");

// id bigint (key), name text, amount double: for the big loads.
TableSpec BigTable(std::string name = "big");

// The clean partition prefix "clean/src/<table>/ds=<ds>/".
std::string PartitionPrefix(std::string_view table, std::string_view ds);

// Writes each CSV body as part-NNNNN.csv under the partition prefix, then
// schema.json listing them with the table's columns (all of them, in
// declaration order) and `rows`. Returns the schema.json key.
Result<std::string> WriteCleanPartition(lake::ObjectStore& store, const TableSpec& table,
                                        std::string_view ds,
                                        const std::vector<std::string>& csv_parts, int64_t rows);

// schema.json text for a partition (tests edit it to make it wrong).
std::string ManifestJson(const TableSpec& table, std::string_view ds,
                         const std::vector<std::string>& part_keys, int64_t rows);

// A BigTable partition of `rows` rows (ids first_id...) in `parts` parts,
// streamed to the store in 1 MiB chunks; names carry `version`, so two
// versions of one id differ. Returns the schema.json key.
Result<std::string> WriteBigPartition(lake::ObjectStore& store, const TableSpec& table,
                                      std::string_view ds, int64_t first_id, int64_t rows,
                                      int parts, int version = 1);

}  // namespace sluice::warehouse::testing
