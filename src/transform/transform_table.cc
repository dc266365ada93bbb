// TransformTable: one table's raw parts -> its clean partition.

#include <algorithm>
#include <chrono>
#include <set>

#include "core/heap.h"
#include "transform/dedupe.h"
#include "transform/iso_time.h"
#include "transform/part_read_ahead.h"
#include "transform/partition_writer.h"
#include "transform/transform.h"

namespace sluice::transform {
namespace {

Status ValidateRequest(const TransformRequest& request) {
  std::string date;
  if (request.ds.size() != 10 || !AppendIsoDate(request.ds, date)) {
    return Error::InvalidArgument("ds {:?} is not a date YYYY-MM-DD", request.ds);
  }
  if (request.run_id.empty()) return Error::InvalidArgument("run_id is empty");
  if (request.raw_run_id.empty()) return Error::InvalidArgument("raw_run_id is empty");
  if (request.pipeline.source.name.empty()) {
    return Error::InvalidArgument("the pipeline's source has no name");
  }
  return OkStatus();
}

// The records of every raw part, validated, deduplicated and written.
class TableRun {
 public:
  TableRun(const TransformRequest& request, const RowSchema& schema, std::string prefix)
      : request_(request),
        schema_(schema),
        prefix_(std::move(prefix)),
        reader_(schema),
        keys_(schema.primary_key_columns(), schema.table().columns),
        writer_(request.store, prefix_, schema.table().columns, request.options) {}

  Status Run(TransformReport& report);

 private:
  Status ReadParts();
  Status OnRecord(std::string_view raw_key, const JsonRecord& record);
  Status CheckCounts() const;
  Result<std::string> WriteSchema(TransformReport& report);
  Status DeleteStale(TransformReport& report);

  const TransformRequest& request_;
  const RowSchema& schema_;
  std::string prefix_;
  JsonRowReader reader_;
  PrimaryKeySet keys_;
  PartitionWriter writer_;
  std::vector<Cell> cells_;
  uint64_t records_in_ = 0, rows_out_ = 0, duplicates_ = 0, quarantined_ = 0;
};

Status TableRun::Run(TransformReport& report) {
  report.schema_key = prefix_ + std::string(kSchemaFileName);
  // A partition being rewritten must not look complete: schema.json goes first.
  if (Status deleted = request_.store.Delete(report.schema_key); !deleted) {
    return std::move(deleted).error().AddContext(report.schema_key);
  }
  SLUICE_TRY(ReadParts());
  SLUICE_TRY(writer_.Finish());
  SLUICE_TRY(CheckCounts());
  report.records_in = records_in_;
  report.rows_out = rows_out_;
  report.duplicates = duplicates_;
  report.quarantined = quarantined_;
  report.bytes_in = reader_.bytes_read();
  report.parts = writer_.parts();
  report.quarantine_parts = writer_.quarantine_parts();
  report.ignored_field_count = reader_.ignored_field_count();
  report.ignored_fields = reader_.ignored_field_names();
  SLUICE_ASSIGN_OR_RETURN(std::string schema_json, WriteSchema(report));
  report.bytes_out = writer_.bytes_written() + schema_json.size();
  return DeleteStale(report);
}

Status TableRun::ReadParts() {
  // Free blocks under the mmap threshold stay in the heap's free lists: the
  // manifest's parse tree before the first part, then what thousands of parts
  // leave behind. The heap's resident pages grew with the input (2.4 MiB at
  // 500 pages of photos, 18.6 MiB at 5,000) while what was in use did not.
  // Trimming first and then every kTrimEveryBytes gives the free pages back,
  // for a few hundred microseconds each time.
  constexpr uint64_t kTrimEveryBytes = uint64_t{64} << 20;
  TrimHeap();
  uint64_t trimmed_at = reader_.bytes_read();
  PartReadAhead parts(request_.store, request_.raw_part_keys);
  for (const std::string& key : request_.raw_part_keys) {
    if (reader_.bytes_read() - trimmed_at >= kTrimEveryBytes) {
      TrimHeap();
      trimmed_at = reader_.bytes_read();
    }
    SLUICE_ASSIGN_OR_RETURN(PartReadAhead::Part part, parts.Next());
    auto on_record = [&](const JsonRecord& record) { return OnRecord(key, record); };
    SLUICE_TRY(part.pieces != nullptr ? reader_.ReadPart(key, *part.pieces, on_record)
                                      : reader_.ReadPaddedPart(key, part.whole, on_record));
  }
  return OkStatus();
}

Status TableRun::OnRecord(std::string_view raw_key, const JsonRecord& record) {
  ++records_in_;
  if (Status cast = CastRecord(schema_, record, cells_); !cast) {
    ++quarantined_;
    return writer_.Quarantine(cast.error().message(), raw_key, record.index, record.raw_json);
  }
  if (!keys_.Insert(cells_)) {
    ++duplicates_;
    return OkStatus();
  }
  ++rows_out_;
  return writer_.WriteRow(cells_);
}

Status TableRun::CheckCounts() const {
  if (records_in_ != rows_out_ + duplicates_ + quarantined_) {
    return Error::Internal("records in {} != rows {} + duplicates {} + quarantined {}", records_in_,
                           rows_out_, duplicates_, quarantined_);
  }
  if (request_.records_expected && *request_.records_expected != records_in_) {
    return Error::DataLoss("read {} records from {} raw parts of run {}, its manifest says {}",
                           records_in_, request_.raw_part_keys.size(), request_.raw_run_id,
                           *request_.records_expected)
        .Hint("the raw partition is incomplete or was changed: re-run the extract for ds {}",
              request_.ds);
  }
  return OkStatus();
}

Result<std::string> TableRun::WriteSchema(TransformReport& report) {
  CleanSchema schema;
  const TableSpec& table = schema_.table();
  schema.table = table.name;
  schema.source = request_.pipeline.source.name;
  schema.ds = request_.ds;
  schema.run_id = request_.run_id;
  schema.raw_run_id = request_.raw_run_id;
  schema.columns = table.columns;
  schema.primary_key = table.primary_key;
  schema.parts = report.parts;
  schema.quarantine_parts = report.quarantine_parts;
  schema.raw_parts = request_.raw_part_keys;
  schema.rows = report.rows_out;
  schema.records_in = report.records_in;
  schema.duplicates = report.duplicates;
  schema.quarantined = report.quarantined;
  schema.bytes_in = report.bytes_in;
  schema.ignored_field_count = report.ignored_field_count;
  schema.ignored_fields = report.ignored_fields;
  std::string json = SerializeCleanSchema(schema);
  if (Status put = lake::PutString(request_.store, report.schema_key, json); !put) {
    return std::move(put).error().AddContext(report.schema_key);
  }
  return json;
}

// Objects of the old partition the new schema.json does not list: parts of a
// bigger previous run, an old quarantine, anything else under the prefix.
Status TableRun::DeleteStale(TransformReport& report) {
  std::set<std::string_view> listed(report.parts.begin(), report.parts.end());
  listed.insert(report.quarantine_parts.begin(), report.quarantine_parts.end());
  listed.insert(report.schema_key);
  SLUICE_ASSIGN_OR_RETURN(std::vector<lake::ObjectInfo> objects, request_.store.List(prefix_));
  for (const lake::ObjectInfo& object : objects) {
    if (listed.contains(object.key)) continue;
    if (Status deleted = request_.store.Delete(object.key); !deleted) {
      return std::move(deleted).error().AddContext(object.key);
    }
    report.deleted_keys.push_back(object.key);
  }
  return OkStatus();
}

}  // namespace

Result<TransformReport> TransformTable(const TransformRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  const std::string context =
      fmt::format("transform table {} ds {}", request.table.name, request.ds);
  auto with_context = [&context](Error error) { return std::move(error).AddContext(context); };
  if (Status valid = ValidateRequest(request); !valid) return with_context(valid.error());
  Result<RowSchema> schema = RowSchema::Make(request.table);
  if (!schema) return with_context(schema.error());
  const std::string& bucket =
      request.clean_bucket.empty() ? request.pipeline.lake.clean_bucket : request.clean_bucket;
  TransformReport report;
  report.table = request.table.name;
  TableRun run(
      request, *schema,
      CleanPartitionPrefix(bucket, request.pipeline.source.name, request.table.name, request.ds));
  if (Status done = run.Run(report); !done) return with_context(done.error());
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace sluice::transform
