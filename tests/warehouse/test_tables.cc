#include "warehouse/test_tables.h"

#include <nlohmann/json.hpp>

namespace sluice::warehouse::testing {
namespace {

ColumnSpec Column(std::string name, ColumnType type, bool required = false) {
  ColumnSpec column;
  column.name = name;
  column.source_field = std::move(name);
  column.type = type;
  column.required = required;
  return column;
}

std::string_view ManifestTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kBigint:
      return "bigint";
    case ColumnType::kDouble:
      return "double";
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

std::string PartKey(std::string_view prefix, int index) {
  return fmt::format("{}part-{:05d}.csv", prefix, index);
}

}  // namespace

TableSpec EventsTable(std::string name) {
  TableSpec table;
  table.name = std::move(name);
  table.resource = "events";
  table.columns = {
      Column("id", ColumnType::kBigint, true), Column("name", ColumnType::kText),
      Column("amount", ColumnType::kDouble),   Column("happened", ColumnType::kTimestamp),
      Column("flag", ColumnType::kBoolean),    Column("day", ColumnType::kDate),
      Column("price", ColumnType::kNumeric),   Column("payload", ColumnType::kJsonb)};
  table.primary_key = {"id"};
  return table;
}

TableSpec BigTable(std::string name) {
  TableSpec table;
  table.name = std::move(name);
  table.resource = "big";
  table.columns = {Column("id", ColumnType::kBigint, true), Column("name", ColumnType::kText),
                   Column("amount", ColumnType::kDouble)};
  table.primary_key = {"id"};
  return table;
}

std::string PartitionPrefix(std::string_view table, std::string_view ds) {
  return fmt::format("clean/src/{}/ds={}/", table, ds);
}

std::string ManifestJson(const TableSpec& table, std::string_view ds,
                         const std::vector<std::string>& part_keys, int64_t rows) {
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnSpec& column : table.columns) {
    columns.push_back({{"name", column.name},
                       {"type", ManifestTypeName(column.type)},
                       {"required", column.required}});
  }
  nlohmann::json manifest = {{"table", table.name},
                             {"source", "src"},
                             {"ds", ds},
                             {"run_id", "transform-run"},
                             {"raw_run_id", "raw"},
                             {"columns", columns},
                             {"primary_key", table.primary_key},
                             {"parts", part_keys},
                             {"rows", rows},
                             {"records_in", rows},
                             {"duplicates", 0},
                             {"quarantined", 0}};
  return manifest.dump(2);
}

Result<std::string> WriteCleanPartition(lake::ObjectStore& store, const TableSpec& table,
                                        std::string_view ds,
                                        const std::vector<std::string>& csv_parts, int64_t rows) {
  std::string prefix = PartitionPrefix(table.name, ds);
  std::vector<std::string> keys;
  for (size_t i = 0; i < csv_parts.size(); ++i) {
    keys.push_back(PartKey(prefix, static_cast<int>(i)));
    SLUICE_TRY(lake::PutString(store, keys.back(), csv_parts[i]));
  }
  std::string manifest_key = prefix + "schema.json";
  SLUICE_TRY(lake::PutString(store, manifest_key, ManifestJson(table, ds, keys, rows)));
  return manifest_key;
}

Result<std::string> WriteBigPartition(lake::ObjectStore& store, const TableSpec& table,
                                      std::string_view ds, int64_t first_id, int64_t rows,
                                      int parts, int version) {
  std::string prefix = PartitionPrefix(table.name, ds);
  std::vector<std::string> keys;
  int64_t next_id = first_id;
  int64_t end_id = first_id + rows;
  for (int part = 0; part < parts; ++part) {
    keys.push_back(PartKey(prefix, part));
    SLUICE_ASSIGN_OR_RETURN(auto writer, store.Create(keys.back()));
    int64_t part_end = part + 1 == parts ? end_id : next_id + rows / parts;
    fmt::memory_buffer buffer;
    fmt::format_to(std::back_inserter(buffer), "id,name,amount\n");
    for (; next_id < part_end; ++next_id) {
      fmt::format_to(std::back_inserter(buffer), "{},\"v{} name, {}\",{}.25\n", next_id, version,
                     next_id, next_id % 1000);
      if (buffer.size() >= (1 << 20)) {
        SLUICE_TRY(writer->Write(std::string_view(buffer.data(), buffer.size())));
        buffer.clear();
      }
    }
    SLUICE_TRY(writer->Write(std::string_view(buffer.data(), buffer.size())));
    SLUICE_TRY(writer->Commit());
  }
  std::string manifest_key = prefix + "schema.json";
  SLUICE_TRY(lake::PutString(store, manifest_key, ManifestJson(table, ds, keys, rows)));
  return manifest_key;
}

}  // namespace sluice::warehouse::testing
