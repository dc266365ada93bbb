#include <nlohmann/json.hpp>

#include "operators/data_tasks.h"
#include "transform/transform.h"

namespace sluice::operators {

std::string ReconciliationKey(const Pipeline& pipeline, std::string_view run_id) {
  return fmt::format("{}/_runs/{}/{}.json", pipeline.lake.clean_bucket, pipeline.dag_id, run_id);
}

Result<std::vector<TableReconciliation>> Reconcile(lake::ObjectStore& store,
                                                   const Pipeline& pipeline, const TaskRun& run,
                                                   const std::vector<TableLoad>& loads) {
  std::vector<TableReconciliation> balance;
  for (const TableLoad& load : loads) {
    auto schema = transform::ReadCleanSchema(store, load.schema_key);
    if (!schema) return std::move(schema).error().AddContext("reconciliation");
    // Fetched comes from the raw manifest itself, not from the transform's own
    // count, so a record lost between the two stages shows up here.
    auto manifest = source::ReadRawManifest(
        store, source::RawManifestKey(pipeline.lake.raw_bucket, pipeline.source.name,
                                      load.table->resource, run.ds, schema->raw_run_id));
    if (!manifest) return std::move(manifest).error().AddContext("reconciliation");
    balance.push_back({.table = load.table->name,
                       .fetched = manifest->records,
                       .loaded = static_cast<uint64_t>(load.report.rows_copied),
                       .quarantined = schema->quarantined,
                       .duplicates = schema->duplicates});
  }
  return balance;
}

Result<std::string> WriteReconciliation(lake::ObjectStore& store, const Pipeline& pipeline,
                                        const TaskRun& run,
                                        const std::vector<TableReconciliation>& balance) {
  std::string key = ReconciliationKey(pipeline, run.run_id);
  nlohmann::json tables = nlohmann::json::array();
  if (!run.map_item.empty()) {
    auto existing = lake::GetString(store, key);
    if (existing) {
      nlohmann::json previous = nlohmann::json::parse(*existing, nullptr, false);
      if (previous.is_object() && previous["tables"].is_array()) {
        for (const auto& table : previous["tables"]) {
          if (table.value("table", "") != run.map_item) tables.push_back(table);
        }
      }
    }
  }
  bool all_ok = true;
  for (const TableReconciliation& table : balance) {
    all_ok = all_ok && table.ok();
    tables.push_back({{"table", table.table},
                      {"fetched", table.fetched},
                      {"loaded", table.loaded},
                      {"quarantined", table.quarantined},
                      {"duplicates", table.duplicates},
                      {"ok", table.ok()}});
  }
  nlohmann::json report = {{"dag_id", pipeline.dag_id}, {"run_id", run.run_id},
                           {"ds", run.ds},              {"ok", all_ok},
                           {"tables", std::move(tables)}};
  SLUICE_TRY(lake::PutString(store, key, report.dump(2) + "\n"));
  return key;
}

std::vector<std::string> FormatReconciliation(const std::vector<TableReconciliation>& balance) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("reconciliation: {:<12} {:>10} {:>10} {:>12} {:>11}  {}", "table",
                              "fetched", "loaded", "quarantined", "duplicates", "balance"));
  for (const TableReconciliation& table : balance) {
    lines.push_back(fmt::format("reconciliation: {:<12} {:>10} {:>10} {:>12} {:>11}  {}",
                                table.table, table.fetched, table.loaded, table.quarantined,
                                table.duplicates, table.ok() ? "ok" : "MISMATCH"));
  }
  return lines;
}

}  // namespace sluice::operators
