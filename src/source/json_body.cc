#include "source/json_body.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

namespace sluice::source {
namespace {

namespace od = simdjson::ondemand;

constexpr int kMaxDepth = 512;

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string Printable(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("0x{:02x}", byte);
}

// Bytes that can change the tokenizer's state outside and inside strings.
constexpr std::array<bool, 256> MakeTable(std::string_view chars) {
  std::array<bool, 256> table{};
  for (char c : chars) table[static_cast<unsigned char>(c)] = true;
  return table;
}
constexpr std::array<bool, 256> kStructural = MakeTable("\"{}[]");
constexpr std::array<bool, 256> kStringSpecial = MakeTable("\"\\");
constexpr std::array<bool, 256> kScalarEnd = MakeTable(" \t\r\n,]");

// RFC 8259 number grammar. simdjson's own number parsing refuses valid JSON it
// cannot represent (integers past 64 bits, 1e400), which the transform may
// still keep as numeric or text, so the raw token is checked here instead.
bool IsJsonNumber(std::string_view token) {
  while (!token.empty() && IsSpace(token.back())) token.remove_suffix(1);
  size_t i = 0;
  auto digit = [&](size_t at) { return at < token.size() && token[at] >= '0' && token[at] <= '9'; };
  if (i < token.size() && token[i] == '-') ++i;
  if (!digit(i)) return false;
  if (token[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < token.size() && token[i] == '.') {
    if (!digit(++i)) return false;
    while (digit(i)) ++i;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == token.size();
}

simdjson::error_code WalkValue(od::value value, int depth);

simdjson::error_code WalkArray(od::value value, int depth) {
  od::array array;
  if (auto error = value.get_array().get(array)) return error;
  for (auto element : array) {
    od::value item;
    if (auto error = element.get(item)) return error;
    if (auto error = WalkValue(item, depth + 1)) return error;
  }
  return simdjson::SUCCESS;
}

simdjson::error_code WalkObject(od::value value, int depth) {
  od::object object;
  if (auto error = value.get_object().get(object)) return error;
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    od::value item;
    if (auto error = field.value().get(item)) return error;
    if (auto error = WalkValue(item, depth + 1)) return error;
  }
  return simdjson::SUCCESS;
}

// On-Demand parses lazily: every value is visited so that every byte is checked.
simdjson::error_code WalkValue(od::value value, int depth) {
  if (depth > kMaxDepth) return simdjson::DEPTH_ERROR;
  od::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::array:
      return WalkArray(value, depth);
    case od::json_type::object:
      return WalkObject(value, depth);
    case od::json_type::number: {
      std::string_view token = value.raw_json_token();
      return IsJsonNumber(token) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    }
    case od::json_type::string:
      return value.get_string().error();
    case od::json_type::boolean:
      return value.get_bool().error();
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::SUCCESS;
}

simdjson::error_code WalkDocument(od::document& document) {
  od::json_type type;
  if (auto error = document.type().get(type)) return error;
  switch (type) {
    case od::json_type::array:
    case od::json_type::object: {
      od::value value;
      if (auto error = document.get_value().get(value)) return error;
      if (auto error = WalkValue(value, 0)) return error;
      // The tokenizer cut the record at its closing bracket: nothing may follow.
      return document.current_location().error() ? simdjson::SUCCESS : simdjson::TRAILING_CONTENT;
    }
    case od::json_type::number: {
      std::string_view token;
      if (auto error = document.raw_json_token().get(token)) return error;
      return IsJsonNumber(token) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    }
    case od::json_type::string:
      return document.get_string().error();
    case od::json_type::boolean:
      return document.get_bool().error();
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = document.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::SUCCESS;
}

// The records of a valid array or object in the first length bytes of padded
// (which holds SIMDJSON_PADDING more); nullopt for anything else.
std::optional<uint64_t> CountRecords(od::parser& parser, const std::string& padded, size_t length) {
  od::document document;
  if (parser.iterate(simdjson::padded_string_view(padded.data(), length, padded.size()))
          .get(document)) {
    return std::nullopt;
  }
  od::json_type type;
  if (document.type().get(type)) return std::nullopt;
  uint64_t records = 0;
  if (type == od::json_type::object) {
    od::value value;
    if (document.get_value().get(value) || WalkValue(value, 0)) return std::nullopt;
    records = 1;
  } else if (type == od::json_type::array) {
    od::array array;
    if (document.get_array().get(array)) return std::nullopt;
    for (auto element : array) {
      od::value item;
      if (element.get(item) || WalkValue(item, 0)) return std::nullopt;
      ++records;
    }
  } else {
    return std::nullopt;
  }
  if (!document.current_location().error()) return std::nullopt;  // trailing content
  return records;
}

}  // namespace

// A page parsed whole needs a parser sized for it and a padded copy of it.
// Pages are fetched on threads of their own, one validator each, so both are
// pooled: allocated, faulted in and freed for every page, they cost more
// than the parsing.
struct JsonBodyValidator::WholeBody {
  od::parser parser;
  std::string bytes;
};

namespace {

constexpr size_t kMaxSpareWholeBodies = 4;  // a source's default concurrency

class WholeBodyPool {
 public:
  std::unique_ptr<JsonBodyValidator::WholeBody> Take() {
    std::lock_guard lock(mutex_);
    if (spare_.empty()) return std::make_unique<JsonBodyValidator::WholeBody>();
    auto body = std::move(spare_.back());
    spare_.pop_back();
    return body;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    spare_.clear();
  }
  void Give(std::unique_ptr<JsonBodyValidator::WholeBody> body) {
    body->bytes.clear();
    std::lock_guard lock(mutex_);
    if (spare_.size() < kMaxSpareWholeBodies) spare_.push_back(std::move(body));
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<JsonBodyValidator::WholeBody>> spare_;
};

WholeBodyPool& Pool() {
  static auto* pool = new WholeBodyPool();  // never destroyed: validators may outlive statics
  return *pool;
}

}  // namespace

class JsonBodyValidator::RecordParser {
 public:
  // record holds the bytes; padding is appended here and removed again.
  simdjson::error_code Validate(std::string& record) {
    size_t length = record.size();
    record.append(simdjson::SIMDJSON_PADDING, ' ');
    od::document document;
    simdjson::error_code error =
        parser_.iterate(simdjson::padded_string_view(record.data(), length, record.size()))
            .get(document);
    if (!error) error = WalkDocument(document);
    record.resize(length);
    return error;
  }

 private:
  od::parser parser_;
};

JsonBodyValidator::JsonBodyValidator(size_t max_record_bytes, size_t whole_body_bytes)
    : max_record_bytes_(max_record_bytes),
      // Up to max_record_bytes only, so that no record in it can be over the limit.
      whole_body_bytes_(std::min(whole_body_bytes, max_record_bytes)),
      parser_(std::make_unique<RecordParser>()) {}

void JsonBodyValidator::ReleaseSpareMemory() { Pool().Clear(); }

JsonBodyValidator::~JsonBodyValidator() {
  if (whole_body_) Pool().Give(std::move(whole_body_));
}

void JsonBodyValidator::Reset() {
  state_ = State::kStart;
  in_string_ = escaped_ = is_top_level_object_ = false;
  depth_ = 0;
  offset_ = record_offset_ = records_ = 0;
  record_.clear();
  error_.clear();
  keeping_whole_body_ = true;
  if (whole_body_) whole_body_->bytes.clear();
  whole_body_checked_bytes_ = 0;
  whole_body_records_ = 0;
}

void JsonBodyValidator::Fail(std::string message) {
  if (state_ == State::kFailed) return;
  state_ = State::kFailed;
  error_ = std::move(message);
  record_.clear();
  record_.shrink_to_fit();
}

bool JsonBodyValidator::Feed(std::string_view bytes) {
  if (keeping_whole_body_) {
    if (!whole_body_) whole_body_ = Pool().Take();
    if (whole_body_->bytes.size() + bytes.size() <= whole_body_bytes_) {
      whole_body_->bytes.append(bytes);
      return true;
    }
    StopKeepingWholeBody();
  }
  return FeedTokenizer(bytes);
}

bool JsonBodyValidator::SettleWholeBody() {
  if (!keeping_whole_body_) return false;
  if (!whole_body_) whole_body_ = Pool().Take();
  std::string& bytes = whole_body_->bytes;
  if (whole_body_checked_bytes_ != bytes.size() || bytes.empty()) {
    const size_t length = bytes.size();
    bytes.append(simdjson::SIMDJSON_PADDING, ' ');
    std::optional<uint64_t> records = CountRecords(whole_body_->parser, bytes, length);
    bytes.resize(length);
    if (!records) {
      StopKeepingWholeBody();
      return false;
    }
    whole_body_records_ = *records;
    whole_body_checked_bytes_ = length;
  }
  return true;
}

void JsonBodyValidator::StopKeepingWholeBody() {
  keeping_whole_body_ = false;
  if (!whole_body_) return;
  FeedTokenizer(whole_body_->bytes);
  Pool().Give(std::move(whole_body_));
}

uint64_t JsonBodyValidator::records() { return SettleWholeBody() ? whole_body_records_ : records_; }

bool JsonBodyValidator::FeedTokenizer(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size() && state_ != State::kFailed) {
    if (state_ == State::kInRecord) {
      pos = ScanRecord(bytes, pos);
      continue;
    }
    char c = bytes[pos];
    if (IsSpace(c)) {
      ++pos;
      continue;
    }
    StepOutsideRecord(c, pos);
    if (state_ != State::kInRecord) ++pos;  // a record scans from its own first byte
  }
  offset_ += bytes.size();
  return state_ != State::kFailed;
}

void JsonBodyValidator::StepOutsideRecord(char c, size_t pos) {
  uint64_t at = offset_ + pos;
  switch (state_) {
    case State::kStart:
      if (c == '[') {
        state_ = State::kArrayFirst;
      } else if (c == '{') {
        BeginRecord(c, at, true);
      } else {
        Fail(fmt::format("not a JSON array or object: byte {} is {}", at, Printable(c)));
      }
      return;
    case State::kArrayFirst:
      if (c == ']') {
        state_ = State::kDone;
      } else {
        BeginRecord(c, at, false);
      }
      return;
    case State::kArrayNext:
      if (c == ']') {
        Fail(
            fmt::format("malformed JSON at byte {}: ']' after ',' (trailing comma after record {})",
                        at, records_));
      } else {
        BeginRecord(c, at, false);
      }
      return;
    case State::kAfterRecord:
      if (c == ',') {
        state_ = State::kArrayNext;
      } else if (c == ']') {
        state_ = State::kDone;
      } else {
        Fail(fmt::format("malformed JSON at byte {}: expected ',' or ']' after record {}", at,
                         records_));
      }
      return;
    case State::kDone:
      Fail(fmt::format("malformed JSON at byte {}: content after the end of the top-level value",
                       at));
      return;
    case State::kInRecord:
    case State::kFailed:
      return;
  }
}

void JsonBodyValidator::BeginRecord(char first, uint64_t offset, bool is_top_level_object) {
  state_ = State::kInRecord;
  is_top_level_object_ = is_top_level_object;
  record_offset_ = offset;
  record_.clear();
  depth_ = 0;
  in_string_ = escaped_ = false;
  if (first == '{' || first == '[') {
    kind_ = RecordKind::kContainer;
  } else if (first == '"') {
    kind_ = RecordKind::kString;
  } else {
    kind_ = RecordKind::kScalar;
  }
}

size_t JsonBodyValidator::ScanRecord(std::string_view bytes, size_t pos) {
  return kind_ == RecordKind::kScalar ? ScanScalar(bytes, pos) : ScanNested(bytes, pos);
}

size_t JsonBodyValidator::ScanScalar(std::string_view bytes, size_t pos) {
  size_t end = pos;
  while (end < bytes.size() && !kScalarEnd[static_cast<unsigned char>(bytes[end])]) ++end;
  if (!AppendToRecord(bytes.substr(pos, end - pos))) return bytes.size();
  if (end < bytes.size()) EndRecord();  // the delimiter is the array's, not the record's
  return end;
}

namespace {

// Most bytes of a body are inside strings, where only a quote or a backslash
// matters: memchr jumps to the next one instead of a table lookup per byte.
size_t NextQuoteOrBackslash(std::string_view bytes, size_t at) {
  const char* begin = bytes.data() + at;
  const size_t left = bytes.size() - at;
  const char* quote = static_cast<const char*>(std::memchr(begin, '"', left));
  const size_t until_quote = quote ? static_cast<size_t>(quote - begin) : left;
  const char* backslash = static_cast<const char*>(std::memchr(begin, '\\', until_quote));
  return at + (backslash ? static_cast<size_t>(backslash - begin) : until_quote);
}

}  // namespace

// Strings and containers: the record ends at the quote or bracket that brings
// it back to depth 0; mismatched brackets are left for simdjson to reject.
size_t JsonBodyValidator::ScanNested(std::string_view bytes, size_t pos) {
  size_t at = pos;
  bool is_complete = false;
  while (at < bytes.size() && !is_complete) {
    if (in_string_ && !escaped_) {
      at = NextQuoteOrBackslash(bytes, at);
      if (at == bytes.size()) break;
    }
    unsigned char c = static_cast<unsigned char>(bytes[at++]);
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (kStringSpecial[c]) {
        escaped_ = c == '\\';
        in_string_ = c != '"';
        is_complete = !in_string_ && depth_ == 0;
      }
    } else if (kStructural[c]) {
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else {
        is_complete = --depth_ == 0;
      }
    }
  }
  if (!AppendToRecord(bytes.substr(pos, at - pos))) return bytes.size();
  if (is_complete) EndRecord();
  return at;
}

bool JsonBodyValidator::AppendToRecord(std::string_view piece) {
  if (record_.size() + piece.size() > max_record_bytes_) {
    Fail(fmt::format("record {} at byte {} is larger than {} bytes, the limit for one record",
                     records_ + 1, record_offset_, max_record_bytes_));
    return false;
  }
  record_.append(piece);
  return true;
}

void JsonBodyValidator::EndRecord() {
  simdjson::error_code error = parser_->Validate(record_);
  if (error) {
    Fail(fmt::format("malformed JSON in record {} (bytes {}-{}): {}", records_ + 1, record_offset_,
                     record_offset_ + record_.size(), simdjson::error_message(error)));
    return;
  }
  ++records_;
  record_.clear();
  state_ = is_top_level_object_ ? State::kDone : State::kAfterRecord;
}

bool JsonBodyValidator::Finish() {
  if (SettleWholeBody()) return true;
  switch (state_) {
    case State::kDone:
      return true;
    case State::kFailed:
      return false;
    case State::kStart:
      Fail("empty body: expected a JSON array or object");
      return false;
    case State::kInRecord:
      Fail(
          fmt::format("JSON ends early: the body ({} bytes) stops inside record {}, which starts "
                      "at byte {}",
                      offset_, records_ + 1, record_offset_));
      return false;
    default:
      Fail(
          fmt::format("JSON ends early: the body ({} bytes) stops after record {} before the "
                      "closing ']'",
                      offset_, records_));
      return false;
  }
}

}  // namespace sluice::source
