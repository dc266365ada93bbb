// Arbitrary bytes as one raw part through the whole transform path (read,
// flatten, rename, cast, dedupe, CSV, quarantine, schema.json) of a fixed
// table, on an in-memory store. Must never crash, leak or hang; what it writes
// must be well-formed: CSV parts with the header's field count on every row,
// one valid JSON document per quarantine line, counts that reconcile; and the
// part read in windows of one record, or streamed from a reader, gives the
// records it gives read whole (and, valid JSON, succeeds or fails alike).
// tests/transform/fuzz_regression_test.cc replays fuzz/corpus/json_rows and
// tests/transform/fuzz_cases through this function in every test run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"
#include "transform/transform.h"

namespace {

using namespace sluice;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "json_rows_fuzz: %s\n", what);
  std::abort();
}

// Objects in a map: enough of an ObjectStore for the transform's own use.
class MemoryStore final : public lake::ObjectStore {
 public:
  class Writer final : public lake::ObjectWriter {
   public:
    Writer(MemoryStore& store, std::string key) : store_(store), key_(std::move(key)) {}
    Status Write(std::string_view bytes) override {
      data_.append(bytes);
      return OkStatus();
    }
    Status Commit() override {
      store_.objects_[key_] = data_;
      return OkStatus();
    }
    uint64_t bytes_written() const override { return data_.size(); }

   private:
    MemoryStore& store_;
    std::string key_;
    std::string data_;
  };
  class Reader final : public lake::ObjectReader {
   public:
    explicit Reader(std::string data) : data_(std::move(data)) {}
    Result<size_t> Read(char* buffer, size_t capacity) override {
      // Short reads on purpose: the reader must loop.
      const size_t n = std::min({capacity, data_.size() - offset_, size_t{7}});
      std::memcpy(buffer, data_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    uint64_t size() const override { return data_.size(); }

   private:
    std::string data_;
    size_t offset_ = 0;
  };

  Result<std::unique_ptr<lake::ObjectWriter>> Create(std::string_view key) override {
    SLUICE_TRY(lake::ValidateKey(key));
    return std::unique_ptr<lake::ObjectWriter>(new Writer(*this, std::string(key)));
  }
  Result<std::unique_ptr<lake::ObjectReader>> Open(std::string_view key) override {
    SLUICE_TRY(lake::ValidateKey(key));
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Error::NotFound("{}: no such object", key);
    return std::unique_ptr<lake::ObjectReader>(new Reader(it->second));
  }
  Result<std::unique_ptr<lake::ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                        uint64_t length) override {
    SLUICE_ASSIGN_OR_RETURN(std::string data, lake::GetString(*this, key));
    data = data.substr(std::min<uint64_t>(offset, data.size()), length);
    return std::unique_ptr<lake::ObjectReader>(new Reader(std::move(data)));
  }
  Result<lake::ObjectInfo> Head(std::string_view key) override {
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Error::NotFound("{}: no such object", key);
    return lake::ObjectInfo{it->first, it->second.size(), {}};
  }
  Result<std::vector<lake::ObjectInfo>> List(std::string_view prefix) override {
    std::vector<lake::ObjectInfo> out;
    for (auto it = objects_.lower_bound(std::string(prefix));
         it != objects_.end() && it->first.starts_with(prefix); ++it) {
      out.push_back({it->first, it->second.size(), {}});
    }
    return out;
  }
  Status Delete(std::string_view key) override {
    objects_.erase(std::string(key));
    return OkStatus();
  }
  std::string Describe() const override { return "memory"; }

  std::map<std::string, std::string, std::less<>> objects_;
};

Pipeline FuzzPipeline() {
  Pipeline pipeline;
  pipeline.source.name = "src";
  pipeline.lake.clean_bucket = "clean";
  TableSpec table;
  table.name = "t";
  table.resource = "r";
  table.columns = {{"id", ColumnType::kBigint, "id", true},
                   {"user_id", ColumnType::kBigint, "user_id", false},
                   {"name", ColumnType::kText, "name", false},
                   {"lat", ColumnType::kDouble, "address_geo_lat", false},
                   {"amount", ColumnType::kNumeric, "amount", false},
                   {"done", ColumnType::kBoolean, "completed", false},
                   {"at", ColumnType::kTimestamp, "created_at", false},
                   {"day", ColumnType::kDate, "day", false},
                   {"address", ColumnType::kJsonb, "address", false},
                   {"tags", ColumnType::kJsonb, "tags", false},
                   {"id_text", ColumnType::kText, "id", false}};
  table.primary_key = {"id"};
  pipeline.tables.push_back(table);
  return pipeline;
}

// Counts the records of an RFC 4180 text and checks every one has `fields` fields.
size_t CountCsvRecords(std::string_view csv, size_t fields) {
  size_t records = 0, in_record = 1;
  bool quoted = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        ++i;
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      ++in_record;
    } else if (c == '\n') {
      if (in_record != fields) Fail("CSV row with a wrong field count");
      ++records;
      in_record = 1;
    }
  }
  if (quoted || (!csv.empty() && csv.back() != '\n')) Fail("CSV part not ended by a row");
  return records;
}

void CheckPartition(MemoryStore& store, const transform::TransformReport& report,
                    const TableSpec& table) {
  if (report.records_in != report.rows_out + report.duplicates + report.quarantined) {
    Fail("counts do not reconcile");
  }
  size_t rows = 0;
  for (const std::string& part : report.parts) {
    rows += CountCsvRecords(store.objects_.at(part), table.columns.size()) - 1;
  }
  if (rows != report.rows_out) Fail("CSV rows differ from rows_out");
  size_t lines = 0;
  for (const std::string& part : report.quarantine_parts) {
    const std::string& text = store.objects_.at(part);
    for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
         start = end + 1) {
      if (!nlohmann::json::accept(std::string_view(text).substr(start, end - start))) {
        Fail("quarantine line is not JSON");
      }
      ++lines;
    }
  }
  if (lines != report.quarantined) Fail("quarantine lines differ from quarantined");
  Result<transform::CleanSchema> schema = transform::ReadCleanSchema(store, report.schema_key);
  if (!schema || schema->rows != report.rows_out) Fail("schema.json unreadable or wrong");
}

// The records of a part as text, read with the given window: from memory, or
// streamed from a reader that gives a few bytes at a time.
std::vector<std::string> RecordsOf(std::string_view bytes, size_t window_bytes, bool streamed,
                                   bool& ok) {
  static const Pipeline pipeline = FuzzPipeline();
  static const transform::RowSchema schema = *transform::RowSchema::Make(pipeline.tables[0]);
  transform::JsonRowReader reader(schema, window_bytes);
  std::vector<std::string> records;
  auto keep = [&](const transform::JsonRecord& record) {
    std::string text = fmt::format("{}|{}|{}", record.index, record.raw_json, record.problem);
    for (const transform::JsonValue& value : record.values) {
      text += fmt::format("|{}:{}", static_cast<int>(value.kind), value.text);
    }
    records.push_back(std::move(text));
    return OkStatus();
  };
  if (streamed) {
    MemoryStore::Reader part{std::string(bytes)};
    ok = static_cast<bool>(reader.ReadPart("p", part, keep));
  } else {
    ok = static_cast<bool>(reader.ReadPart("p", bytes, keep));
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Pipeline pipeline = FuzzPipeline();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  std::string appended;
  transform::AppendSnakeCase(appended, bytes.substr(0, 64));
  if (appended != ToSnakeCase(bytes.substr(0, 64))) Fail("AppendSnakeCase differs from core");

  // Read whole, cut into windows of one record, or streamed in windows of one
  // record or of the whole, a part gives the same records. On-Demand accepts
  // some malformed JSON it only skips over, and a streamed read that finds the
  // structure broken parses only what follows its last cut, not the whole
  // part: for valid JSON alone, every read must also succeed or fail alike.
  bool whole_ok = false, windowed_ok = false, streamed_ok = false, streamed_whole_ok = false;
  const std::vector<std::string> whole = RecordsOf(bytes, bytes.size() + 1, false, whole_ok);
  const std::vector<std::string> windowed = RecordsOf(bytes, 1, false, windowed_ok);
  if (whole_ok && windowed_ok && whole != windowed) Fail("windows read other records");
  const std::vector<std::string> streamed = RecordsOf(bytes, 1, true, streamed_ok);
  const std::vector<std::string> streamed_whole =
      RecordsOf(bytes, bytes.size() + 1, true, streamed_whole_ok);
  if ((whole_ok && streamed_ok && streamed != whole) ||
      (whole_ok && streamed_whole_ok && streamed_whole != whole)) {
    Fail("a streamed read gives other records");
  }
  if (nlohmann::json::accept(bytes) && (streamed_ok != whole_ok || streamed_whole_ok != whole_ok)) {
    Fail("a streamed read and a whole read of valid JSON disagree on whether it is readable");
  }

  MemoryStore store;
  const std::string key = "raw/src/r/ds=2025-03-15/run=r1/part-00000.json";
  store.objects_[key] = std::string(bytes);
  transform::TransformRequest request(store, pipeline, pipeline.tables[0]);
  request.ds = "2025-03-15";
  request.run_id = "r2";
  request.raw_run_id = "r1";
  request.raw_part_keys = {key, key};
  request.options.max_rows_per_part = 3;
  request.options.max_quarantine_lines_per_part = 2;
  request.options.write_buffer_bytes = 64;
  Result<transform::TransformReport> report = transform::TransformTable(request);
  if (report) {
    CheckPartition(store, *report, pipeline.tables[0]);
  } else if (report.error().code() != Code::kDataLoss) {
    Fail("a raw part failed with something else than kDataLoss");
  }
  return 0;
}
