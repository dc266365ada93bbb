// GET /api/v2/sluice/dags/{dag_id}/dagRuns/{dag_run_id}/lineage: where a run's
// data went, table by table — API -> raw objects -> clean objects ->
// PostgreSQL rows, with counts at each step (from the raw manifests, the
// clean schema.json files and the run's reconciliation report) and a sample
// of the quarantined records with their reasons.
#include "operators/operators.h"
#include "server/context.h"
#include "server/models.h"
#include "source/source.h"
#include "transform/transform.h"

namespace sluice::server {
namespace {

constexpr size_t kQuarantineSample = 50;
constexpr uint64_t kQuarantineBytes = 256 * 1024;

nlohmann::json RawStep(lake::ObjectStore& store, const Pipeline& pipeline,
                       const std::string& resource, const std::string& ds,
                       const std::string& run_id) {
  std::string key =
      source::RawManifestKey(pipeline.lake.raw_bucket, pipeline.source.name, resource, ds, run_id);
  auto manifest = source::ReadRawManifest(store, key);
  if (!manifest) return {{"manifest_key", key}, {"status", "missing"}};
  nlohmann::json urls = nlohmann::json::array();
  for (const source::RawPart& part : manifest->parts) urls.push_back(MaskSecrets(part.url));
  return {{"manifest_key", key},
          {"status", manifest->complete ? "complete" : "incomplete"},
          {"records", manifest->records},
          {"bytes", manifest->bytes},
          {"objects", manifest->parts.size()},
          {"fetched_at", manifest->fetched_at},
          {"requests", urls}};
}

nlohmann::json QuarantineSample(lake::ObjectStore& store, const std::vector<std::string>& parts) {
  nlohmann::json sample = nlohmann::json::array();
  for (const std::string& key : parts) {
    auto reader = store.OpenRange(key, 0, kQuarantineBytes);
    if (!reader) continue;
    std::string text(kQuarantineBytes, '\0');
    size_t filled = 0;
    while (filled < text.size()) {
      auto got = (*reader)->Read(text.data() + filled, text.size() - filled);
      if (!got || *got == 0) break;
      filled += *got;
    }
    text.resize(filled);
    size_t start = 0;
    while (start < text.size() && sample.size() < kQuarantineSample) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) break;
      nlohmann::json line = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
      if (!line.is_discarded()) {
        line["quarantine_key"] = key;
        sample.push_back(std::move(line));
      }
      start = end + 1;
    }
    if (sample.size() >= kQuarantineSample) break;
  }
  return sample;
}

nlohmann::json CleanStep(lake::ObjectStore& store, const Pipeline& pipeline, const TableSpec& table,
                         const std::string& ds, nlohmann::json* sample) {
  std::string key = transform::CleanPartitionPrefix(pipeline.lake.clean_bucket,
                                                    pipeline.source.name, table.name, ds) +
                    std::string(transform::kSchemaFileName);
  auto schema = transform::ReadCleanSchema(store, key);
  if (!schema) return {{"schema_key", key}, {"status", "missing"}};
  *sample = QuarantineSample(store, schema->quarantine_parts);
  return {{"schema_key", key},
          {"status", "complete"},
          {"run_id", schema->run_id},
          {"raw_run_id", schema->raw_run_id},
          {"records_in", schema->records_in},
          {"rows", schema->rows},
          {"duplicates", schema->duplicates},
          {"quarantined", schema->quarantined},
          {"objects", schema->parts.size()},
          {"parts", schema->parts},
          {"quarantine_parts", schema->quarantine_parts}};
}

// The reconciliation report's entries by table; null when the run has none yet.
nlohmann::json Reconciliation(lake::ObjectStore& store, const Pipeline& pipeline,
                              const std::string& run_id, std::string* key) {
  *key = operators::ReconciliationKey(pipeline, run_id);
  auto text = lake::GetString(store, *key);
  if (!text) return nullptr;
  nlohmann::json report = nlohmann::json::parse(*text, nullptr, false);
  return report.is_object() ? report : nlohmann::json(nullptr);
}

Reply Lineage(ServerContext& context, Call& call) {
  auto dag = context.catalog.Get(call.Path("dag_id"));
  if (!dag) return ErrorReply(dag.error());
  auto run = context.store.GetRun(dag->record.dag_id, call.Path("dag_run_id"));
  if (!run) return ErrorReply(run.error());
  if (!dag->pipeline)
    return DetailReply(409, "the DAG's file no longer loads; see /api/v2/importErrors");
  if (!context.options.lake) return DetailReply(503, "no lake is configured for this server");
  const Pipeline& pipeline = *dag->pipeline;
  auto store = context.options.lake(pipeline);
  if (!store) return ErrorReply(store.error());
  std::string ds = run->logical_date ? FormatDate(*run->logical_date) : "";
  std::string report_key;
  nlohmann::json report = Reconciliation(**store, pipeline, run->run_id, &report_key);
  std::map<std::string, nlohmann::json> balance;
  if (report.is_object() && report["tables"].is_array()) {
    for (const auto& entry : report["tables"]) balance[entry.value("table", "")] = entry;
  }
  nlohmann::json tables = nlohmann::json::array();
  for (const TableSpec& table : pipeline.tables) {
    nlohmann::json sample = nlohmann::json::array();
    nlohmann::json raw = RawStep(**store, pipeline, table.resource, ds, run->run_id);
    nlohmann::json clean = CleanStep(**store, pipeline, table, ds, &sample);
    nlohmann::json loaded = nullptr;
    if (balance.count(table.name)) {
      loaded = {{"schema", pipeline.warehouse.schema},
                {"table", table.name},
                {"rows", balance[table.name].value("loaded", 0)}};
    }
    tables.push_back({{"table", table.name},
                      {"resource", table.resource},
                      {"api",
                       {{"records", raw.value("records", 0)},
                        {"requests", raw.value("requests", nlohmann::json::array())}}},
                      {"raw", raw},
                      {"clean", clean},
                      {"warehouse", loaded},
                      {"reconciliation",
                       balance.count(table.name) ? balance[table.name] : nlohmann::json(nullptr)},
                      {"quarantine", sample}});
  }
  return JsonReply(200, {{"dag_id", run->dag_id},
                         {"dag_run_id", run->run_id},
                         {"ds", ds},
                         {"state", metadb::DagRunStateName(run->state)},
                         {"reconciliation_key", report_key},
                         {"ok", report.is_object() ? report.value("ok", nlohmann::json(nullptr))
                                                   : nlohmann::json(nullptr)},
                         {"tables", tables}});
}

}  // namespace

void AddLineageRoutes(Router& router, ServerContext& context) {
  router.Add({"GET",
              "/api/v2/sluice/dags/{dag_id}/dagRuns/{dag_run_id}/lineage",
              Access::kViewer,
              [&context](Call& call) { return Lineage(context, call); },
              {.summary = "Lineage and reconciliation of a run: API -> raw -> clean -> PostgreSQL",
               .tag = "Sluice",
               .response_schema = "LineageResponse"}});
}

}  // namespace sluice::server
