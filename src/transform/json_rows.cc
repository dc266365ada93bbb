// JsonRowReader: simdjson On-Demand over one raw part at a time.
//
// A part in memory is parsed in place, with simdjson's padding; a large array
// is cut at its top-level commas into windows of whole records, each parsed as
// an array of its own, so the parser's buffers are sized by a window, not by
// the part. A part read from an ObjectReader is cut the same way as its bytes
// arrive, so memory holds one window and one read, whatever the part's size.
// Only the fields that feed a column are parsed; On-Demand skips the others,
// and never builds a tree of the input.
#include <algorithm>
#include <cstring>
#include <optional>
#include <set>

#include "transform/json_text.h"
#include "transform/transform.h"

namespace sluice::transform {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;
static_assert(JsonRowReader::kPadding >= simdjson::SIMDJSON_PADDING);

class JsonRowReader::Impl {
 public:
  Impl(const RowSchema& schema, size_t window_bytes)
      : schema_(schema),
        window_bytes_(std::max<size_t>(window_bytes, 1)),
        values_(schema.column_count()),
        scratch_(schema.column_count()) {}

  // Room for size bytes plus simdjson's padding; the padding is zeroed.
  char* Reserve(size_t size) {
    if (capacity_ < size + simdjson::SIMDJSON_PADDING) {
      capacity_ = std::max(size + simdjson::SIMDJSON_PADDING, capacity_ * 2);
      buffer_ = std::make_unique<char[]>(capacity_);
    }
    return buffer_.get();
  }
  size_t capacity() const { return capacity_; }

  // Parses json, followed by kPadding readable bytes.
  Status Read(std::string_view part_name, std::string_view json, const RecordFn& on_record);
  Status ReadStream(std::string_view part_name, lake::ObjectReader& reader,
                    const RecordFn& on_record);
  Status ReadOwnBuffer(std::string_view part_name, size_t size, const RecordFn& on_record) {
    std::memset(buffer_.get() + size, 0, simdjson::SIMDJSON_PADDING);
    return Read(part_name, std::string_view(buffer_.get(), size), on_record);
  }

  uint64_t bytes_read = 0;
  uint64_t ignored_count = 0;
  std::set<std::string, std::less<>> ignored_names;

 private:
  Status ReadWindows(std::string_view json, const std::vector<std::string_view>& runs,
                     const RecordFn& on_record);
  // Parses "[" + elements (+ "]" when close_array) as a window whose first
  // element starts at byte `offset` of the part.
  Status ReadWindow(std::string_view elements, size_t offset, bool close_array,
                    const RecordFn& on_record, uint64_t& next_index);
  Status ReadArray(ondemand::document& doc, const RecordFn& on_record, uint64_t& next_index);
  Status ReadObject(ondemand::document& doc, const RecordFn& on_record);
  error_code ReadRecord(ondemand::value& value, JsonRecord& record);
  error_code ReadFields(ondemand::object& object, size_t path_length);
  error_code ReadField(ondemand::value& value, int column);
  error_code ReadObjectField(ondemand::value& value, int column, bool is_parent);
  error_code SerializeRaw(std::string_view raw, std::string& out, bool& has_nul);
  void SetColumn(int column, JsonValue value);
  struct KnownKey;
  KnownKey& ResolveKey(std::string_view key, size_t path_length);
  void NoteIgnored(KnownKey& field);
  void StartRecord();
  Status Malformed(ondemand::document* doc, error_code error, std::string_view what = {});

  const RowSchema& schema_;
  const size_t window_bytes_;
  std::string window_;          // "[" + a run of whole records + "]" + padding
  std::string stream_pending_;  // ReadStream: the bytes read and not yet parsed
  std::unique_ptr<char[]> stream_read_buffer_;
  size_t window_offset_ = 0;  // where json_[0] would be in the part, for error offsets
  std::string_view part_name_;
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  std::string_view json_;  // the part being read
  ondemand::parser parser_;
  ondemand::parser side_parser_;  // re-reads an object that feeds a jsonb column and its children
  std::string side_buffer_;
  std::string path_;
  // Records of a part repeat their keys in the same order, so the n-th key of
  // a record is resolved once (renamed, flattened, looked up) and remembered:
  // the usual key then costs two comparisons instead of a rename and a hash.
  struct KnownKey {
    std::string key;         // as written
    std::string path;        // flattened, parent path included
    size_t path_length = 0;  // where key was appended (the parent path's length)
    RowSchema::FieldUse use;
    bool is_noted = false;  // an ignored field already in ignored_names
  };
  static constexpr size_t kMaxKnownKeys = 256;
  static constexpr size_t kReadBytes = 256u << 10;  // ReadStream's reads
  std::vector<KnownKey> known_keys_;
  KnownKey unknown_key_;    // the keys of a record past kMaxKnownKeys
  size_t key_ordinal_ = 0;  // keys met so far in the record
  std::vector<JsonValue> values_;
  std::vector<std::string> scratch_;  // per column: minified JSON of objects and arrays
  std::string problem_;
};

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!IsJsonSpace(c)) return false;
  }
  return true;
}

// The elements of json's top-level array in runs of about max_bytes or less
// (an element larger than that is a run of its own), each a slice of json
// holding whole elements and the commas between them. nullopt when the scan
// finds no such array (malformed, empty, or an empty element): the whole
// parse then says what is wrong. Each run is parsed as "[" + run + "]", and
// when every such array is valid JSON, so is the part, so a wrong cut cannot
// pass unnoticed.
std::optional<std::vector<std::string_view>> SplitTopLevelArray(std::string_view json,
                                                                size_t max_bytes) {
  size_t i = 0;
  while (i < json.size() && IsJsonSpace(json[i])) ++i;
  if (i == json.size() || json[i] != '[') return std::nullopt;
  std::vector<std::string_view> runs;
  size_t run_start = ++i;
  size_t element_start = i;
  int depth = 0;
  bool in_string = false;
  for (; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        ++depth;
        break;
      case '}':
        if (--depth < 0) return std::nullopt;
        break;
      case ']':
        if (depth-- > 0) break;
        if (IsBlank(json.substr(element_start, i - element_start))) return std::nullopt;
        runs.push_back(json.substr(run_start, i - run_start));
        if (!IsBlank(json.substr(i + 1))) return std::nullopt;
        return runs;
      case ',':
        if (depth != 0) break;
        if (IsBlank(json.substr(element_start, i - element_start))) return std::nullopt;
        if (i - run_start >= max_bytes) {
          runs.push_back(json.substr(run_start, i - run_start));
          run_start = i + 1;
        }
        element_start = i + 1;
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

}  // namespace

Status JsonRowReader::Impl::Read(std::string_view part_name, std::string_view json,
                                 const RecordFn& on_record) {
  part_name_ = part_name;
  if (json.size() > window_bytes_) {
    if (auto runs = SplitTopLevelArray(json, window_bytes_)) {
      return ReadWindows(json, *runs, on_record);
    }
  }
  json_ = json;
  window_offset_ = 0;
  ondemand::document doc;
  if (error_code error =
          parser_.iterate(json.data(), json.size(), json.size() + simdjson::SIMDJSON_PADDING)
              .get(doc)) {
    return Malformed(nullptr, error);
  }
  ondemand::json_type type;
  if (error_code error = doc.type().get(type)) return Malformed(&doc, error);
  uint64_t next_index = 0;
  if (type == ondemand::json_type::array) return ReadArray(doc, on_record, next_index);
  if (type == ondemand::json_type::object) return ReadObject(doc, on_record);
  return Error::DataLoss("{}: the top level is not an array of records nor one object", part_name);
}

Status JsonRowReader::Impl::ReadWindows(std::string_view json,
                                        const std::vector<std::string_view>& runs,
                                        const RecordFn& on_record) {
  uint64_t next_index = 0;
  for (std::string_view run : runs) {
    SLUICE_TRY(ReadWindow(run, static_cast<size_t>(run.data() - json.data()), true, on_record,
                          next_index));
  }
  return OkStatus();
}

Status JsonRowReader::Impl::ReadWindow(std::string_view elements, size_t offset, bool close_array,
                                       const RecordFn& on_record, uint64_t& next_index) {
  window_.clear();
  window_.reserve(elements.size() + 2 + simdjson::SIMDJSON_PADDING);
  window_.push_back('[');
  window_.append(elements);
  if (close_array) window_.push_back(']');
  const size_t size = window_.size();
  window_.append(simdjson::SIMDJSON_PADDING, '\0');
  json_ = std::string_view(window_.data(), size);
  window_offset_ = offset - 1;
  ondemand::document doc;
  if (error_code error = parser_.iterate(window_.data(), size, window_.size()).get(doc)) {
    return Malformed(nullptr, error);
  }
  return ReadArray(doc, on_record, next_index);
}

namespace {

// Follows a part's top-level array as its bytes arrive, to cut it into runs
// of whole elements at its commas: the scan of SplitTopLevelArray, resumable
// between reads.
class ArrayCutter {
 public:
  enum class Event { kNone, kStart, kCut, kEnd, kUncuttable };

  // Scans text from `from`; stops at the array's opening bracket, at a cut (a
  // top-level comma at least min_run bytes past run_start), at its closing
  // bracket, or where the scan cannot follow the text (not an array, or
  // malformed). `at` is where it stopped: that byte, or the end of text.
  Event Scan(std::string_view text, size_t from, size_t run_start, size_t min_run, size_t& at) {
    for (size_t i = from; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
        continue;
      }
      const bool is_space = IsJsonSpace(c);
      if (!in_array_) {
        if (is_space) continue;
        at = i;
        if (c != '[') return Event::kUncuttable;
        in_array_ = true;
        return Event::kStart;
      }
      switch (c) {
        case '"':
          in_string_ = true;
          has_content_ = true;
          break;
        case '[':
        case '{':
          ++depth_;
          has_content_ = true;
          break;
        case '}':
          at = i;
          if (--depth_ < 0) return Event::kUncuttable;
          break;
        case ']':
          at = i;
          if (depth_-- > 0) break;
          // "[]" is empty; "[1,]" has an empty last element.
          if (!has_content_ && elements_ > 0) return Event::kUncuttable;
          return Event::kEnd;
        case ',':
          if (depth_ != 0) break;
          at = i;
          if (!has_content_) return Event::kUncuttable;
          ++elements_;
          has_content_ = false;
          if (i - run_start >= min_run) return Event::kCut;
          break;
        default:
          if (!is_space) has_content_ = true;
          break;
      }
    }
    at = text.size();
    return Event::kNone;
  }

 private:
  bool in_array_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  bool has_content_ = false;  // the current element has a non-blank byte
  int depth_ = 0;
  uint64_t elements_ = 0;  // ended by a comma
};

}  // namespace

// The bytes not yet parsed wait in `pending`: from the start of the current
// run (just past the last cut) to the end of the last read. A part the cutter
// cannot follow, one object or malformed, is read on to its end and parsed
// like a part in memory, so it gives the same records and fails where a whole
// read fails: in memory bounded by that part, as before.
Status JsonRowReader::Impl::ReadStream(std::string_view part_name, lake::ObjectReader& reader,
                                       const RecordFn& on_record) {
  part_name_ = part_name;
  std::string& pending = stream_pending_;
  pending.clear();
  ArrayCutter cutter;
  size_t pending_offset = 0;  // where pending[0] is in the part
  size_t run_start = 0, scanned = 0;
  bool in_array = false, at_end = false, uncuttable = false, eof = false;
  uint64_t next_index = 0;
  while (!eof) {
    if (run_start > 0) {  // drop what was parsed, once per read
      pending.erase(0, run_start);
      pending_offset += run_start;
      scanned -= run_start;
      run_start = 0;
    }
    if (!stream_read_buffer_) stream_read_buffer_ = std::make_unique<char[]>(kReadBytes);
    Result<size_t> got = reader.Read(stream_read_buffer_.get(), kReadBytes);
    if (!got) return std::move(got).error().AddContext(part_name);
    pending.append(stream_read_buffer_.get(), *got);
    bytes_read += *got;
    eof = *got == 0;
    if (uncuttable) continue;
    if (at_end) {
      for (size_t i = scanned; i < pending.size(); ++i) {
        if (!IsJsonSpace(pending[i])) {
          return Error::DataLoss("{}: malformed JSON near byte {}: content after the array",
                                 part_name, pending_offset + i)
              .Hint("the raw part is kept as received; re-run the extract for this date");
        }
      }
      pending_offset += pending.size();
      pending.clear();
      scanned = 0;
      continue;
    }
    while (!uncuttable && !at_end) {
      size_t at = 0;
      const ArrayCutter::Event event = cutter.Scan(pending, scanned, run_start, window_bytes_, at);
      if (event == ArrayCutter::Event::kNone) {
        scanned = at;
        break;
      }
      if (event == ArrayCutter::Event::kUncuttable) {
        uncuttable = true;
      } else if (event == ArrayCutter::Event::kStart) {
        in_array = true;
        run_start = scanned = at + 1;
      } else {
        const std::string_view run(pending.data() + run_start, at - run_start);
        SLUICE_TRY(ReadWindow(run, pending_offset + run_start,
                              /*close_array=*/true, on_record, next_index));
        at_end = event == ArrayCutter::Event::kEnd;
        run_start = scanned = at + 1;
      }
    }
  }
  if (at_end) return OkStatus();
  if (in_array) {
    const std::string_view rest(pending.data() + run_start, pending.size() - run_start);
    return ReadWindow(rest, pending_offset + run_start, /*close_array=*/false, on_record,
                      next_index);
  }
  // Never an array: one object, or not JSON. pending holds the whole part.
  const size_t size = pending.size();
  pending.append(simdjson::SIMDJSON_PADDING, '\0');
  return Read(part_name, std::string_view(pending.data(), size), on_record);
}

Status JsonRowReader::Impl::ReadArray(ondemand::document& doc, const RecordFn& on_record,
                                      uint64_t& next_index) {
  ondemand::array array;
  if (error_code error = doc.get_array().get(array)) return Malformed(&doc, error);
  JsonRecord record;
  record.index = next_index;
  for (auto element : array) {
    ondemand::value value;
    if (error_code error = element.get(value)) return Malformed(&doc, error);
    const char* start = nullptr;
    if (error_code error = value.current_location().get(start)) return Malformed(&doc, error);
    if (error_code error = ReadRecord(value, record)) return Malformed(&doc, error);
    // Consumed, the record ends where the next token (',' or ']') starts.
    const char* end = nullptr;
    if (doc.current_location().get(end) || end < start) end = json_.data() + json_.size();
    if (record.raw_json.empty()) {
      record.raw_json = TrimJsonWhitespace(std::string_view(start, end - start));
    }
    SLUICE_TRY(on_record(record));
    next_index = ++record.index;
  }
  if (HasTrailingContent(doc))
    return Malformed(&doc, simdjson::TRAILING_CONTENT, "content after the array");
  return OkStatus();
}

Status JsonRowReader::Impl::ReadObject(ondemand::document& doc, const RecordFn& on_record) {
  ondemand::object object;
  if (error_code error = doc.get_object().get(object)) return Malformed(&doc, error);
  StartRecord();
  if (error_code error = ReadFields(object, 0)) return Malformed(&doc, error);
  if (HasTrailingContent(doc))
    return Malformed(&doc, simdjson::TRAILING_CONTENT, "content after the object");
  JsonRecord record;
  record.values = values_;
  record.problem = problem_;
  record.raw_json = TrimJsonWhitespace(json_);
  while (!record.raw_json.empty() && (record.raw_json[0] == ' ' || record.raw_json[0] == '\t' ||
                                      record.raw_json[0] == '\n' || record.raw_json[0] == '\r')) {
    record.raw_json.remove_prefix(1);
  }
  return on_record(record);
}

void JsonRowReader::Impl::StartRecord() {
  for (JsonValue& value : values_) value = JsonValue{};
  problem_.clear();
  key_ordinal_ = 0;
}

// Leaves the flattened name of key in path_ and says what it feeds; valid
// until the next call.
JsonRowReader::Impl::KnownKey& JsonRowReader::Impl::ResolveKey(std::string_view key,
                                                               size_t path_length) {
  const size_t ordinal = key_ordinal_++;
  const std::string_view parent(path_.data(), path_length);
  if (ordinal < known_keys_.size()) {
    KnownKey& known = known_keys_[ordinal];
    if (known.path_length == path_length && known.key == key &&
        std::string_view(known.path).substr(0, path_length) == parent) {
      path_.assign(known.path);
      return known;
    }
  }
  path_.resize(path_length);
  if (path_length > 0) path_.push_back('_');
  AppendSnakeCase(path_, key);
  if (ordinal >= kMaxKnownKeys) {
    unknown_key_ = KnownKey{std::string(key), path_, path_length, schema_.Find(path_), false};
    return unknown_key_;
  }
  if (ordinal >= known_keys_.size()) known_keys_.resize(ordinal + 1);
  known_keys_[ordinal] = KnownKey{std::string(key), path_, path_length, schema_.Find(path_), false};
  return known_keys_[ordinal];
}

// Fills record.values, or record.problem for a record that is not an object;
// raw_json is set here only when it cannot be taken from the document's position.
error_code JsonRowReader::Impl::ReadRecord(ondemand::value& value, JsonRecord& record) {
  StartRecord();
  record.values = values_;
  record.raw_json = {};
  ondemand::json_type type;
  if (error_code error = value.type().get(type)) return error;
  if (type == ondemand::json_type::object) {
    ondemand::object object;
    if (error_code error = value.get_object().get(object)) return error;
    error_code error = ReadFields(object, 0);
    record.problem = problem_;
    return error;
  }
  problem_ = type == ondemand::json_type::array ? "the record is an array, not an object"
                                                : "the record is a scalar, not an object";
  record.problem = problem_;
  if (type == ondemand::json_type::array) {
    ondemand::array array;
    if (error_code error = value.get_array().get(array)) return error;
    return array.raw_json().get(record.raw_json);
  }
  record.raw_json = TrimJsonWhitespace(value.raw_json_token());
  return simdjson::SUCCESS;
}

// Walks one object, flattening names into path_ after path_length bytes.
error_code JsonRowReader::Impl::ReadFields(ondemand::object& object, size_t path_length) {
  for (auto field : object) {
    std::string_view key;
    if (error_code error = field.unescaped_key().get(key)) return error;
    KnownKey& field_key = ResolveKey(key, path_length);
    const auto [column, is_parent] = field_key.use;
    if (column < 0 && !is_parent) {
      NoteIgnored(field_key);
      continue;  // On-Demand skips the value unread
    }
    ondemand::value value;
    if (error_code error = field.value().get(value)) return error;
    ondemand::json_type type;
    if (error_code error = value.type().get(type)) return error;
    if (type == ondemand::json_type::object) {
      if (error_code error = ReadObjectField(value, column, is_parent)) return error;
    } else if (column >= 0) {
      if (error_code error = ReadField(value, column)) return error;
    } else {
      NoteIgnored(field_key);
    }
  }
  return simdjson::SUCCESS;
}

error_code JsonRowReader::Impl::ReadObjectField(ondemand::value& value, int column,
                                                bool is_parent) {
  ondemand::object object;
  if (column < 0) {
    if (error_code error = value.get_object().get(object)) return error;
    return ReadFields(object, path_.size());
  }
  std::string& text = scratch_[column];
  text.clear();
  bool has_nul = false;
  if (!is_parent) {
    if (error_code error = AppendJsonValue(value, text, has_nul)) return error;
  } else {
    if (error_code error = value.get_object().get(object)) return error;
    // Feeds a column whole and others field by field: take its raw text
    // without unescaping (On-Demand unescapes a string only once), serialise
    // that with the side parser, then walk the object again for the children.
    std::string_view raw;
    if (error_code error = object.raw_json().get(raw)) return error;
    if (error_code error = SerializeRaw(raw, text, has_nul)) return error;
    if (error_code error = object.reset().error()) return error;
    const std::string parent = path_;
    if (error_code error = ReadFields(object, parent.size())) return error;
    path_ = parent;
  }
  SetColumn(column, JsonValue{JsonKind::kObject, text, has_nul});
  return simdjson::SUCCESS;
}

error_code JsonRowReader::Impl::SerializeRaw(std::string_view raw, std::string& out,
                                             bool& has_nul) {
  side_buffer_.assign(raw);
  side_buffer_.append(simdjson::SIMDJSON_PADDING, '\0');
  ondemand::document doc;
  if (error_code error =
          side_parser_.iterate(side_buffer_.data(), raw.size(), side_buffer_.size()).get(doc)) {
    return error;
  }
  return AppendJsonValue(doc, out, has_nul);
}

error_code JsonRowReader::Impl::ReadField(ondemand::value& value, int column) {
  ondemand::json_type type;
  if (error_code error = value.type().get(type)) return error;
  JsonValue result;
  switch (type) {
    case ondemand::json_type::string: {
      if (error_code error = value.get_string().get(result.text)) return error;
      result.kind = JsonKind::kString;
      result.has_nul = std::memchr(result.text.data(), '\0', result.text.size()) != nullptr;
      break;
    }
    case ondemand::json_type::number: {
      result.text = TrimJsonWhitespace(value.raw_json_token());
      if (!IsJsonNumber(result.text)) return simdjson::NUMBER_ERROR;
      result.kind = JsonKind::kNumber;
      break;
    }
    case ondemand::json_type::boolean: {
      bool b = false;
      if (error_code error = value.get_bool().get(b)) return error;
      result = JsonValue{JsonKind::kBoolean, b ? "true" : "false", false};
      break;
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (error_code error = value.is_null().get(is_null)) return error;
      if (!is_null) return simdjson::N_ATOM_ERROR;
      result.kind = JsonKind::kNull;
      break;
    }
    case ondemand::json_type::array:
    case ondemand::json_type::object: {
      std::string& text = scratch_[column];
      text.clear();
      if (error_code error = AppendJsonValue(value, text, result.has_nul)) return error;
      result.kind = type == ondemand::json_type::array ? JsonKind::kArray : JsonKind::kObject;
      result.text = text;
      break;
    }
  }
  SetColumn(column, result);
  return simdjson::SUCCESS;
}

void JsonRowReader::Impl::SetColumn(int column, JsonValue value) {
  for (int c = column; c >= 0; c = schema_.next_column_of_field(c)) {
    if (values_[c].kind != JsonKind::kAbsent && problem_.empty()) {
      problem_ = "field " + schema_.table().columns[c].source_field +
                 " is given twice (a repeated key, or a flattened name met twice)";
    }
    values_[c] = value;
  }
}

void JsonRowReader::Impl::NoteIgnored(KnownKey& field) {
  ++ignored_count;
  if (field.is_noted) return;
  if (ignored_names.contains(field.path)) {
    field.is_noted = true;
  } else if (ignored_names.size() < kMaxIgnoredNames) {
    ignored_names.emplace(field.path);
    field.is_noted = true;
  }
}

Status JsonRowReader::Impl::Malformed(ondemand::document* doc, error_code error,
                                      std::string_view what) {
  const char* location = nullptr;
  std::string where = "at the end";
  if (doc == nullptr) {
    where = "in the part";
  } else if (!doc->current_location().get(location) && location >= json_.data()) {
    where = fmt::format("near byte {}", window_offset_ + (location - json_.data()));
  }
  return Error::DataLoss("{}: malformed JSON {}: {}", part_name_, where,
                         what.empty() ? simdjson::error_message(error) : what)
      .Hint("the raw part is kept as received; re-run the extract for this date");
}

JsonRowReader::JsonRowReader(const RowSchema& schema, size_t window_bytes)
    : impl_(std::make_unique<Impl>(schema, window_bytes)) {}
JsonRowReader::~JsonRowReader() = default;

Status JsonRowReader::ReadPart(std::string_view part_name, std::string_view json,
                               const RecordFn& on_record) {
  char* buffer = impl_->Reserve(json.size());
  if (!json.empty()) std::memcpy(buffer, json.data(), json.size());
  impl_->bytes_read += json.size();
  return impl_->ReadOwnBuffer(part_name, json.size(), on_record);
}

Status JsonRowReader::ReadPaddedPart(std::string_view part_name, std::string_view json,
                                     const RecordFn& on_record) {
  impl_->bytes_read += json.size();
  return impl_->Read(part_name, json, on_record);
}

Status JsonRowReader::ReadPart(std::string_view part_name, lake::ObjectReader& reader,
                               const RecordFn& on_record) {
  return impl_->ReadStream(part_name, reader, on_record);
}

uint64_t JsonRowReader::bytes_read() const { return impl_->bytes_read; }
uint64_t JsonRowReader::ignored_field_count() const { return impl_->ignored_count; }
std::vector<std::string> JsonRowReader::ignored_field_names() const {
  return {impl_->ignored_names.begin(), impl_->ignored_names.end()};
}

}  // namespace sluice::transform
