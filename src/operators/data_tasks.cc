// The data kinds: http_extract, transform, create_tables, postgres_load.
#include "operators/data_tasks.h"

#include <algorithm>
#include <atomic>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "transform/transform.h"

namespace sluice::operators {
namespace {

std::vector<const ResourceSpec*> SelectedResources(const TaskRun& run) {
  std::vector<const ResourceSpec*> selected;
  for (const ResourceSpec& resource : run.pipeline.source.resources) {
    if (run.map_item.empty() || resource.name == run.map_item) selected.push_back(&resource);
  }
  return selected;
}

std::vector<const TableSpec*> SelectedTables(const TaskRun& run) {
  std::vector<const TableSpec*> selected;
  for (const TableSpec& table : run.pipeline.tables) {
    if (run.map_item.empty() || table.name == run.map_item) selected.push_back(&table);
  }
  return selected;
}

Status CheckItemExists(const TaskRun& run, size_t selected) {
  if (selected == 0) {
    return Error::InvalidArgument("task {} has no item '{}' to run", run.task.id, run.map_item);
  }
  return {};
}

void Log(const TaskRun& run, std::string_view line) {
  if (run.log) run.log(MaskSecrets(line));
}

// Tables transformed side by side, and the raw partition size up to which a
// table counts as small (one resource of the seed is a few hundred KiB).
constexpr size_t kTablesAtOnce = 4;
constexpr uint64_t kSmallTableBytes = uint64_t{4} << 20;

struct PlannedTransform {
  transform::TransformRequest request;
  uint64_t raw_bytes = 0;
};

// The transform of the table's raw partition for the run. Its manifest, with
// every part's URL and digest, is not kept.
Result<PlannedTransform> PlanTransform(lake::ObjectStore& store, const TaskRun& run,
                                       const TableSpec& table) {
  const Pipeline& pipeline = run.pipeline;
  SLUICE_ASSIGN_OR_RETURN(
      source::RawManifest manifest,
      source::FindRawPartition(store, pipeline.lake.raw_bucket, pipeline.source.name,
                               table.resource, run.ds, run.run_id));
  PlannedTransform planned{.request = transform::TransformRequest(store, pipeline, table),
                           .raw_bytes = manifest.bytes};
  transform::TransformRequest& request = planned.request;
  request.ds = run.ds;
  request.run_id = run.run_id;
  request.raw_run_id = manifest.run_id;
  for (source::RawPart& part : manifest.parts) request.raw_part_keys.push_back(std::move(part.key));
  request.records_expected = manifest.records;
  return planned;
}

}  // namespace

Result<TaskOutcome> RunExtract(TaskEnvironment& environment, const TaskRun& run) {
  const Pipeline& pipeline = run.pipeline;
  std::vector<const ResourceSpec*> resources = SelectedResources(run);
  SLUICE_TRY(CheckItemExists(run, resources.size()));
  SLUICE_ASSIGN_OR_RETURN(Url source_url,
                          environment.Connection(pipeline, pipeline.source.connection));
  SLUICE_ASSIGN_OR_RETURN(lake::ObjectStore * store, environment.Lake(pipeline));
  SLUICE_ASSIGN_OR_RETURN(source::HttpClient * client, environment.Http(pipeline.source));

  // Only the selected resources: a mapped instance fetches its own.
  SourceSpec source = pipeline.source;
  source.resources.clear();
  for (const ResourceSpec* resource : resources) source.resources.push_back(*resource);

  std::string base_url = source_url.ToStringWithPassword();
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  source::ExtractRequest request{.client = *client,
                                 .store = *store,
                                 .clock = environment.clock(),
                                 .source = source,
                                 .base_url = base_url,
                                 .raw_bucket = pipeline.lake.raw_bucket,
                                 .ds = run.ds,
                                 .run_id = run.run_id,
                                 .options = {.counters = &environment.source_counters()}};
  Log(run, fmt::format("extracting {} resource(s) of {} from {}", source.resources.size(),
                       source.name, source_url.ToString()));
  SLUICE_ASSIGN_OR_RETURN(std::vector<source::ExtractReport> reports, source::ExtractAll(request));
  TaskOutcome outcome;
  for (const source::ExtractReport& report : reports) {
    outcome.records_out += report.records;
    outcome.bytes_out += report.bytes;
    outcome.http_requests += report.requests;
    outcome.http_retries += report.retries;
    outcome.items.push_back({report.resource, report.records, report.bytes,
                             fmt::format("{} part(s), {} request(s), {} retried", report.parts,
                                         report.requests, report.retries)});
    outcome.object_keys.insert(outcome.object_keys.end(), report.object_keys.begin(),
                               report.object_keys.end());
    outcome.object_keys.push_back(report.manifest_key);
    Log(run, fmt::format("{}: {} records, {} bytes, {} part(s) -> {}", report.resource,
                         report.records, report.bytes, report.parts, report.manifest_key));
  }
  return outcome;
}

Result<TaskOutcome> RunTransform(TaskEnvironment& environment, const TaskRun& run) {
  const Pipeline& pipeline = run.pipeline;
  std::vector<const TableSpec*> tables = SelectedTables(run);
  SLUICE_TRY(CheckItemExists(run, tables.size()));
  SLUICE_ASSIGN_OR_RETURN(lake::ObjectStore * store, environment.Lake(pipeline));
  auto table_error = [&tables](size_t i, Error error) {
    return std::move(error).AddContext(fmt::format("table {}", tables[i]->name));
  };
  std::vector<std::string> raw_run_ids(tables.size());
  std::vector<std::optional<Result<transform::TransformReport>>> reports(tables.size());

  // A small table's time is mostly round trips to the store, so small tables
  // go side by side, and beside a large one. A large one starts when every
  // table before it has finished without error, so two are never in memory
  // at once, and its manifest (thousands of parts) is read only then.
  std::vector<std::thread> small_tables;
  std::thread large_table;
  auto run_on_thread = [&reports](std::thread& thread, size_t i,
                                  transform::TransformRequest request) {
    auto transform = [&reports, i, request = std::move(request)] {
      reports[i] = transform::TransformTable(request);
    };
    try {
      thread = std::thread(transform);
    } catch (const std::system_error&) {
      transform();  // no thread to be had: this one does it
    }
  };
  auto join = [](std::thread& thread) {
    if (thread.joinable()) thread.join();
  };
  // Waits for every table under way; the first failure in the pipeline's order.
  auto finish_all = [&]() -> Status {
    for (std::thread& thread : small_tables) join(thread);
    small_tables.clear();
    join(large_table);
    for (size_t i = 0; i < tables.size(); ++i) {
      if (reports[i] && !*reports[i]) return table_error(i, reports[i]->error());
    }
    return OkStatus();
  };
  for (size_t i = 0; i < tables.size(); ++i) {
    Result<PlannedTransform> planned = PlanTransform(*store, run, *tables[i]);
    if (!planned) {
      SLUICE_TRY(finish_all());
      return table_error(i, std::move(planned).error());
    }
    raw_run_ids[i] = planned->request.raw_run_id;
    if (planned->raw_bytes > kSmallTableBytes) {
      SLUICE_TRY(finish_all());
      run_on_thread(large_table, i, std::move(planned->request));
      continue;
    }
    if (small_tables.size() == kTablesAtOnce) {
      // The oldest is done first, mostly: wait for it, and check it with the others.
      join(small_tables.front());
      small_tables.erase(small_tables.begin());
    }
    run_on_thread(small_tables.emplace_back(), i, std::move(planned->request));
  }
  SLUICE_TRY(finish_all());

  TaskOutcome outcome;
  for (size_t i = 0; i < tables.size(); ++i) {
    const TableSpec* table = tables[i];
    const transform::TransformReport& report = **reports[i];
    outcome.records_in += report.records_in;
    outcome.records_out += report.rows_out;
    outcome.bytes_in += report.bytes_in;
    outcome.bytes_out += report.bytes_out;
    outcome.items.push_back(
        {table->name, report.rows_out, report.bytes_out,
         fmt::format("{} in, {} duplicate(s), {} quarantined", report.records_in, report.duplicates,
                     report.quarantined)});
    outcome.object_keys.insert(outcome.object_keys.end(), report.parts.begin(), report.parts.end());
    outcome.object_keys.push_back(report.schema_key);
    Log(run, fmt::format("{}: {} records from raw run {} -> {} rows, {} duplicates, {} "
                         "quarantined -> {}",
                         table->name, report.records_in, raw_run_ids[i], report.rows_out,
                         report.duplicates, report.quarantined, report.schema_key));
  }
  return outcome;
}

Result<TaskOutcome> RunCreateTables(TaskEnvironment& environment, const TaskRun& run) {
  const Pipeline& pipeline = run.pipeline;
  std::vector<const TableSpec*> selected = SelectedTables(run);
  SLUICE_TRY(CheckItemExists(run, selected.size()));
  std::vector<TableSpec> tables;
  tables.reserve(selected.size());
  for (const TableSpec* table : selected) tables.push_back(*table);
  SLUICE_ASSIGN_OR_RETURN(auto warehouse,
                          environment.Warehouse(pipeline, pipeline.warehouse.connection));
  SLUICE_TRY(warehouse->EnsureTables(pipeline.warehouse.schema, tables));
  TaskOutcome outcome;
  for (const TableSpec& table : tables) {
    outcome.items.push_back({table.name, 0, 0,
                             fmt::format("{}.{} ready, {} column(s)", pipeline.warehouse.schema,
                                         table.name, table.columns.size())});
  }
  Log(run, fmt::format("{} table(s) ready in schema {} of {}", tables.size(),
                       pipeline.warehouse.schema, warehouse->Describe()));
  return outcome;
}

// The order to load the tables in: the most rows first, by the "rows" of
// each schema.json, which is read here once for the load. A schema.json
// that cannot be read or parsed here counts as empty: its load reads it
// again and fails with the full story.
std::vector<size_t> LargestFirst(std::vector<warehouse::LoadRequest>& requests) {
  std::vector<int64_t> rows(requests.size(), 0);
  for (size_t i = 0; i < requests.size(); ++i) {
    Result<std::string> text = lake::GetString(requests[i].store, requests[i].manifest_key);
    if (!text) continue;
    nlohmann::json manifest = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (manifest.is_object() && manifest.contains("rows") && manifest["rows"].is_number_integer()) {
      rows[i] = manifest["rows"].get<int64_t>();
    }
    requests[i].manifest_text = std::move(*text);
  }
  std::vector<size_t> order(requests.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&rows](size_t a, size_t b) { return rows[a] > rows[b]; });
  return order;
}

Result<TaskOutcome> RunLoad(TaskEnvironment& environment, const TaskRun& run) {
  const Pipeline& pipeline = run.pipeline;
  std::vector<const TableSpec*> tables = SelectedTables(run);
  SLUICE_TRY(CheckItemExists(run, tables.size()));
  SLUICE_ASSIGN_OR_RETURN(lake::ObjectStore * store, environment.Lake(pipeline));
  SLUICE_ASSIGN_OR_RETURN(auto warehouse,
                          environment.Warehouse(pipeline, pipeline.warehouse.connection));
  std::vector<warehouse::LoadRequest> requests;
  requests.reserve(tables.size());
  for (const TableSpec* table : tables) {
    std::string schema_key =
        transform::CleanPartitionPrefix(pipeline.lake.clean_bucket, pipeline.source.name,
                                        table->name, run.ds) +
        std::string(transform::kSchemaFileName);
    requests.push_back({.store = *store,
                        .schema = pipeline.warehouse.schema,
                        .table = *table,
                        .manifest_key = std::move(schema_key),
                        .part_keys = {},
                        .run_id = run.run_id,
                        .manifest_text = std::nullopt});
  }

  // A COPY keeps one PostgreSQL backend busy on one core. A second connection
  // takes the next table while the first loads a large one, so the other core
  // works too. The tables go largest first (by the rows their schema.json
  // lists), so the largest does not start late behind smaller ones. Each table
  // is still its own transaction; after a failure no table starts.
  const std::vector<size_t> order = LargestFirst(requests);
  std::vector<std::optional<Result<warehouse::LoadReport>>> reports(tables.size());
  std::atomic<size_t> next_table{0};
  std::atomic<bool> failed{false};
  auto load_tables = [&](warehouse::Warehouse& connection) {
    while (!failed) {
      const size_t taken = next_table++;
      if (taken >= order.size()) return;
      const size_t i = order[taken];
      reports[i] = connection.LoadTable(requests[i]);
      if (!*reports[i]) failed = true;
    }
  };
  std::optional<std::thread> second;
  Status second_connection;
  if (tables.size() > 1) {
    auto load_on_a_second_connection = [&] {
      auto connection = environment.Warehouse(pipeline, pipeline.warehouse.connection);
      if (!connection) {
        second_connection = std::move(connection).error();
        return;  // the first connection loads every table
      }
      load_tables(**connection);
    };
    try {
      second.emplace(load_on_a_second_connection);
    } catch (const std::system_error&) {
      // no thread to be had: the first connection loads every table
    }
  }
  load_tables(*warehouse);
  if (second) second->join();
  if (!second_connection) {
    Log(run,
        "loaded on one connection; a second did not open: " + second_connection.error().ToString());
  }

  // The first failure in the pipeline's order; the tables after a failure
  // in the loading order never started.
  for (size_t i = 0; i < tables.size(); ++i) {
    if (reports[i] && !*reports[i]) {
      return std::move(*reports[i]).error().AddContext(fmt::format("table {}", tables[i]->name));
    }
  }
  TaskOutcome outcome;
  std::vector<TableLoad> loads;
  for (size_t i = 0; i < tables.size(); ++i) {
    const TableSpec* table = tables[i];
    const warehouse::LoadReport& report = **reports[i];
    outcome.records_in += static_cast<uint64_t>(report.rows_copied);
    outcome.records_out += static_cast<uint64_t>(report.rows_inserted + report.rows_updated);
    outcome.bytes_in += report.bytes;
    outcome.items.push_back(
        {table->name, static_cast<uint64_t>(report.rows_copied), report.bytes,
         fmt::format("inserted {}, updated {}, unchanged {}", report.rows_inserted,
                     report.rows_updated, report.rows_unchanged)});
    Log(run, fmt::format("{}: {} rows copied, {} inserted, {} updated, {} unchanged", report.table,
                         report.rows_copied, report.rows_inserted, report.rows_updated,
                         report.rows_unchanged));
    loads.push_back({table, requests[i].manifest_key, report});
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<TableReconciliation> balance,
                          Reconcile(*store, pipeline, run, loads));
  SLUICE_ASSIGN_OR_RETURN(std::string report_key,
                          WriteReconciliation(*store, pipeline, run, balance));
  outcome.object_keys.push_back(report_key);
  outcome.notes = FormatReconciliation(balance);
  for (const std::string& line : outcome.notes) Log(run, line);
  for (const TableReconciliation& table : balance) {
    if (!table.ok()) {
      return Error::DataLoss(
                 "reconciliation failed for table {}: fetched {} != loaded {} + quarantined {} + "
                 "duplicates {}",
                 table.table, table.fetched, table.loaded, table.quarantined, table.duplicates)
          .Hint("see {} and the quarantine objects of the table", report_key);
    }
  }
  return outcome;
}

}  // namespace sluice::operators
