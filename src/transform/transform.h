// transform: raw JSON parts in the lake -> clean typed CSV parts per table.
//
// One table at a time (TransformTable): every raw part of the table's resource
// is stream-parsed with simdjson On-Demand (never a tree of the input), each
// record is flattened ("address.geo.lat" -> address_geo_lat, camelCase ->
// snake_case), its declared columns are cast to their ColumnType, records are
// deduplicated on the primary key, and the rows go to
//   <clean_bucket>/<source>/<table>/ds=<ds>/part-NNNNN.csv
// with records that fail validation in .../quarantine/part-NNNNN.jsonl (each
// with its reason) and schema.json written last.
//
// Field names follow core's rule (ToSnakeCase / FlattenedFieldName in
// core/pipeline.h): "address.geo.lat" -> address_geo_lat, "userId" -> user_id,
// "HTTPServer2Id" -> http_server2_id.
// Arrays are never flattened: an array is one field whose value is its JSON text.
//
// Thread-safety: the free functions are pure and thread-safe. RowSchema is
// immutable once made. JsonRowReader and CsvWriter are used by one thread each.
// No exception crosses this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"

namespace sluice::transform {

// ---------------------------------------------------------------- naming

// Appends sluice::ToSnakeCase(name) to out: the same rule, without allocating
// once out has grown (the reader renames every key of every record).
void AppendSnakeCase(std::string& out, std::string_view name);

// ---------------------------------------------------------------- values

enum class JsonKind { kAbsent, kNull, kString, kNumber, kBoolean, kObject, kArray };
std::string_view JsonKindName(JsonKind kind);  // "absent", "null", "string", ...

// One field of a record as read from JSON. text is: the unescaped string
// (kString), the number exactly as written (kNumber), "true"/"false"
// (kBoolean), the minified JSON text (kObject, kArray); empty otherwise.
// has_nul: a string (or, for objects and arrays, a string or key inside)
// holds U+0000, which PostgreSQL text and jsonb cannot store.
struct JsonValue {
  JsonKind kind = JsonKind::kAbsent;
  std::string_view text;
  bool has_nul = false;
};

// One cast cell: NULL, or the text PostgreSQL reads for the column's type.
struct Cell {
  bool is_null = true;
  std::string text;  // reused between casts
  // The text can never need CSV quoting: a number, boolean, timestamp or
  // date as the cast wrote it (never text or jsonb).
  bool is_plain = false;
};

// Casts value to type into cell (absent and null -> NULL). On failure,
// kInvalidArgument "expected bigint, got string \"abc\"" (the caller adds the
// column). The rules, per type:
// - bigint: a JSON integer, or a string holding one ("-12"; leading zeros
//   allowed); out of the int64 range, a fraction or an exponent is an error.
//   Written normalised ("007" -> 7).
// - double: a JSON number, or a string in JSON number syntax ("-37.3159"), or
//   "NaN", "Infinity", "-Infinity"; out of the double range is an error. Written as given.
// - numeric: a JSON number or a string in JSON number syntax, or "NaN"; the
//   exact decimal text is kept.
// - text: a string as is; numbers and booleans as their JSON text; objects and
//   arrays as minified JSON. A string holding U+0000 is an error.
// - boolean: true/false, or the strings "true"/"false".
// - timestamp: an ISO 8601 string "YYYY-MM-DD[(T| )HH:MM[:SS[.f...]]][Z|±HH[:MM]]"
//   (no offset = UTC), normalised to UTC "YYYY-MM-DD HH:MM:SS[.ffffff]+00"
//   (fraction cut to microseconds, written only when not zero).
// - date: "YYYY-MM-DD", or an ISO 8601 date-time whose calendar date, as
//   written, is taken.
// - jsonb: the value's minified JSON text (a string becomes "\"...\""); any
//   U+0000 inside is an error.
Status CastValue(ColumnType type, const JsonValue& value, Cell& cell);

// ---------------------------------------------------------------- records

// The columns of one table, indexed by the flattened field each comes from.
class RowSchema {
 public:
  // kInvalidArgument for a table without columns or with a primary key naming
  // a missing column. Primary key columns are made required. A field may be
  // both a column and the parent of others ("address" as jsonb next to
  // "address_city"): the object feeds all of them.
  static Result<RowSchema> Make(const TableSpec& table);

  const TableSpec& table() const { return table_; }
  size_t column_count() const { return table_.columns.size(); }
  struct FieldUse {
    // First column fed by the field, or -1; next_column_of_field() walks the
    // others (two columns may read one field).
    int column = -1;
    // The field is the parent of a column's field ("address_geo" of "address_geo_lat").
    bool is_parent = false;
  };
  // One lookup per key of every record: what a flattened field feeds.
  FieldUse Find(std::string_view field) const {
    const auto it = fields_.find(field);
    return it == fields_.end() ? FieldUse{} : it->second;
  }
  int ColumnOfField(std::string_view field) const { return Find(field).column; }
  bool IsParentOfField(std::string_view field) const { return Find(field).is_parent; }
  int next_column_of_field(int column) const { return next_same_field_[column]; }
  std::span<const int> primary_key_columns() const { return primary_key_columns_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  TableSpec table_;
  std::unordered_map<std::string, FieldUse, Hash, std::equal_to<>> fields_;
  std::vector<int> next_same_field_;
  std::vector<int> primary_key_columns_;
};

// One record of a raw part, valid during the callback only.
struct JsonRecord {
  uint64_t index = 0;                 // position in its part, from 0
  std::span<const JsonValue> values;  // one per RowSchema column
  // The record's JSON text as it appears in the part (may span lines).
  std::string_view raw_json;
  // Why the record cannot be a row (not an object; a column's field given
  // twice, by a repeated key or by "a_b" next to {"a":{"b":..}}); empty when fine.
  std::string_view problem;
};

// Casts every column of a record into cells (resized to the column count).
// The error message is the quarantine reason: "column user_id: expected
// bigint, got string \"abc\"", "required column id is missing", "required
// column id is null", every failing column joined with "; ".
Status CastRecord(const RowSchema& schema, const JsonRecord& record, std::vector<Cell>& cells);

// Streams the records of raw parts: a top-level array of records, or one
// object as one record. simdjson On-Demand needs the bytes it parses in
// memory, so an array larger than window_bytes (an unpaginated resource) is
// cut at its top-level commas and parsed a window of whole records at a time:
// simdjson's own buffers, which would be several times the part's size, stay
// those of one window. A part read from an ObjectReader is cut as its bytes
// arrive, so it is never held whole either: memory is a window, one record
// and one read. (A part that is not an array, or is malformed, is read to its
// end and parsed whole: it gives the same records, or fails as the whole
// would.)
class JsonRowReader {
 public:
  using RecordFn = std::function<Status(const JsonRecord&)>;

  static constexpr size_t kWindowBytes = 256u << 10;
  explicit JsonRowReader(const RowSchema& schema, size_t window_bytes = kWindowBytes);
  ~JsonRowReader();
  JsonRowReader(const JsonRowReader&) = delete;
  JsonRowReader& operator=(const JsonRowReader&) = delete;

  // Calls on_record for each record, in order; stops at the first error
  // on_record returns. JSON that is malformed (or a top level that is neither
  // an array nor an object) is kDataLoss naming part_name and the byte offset.
  Status ReadPart(std::string_view part_name, std::string_view json, const RecordFn& on_record);
  // The same, reading the part from reader as it arrives (its bytes are
  // counted in bytes_read()).
  Status ReadPart(std::string_view part_name, lake::ObjectReader& reader,
                  const RecordFn& on_record);
  // The same, parsing json in place, without a copy: the kPadding bytes after
  // it must be readable (simdjson reads past the end) and zero, as ReadPart
  // leaves its own buffer.
  static constexpr size_t kPadding = 64;
  Status ReadPaddedPart(std::string_view part_name, std::string_view json,
                        const RecordFn& on_record);

  uint64_t bytes_read() const;
  // Fields of the records matching no column: how many were seen, and the
  // first distinct flattened names (at most kMaxIgnoredNames, sorted).
  uint64_t ignored_field_count() const;
  std::vector<std::string> ignored_field_names() const;
  static constexpr size_t kMaxIgnoredNames = 100;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- CSV

// Appends one RFC 4180 field: quoted when it holds ',', '"', CR or LF, starts
// or ends with a space or tab, is empty (so "" is the empty string, distinct
// from NULL), or is "\." (PostgreSQL's end-of-data marker).
void AppendCsvField(std::string& out, std::string_view field);

// Writes CSV rows (',' separated, LF line ends, NULL as an empty unquoted
// field) to an ObjectWriter through a buffer flushed in buffer_bytes chunks.
// PostgreSQL reads it with COPY ... (FORMAT csv, HEADER true).
class CsvWriter {
 public:
  static constexpr size_t kDefaultBufferBytes = size_t{1} << 20;
  explicit CsvWriter(lake::ObjectWriter& out, size_t buffer_bytes = kDefaultBufferBytes);

  Status WriteHeader(std::span<const ColumnSpec> columns);
  Status WriteRow(std::span<const Cell> cells);
  // Writes what is buffered; call before the ObjectWriter's Commit().
  Status Flush();
  uint64_t bytes() const { return flushed_ + buffer_.size(); }  // written + buffered
  uint64_t rows() const { return rows_; }                       // header excluded

 private:
  Status FlushIfFull();
  lake::ObjectWriter& out_;
  size_t buffer_bytes_;
  std::string buffer_;
  uint64_t flushed_ = 0;
  uint64_t rows_ = 0;
};

// ---------------------------------------------------------------- tables

// "<clean_bucket>/<source>/<table>/ds=<ds>/", ending in '/'.
std::string CleanPartitionPrefix(std::string_view clean_bucket, std::string_view source,
                                 std::string_view table, std::string_view ds);
inline constexpr std::string_view kSchemaFileName = "schema.json";

struct TransformOptions {
  uint64_t max_rows_per_part = 1'000'000;           // a new CSV part after this many rows
  uint64_t max_bytes_per_part = uint64_t{1} << 30;  // or after this many bytes
  uint64_t max_quarantine_lines_per_part = 100'000;
  size_t write_buffer_bytes = CsvWriter::kDefaultBufferBytes;
};

struct TransformRequest {
  TransformRequest(lake::ObjectStore& store_in, const Pipeline& pipeline_in,
                   const TableSpec& table_in)
      : store(store_in), pipeline(pipeline_in), table(table_in) {}

  lake::ObjectStore& store;
  const Pipeline& pipeline;  // source name and clean bucket
  const TableSpec& table;
  std::string ds;                          // logical date, YYYY-MM-DD
  std::string run_id;                      // this run
  std::string raw_run_id;                  // the run whose raw partition is read
  std::vector<std::string> raw_part_keys;  // full keys, read in this order
  // Record count of the raw manifest; records_in must match it.
  std::optional<uint64_t> records_expected;
  std::string clean_bucket;  // empty: pipeline.lake.clean_bucket
  TransformOptions options = {};
};

struct TransformReport {
  std::string table;
  uint64_t records_in = 0;  // == rows_out + duplicates + quarantined
  uint64_t rows_out = 0;
  uint64_t duplicates = 0;  // later records with a primary key already seen (first kept)
  uint64_t quarantined = 0;
  uint64_t bytes_in = 0;           // raw bytes read
  uint64_t bytes_out = 0;          // bytes of every object written (CSV, quarantine, schema.json)
  std::vector<std::string> parts;  // CSV keys, in order
  std::vector<std::string> quarantine_parts;  // JSONL keys, in order
  std::string schema_key;
  uint64_t ignored_field_count = 0;
  std::vector<std::string> ignored_fields;
  std::vector<std::string> deleted_keys;  // stale objects of the previous partition
  std::chrono::milliseconds duration{0};
};

// Replaces the table's clean partition for request.ds: deletes the old
// schema.json first (so a partition being rewritten never looks complete),
// writes the CSV and quarantine parts, then schema.json, then deletes the
// objects of the partition that the new schema.json does not list.
// Errors: kInvalidArgument for a bad request or table; kDataLoss for a
// malformed raw part or a record count that differs from records_expected;
// the store's errors as they come, with the key as context.
Result<TransformReport> TransformTable(const TransformRequest& request);

// ---------------------------------------------------------------- schema.json

// schema.json of a clean partition:
// {"table","source","ds","run_id","raw_run_id","columns":[{"name","type","required"}],
//  "primary_key":[...],"parts":[keys],"quarantine_parts":[keys],"rows","records_in",
//  "duplicates","quarantined","ignored_fields":[...],"ignored_field_count","raw_parts":[keys],
//  "bytes_in","csv":{"header":true,"delimiter":",","null":"","line_end":"\n"}}
struct CleanSchema {
  std::string table;
  std::string source;
  std::string ds;
  std::string run_id;
  std::string raw_run_id;
  std::vector<ColumnSpec> columns;  // name, type, required
  std::vector<std::string> primary_key;
  std::vector<std::string> parts;
  std::vector<std::string> quarantine_parts;
  std::vector<std::string> raw_parts;
  uint64_t rows = 0;
  uint64_t records_in = 0;
  uint64_t duplicates = 0;
  uint64_t quarantined = 0;
  uint64_t bytes_in = 0;
  uint64_t ignored_field_count = 0;
  std::vector<std::string> ignored_fields;
};

std::string SerializeCleanSchema(const CleanSchema& schema);
// kNotFound when the partition has no schema.json (never transformed, or a
// rewrite in progress or failed); kDataLoss when it cannot be parsed.
Result<CleanSchema> ReadCleanSchema(lake::ObjectStore& store, std::string_view schema_key);

}  // namespace sluice::transform
