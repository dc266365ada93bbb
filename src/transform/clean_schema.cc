// schema.json: the manifest of a clean partition, written last.
#include <nlohmann/json.hpp>

#include "transform/transform.h"

namespace sluice::transform {

std::string CleanPartitionPrefix(std::string_view clean_bucket, std::string_view source,
                                 std::string_view table, std::string_view ds) {
  return fmt::format("{}/{}/{}/ds={}/", clean_bucket, source, table, ds);
}

std::string SerializeCleanSchema(const CleanSchema& schema) {
  nlohmann::ordered_json columns = nlohmann::ordered_json::array();
  for (const ColumnSpec& column : schema.columns) {
    columns.push_back({{"name", column.name},
                       {"type", std::string(ColumnTypeName(column.type))},
                       {"required", column.required}});
  }
  const nlohmann::ordered_json json = {
      {"table", schema.table},
      {"source", schema.source},
      {"ds", schema.ds},
      {"run_id", schema.run_id},
      {"raw_run_id", schema.raw_run_id},
      {"columns", columns},
      {"primary_key", schema.primary_key},
      {"parts", schema.parts},
      {"quarantine_parts", schema.quarantine_parts},
      {"rows", schema.rows},
      {"records_in", schema.records_in},
      {"duplicates", schema.duplicates},
      {"quarantined", schema.quarantined},
      {"ignored_fields", schema.ignored_fields},
      {"ignored_field_count", schema.ignored_field_count},
      {"raw_parts", schema.raw_parts},
      {"bytes_in", schema.bytes_in},
      {"csv", {{"header", true}, {"delimiter", ","}, {"null", ""}, {"line_end", "\n"}}},
  };
  // Raw values are valid UTF-8 (simdjson checks it), names come from the pipeline file.
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

namespace {

Status ParseCleanSchema(const nlohmann::json& json, CleanSchema& schema) {
  json.at("table").get_to(schema.table);
  json.at("source").get_to(schema.source);
  json.at("ds").get_to(schema.ds);
  json.at("run_id").get_to(schema.run_id);
  json.at("raw_run_id").get_to(schema.raw_run_id);
  for (const nlohmann::json& column : json.at("columns")) {
    ColumnSpec spec;
    column.at("name").get_to(spec.name);
    const std::string type = column.at("type").get<std::string>();
    const std::optional<ColumnType> parsed = ParseColumnType(type);
    if (!parsed) return Error::DataLoss("column {} has unknown type {}", spec.name, type);
    spec.type = *parsed;
    spec.required = column.value("required", false);
    schema.columns.push_back(std::move(spec));
  }
  json.at("primary_key").get_to(schema.primary_key);
  json.at("parts").get_to(schema.parts);
  schema.quarantine_parts = json.value("quarantine_parts", std::vector<std::string>{});
  schema.raw_parts = json.value("raw_parts", std::vector<std::string>{});
  schema.ignored_fields = json.value("ignored_fields", std::vector<std::string>{});
  json.at("rows").get_to(schema.rows);
  json.at("records_in").get_to(schema.records_in);
  json.at("duplicates").get_to(schema.duplicates);
  json.at("quarantined").get_to(schema.quarantined);
  schema.bytes_in = json.value("bytes_in", uint64_t{0});
  schema.ignored_field_count = json.value("ignored_field_count", uint64_t{0});
  return OkStatus();
}

}  // namespace

Result<CleanSchema> ReadCleanSchema(lake::ObjectStore& store, std::string_view schema_key) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, lake::GetString(store, schema_key));
  CleanSchema schema;
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    if (Status parsed = ParseCleanSchema(json, schema); !parsed) {
      return std::move(parsed).error().AddContext(schema_key);
    }
  } catch (const nlohmann::json::exception& e) {
    return Error::DataLoss("{}: unreadable clean schema: {}", schema_key, e.what())
        .Hint("re-run the transform task for this date");
  }
  return schema;
}

}  // namespace sluice::transform
