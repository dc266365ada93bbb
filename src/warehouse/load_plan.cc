#include "warehouse/load_plan.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "warehouse/pg_copy.h"
#include "warehouse/pg_schema.h"

namespace sluice::warehouse {
namespace {

// schema.json spells types as the pipeline file does ("double"); PostgreSQL's
// spellings are accepted too.
std::optional<ColumnType> TypeOfManifestColumn(std::string_view name) {
  static constexpr std::pair<std::string_view, ColumnType> kNames[] = {
      {"bigint", ColumnType::kBigint},
      {"int8", ColumnType::kBigint},
      {"double", ColumnType::kDouble},
      {"double precision", ColumnType::kDouble},
      {"float8", ColumnType::kDouble},
      {"text", ColumnType::kText},
      {"boolean", ColumnType::kBoolean},
      {"bool", ColumnType::kBoolean},
      {"timestamp", ColumnType::kTimestamp},
      {"timestamp without time zone", ColumnType::kTimestamp},
      {"date", ColumnType::kDate},
      {"numeric", ColumnType::kNumeric},
      {"jsonb", ColumnType::kJsonb},
  };
  for (const auto& [spelling, type] : kNames) {
    if (spelling == name) return type;
  }
  return std::nullopt;
}

const ColumnSpec* FindDeclared(const TableSpec& table, std::string_view name) {
  for (const ColumnSpec& column : table.columns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

// Every copied column declared, none twice, every key column present.
Status CheckColumns(const std::vector<std::string>& columns, const TableSpec& table) {
  std::set<std::string_view> seen;
  for (const std::string& column : columns) {
    if (!FindDeclared(table, column)) {
      return Error::FailedPrecondition("clean data has column {}, not declared for table {}",
                                       column, table.name)
          .Hint("declare it in the pipeline file and run create_tables, or re-run the transform");
    }
    if (!seen.insert(column).second) {
      return Error::DataLoss("clean data has column {} twice", column);
    }
  }
  for (const std::string& key : table.primary_key) {
    if (!seen.contains(key)) {
      return Error::FailedPrecondition("clean data lacks primary key column {} of table {}", key,
                                       table.name)
          .Hint("re-run the transform for this ds");
    }
  }
  return OkStatus();
}

Status CheckManifestColumn(const nlohmann::json& column, const TableSpec& table) {
  std::string name = column.at("name").get<std::string>();
  std::string type = column.at("type").get<std::string>();
  const ColumnSpec* declared = FindDeclared(table, name);
  if (!declared) return OkStatus();  // CheckColumns reports it
  if (TypeOfManifestColumn(type) != declared->type) {
    return Error::FailedPrecondition("clean data types column {} as {}, the pipeline declares {}",
                                     name, type, PostgresTypeName(declared->type))
        .Hint("re-run the transform for this ds with the current pipeline file");
  }
  return OkStatus();
}

Result<LoadPlan> ParseManifestJson(const nlohmann::json& manifest, const TableSpec& table) {
  if (std::string name = manifest.at("table").get<std::string>(); name != table.name) {
    return Error::FailedPrecondition("it describes table {}, not {}", name, table.name);
  }
  LoadPlan plan;
  for (const nlohmann::json& column : manifest.at("columns")) {
    SLUICE_TRY(CheckManifestColumn(column, table));
    plan.columns.push_back(column.at("name").get<std::string>());
  }
  if (manifest.contains("primary_key")) {
    auto key = manifest.at("primary_key").get<std::vector<std::string>>();
    if (key != table.primary_key) {
      return Error::FailedPrecondition("its primary key ({}) is not the declared one ({})",
                                       fmt::join(key, ", "), fmt::join(table.primary_key, ", "))
          .Hint("re-run the transform for this ds with the current pipeline file");
    }
  }
  plan.part_keys = manifest.at("parts").get<std::vector<std::string>>();
  if (manifest.contains("rows")) plan.expected_rows = manifest.at("rows").get<int64_t>();
  return plan;
}

}  // namespace

Result<LoadPlan> ParseCleanManifest(std::string_view json_text, std::string_view key,
                                    const TableSpec& table) {
  nlohmann::json manifest = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded() || !manifest.is_object()) {
    return Error::DataLoss("{}: not a JSON object", key).Hint("re-run the transform for this ds");
  }
  Result<LoadPlan> plan = Error::Internal("unreachable");
  try {
    plan = ParseManifestJson(manifest, table);
  } catch (const nlohmann::json::exception& e) {
    return Error::DataLoss("{}: {}", key, e.what()).Hint("re-run the transform for this ds");
  }
  if (!plan) return std::move(plan.error()).AddContext(key);
  if (Status checked = CheckColumns(plan->columns, table); !checked) {
    return std::move(checked.error()).AddContext(key);
  }
  return plan;
}

Result<LoadPlan> PlanLoad(const LoadRequest& request) {
  SLUICE_TRY(ValidateTableSpec(request.table));
  if (!request.manifest_key.empty()) {
    if (request.manifest_text) {
      return ParseCleanManifest(*request.manifest_text, request.manifest_key, request.table);
    }
    SLUICE_ASSIGN_OR_RETURN(std::string text, lake::GetString(request.store, request.manifest_key));
    return ParseCleanManifest(text, request.manifest_key, request.table);
  }
  LoadPlan plan;
  plan.part_keys = request.part_keys;
  if (plan.part_keys.empty()) {
    for (const ColumnSpec& column : request.table.columns) plan.columns.push_back(column.name);
    return plan;
  }
  SLUICE_ASSIGN_OR_RETURN(plan.columns, ReadCsvHeader(request.store, plan.part_keys.front()));
  if (Status checked = CheckColumns(plan.columns, request.table); !checked) {
    return std::move(checked.error()).AddContext(plan.part_keys.front());
  }
  return plan;
}

}  // namespace sluice::warehouse
