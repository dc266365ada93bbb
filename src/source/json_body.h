// Validates a JSON response body while it streams in and counts its records.
//
// Why this shape: bodies can be large (an unpaginated resource of hundreds of
// MB) and arrive in pieces from the socket, while simdjson needs the whole
// padded document in memory. So a small tokenizer follows only the top level
// (the array's brackets and commas, string and escape state, nesting depth)
// to cut the body into its records, and each record, copied into one reused
// padded buffer, is validated in full by simdjson On-Demand: the same parser
// the transform reads records with. Memory is bounded by the largest record
// (max_record_bytes), not by the body. A lone top-level object is one record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::source {

class JsonBodyValidator {
 public:
  explicit JsonBodyValidator(size_t max_record_bytes);
  ~JsonBodyValidator();
  JsonBodyValidator(const JsonBodyValidator&) = delete;
  JsonBodyValidator& operator=(const JsonBodyValidator&) = delete;

  void Reset();
  // Consumes the next piece of the body. Returns false once the body is known
  // to be invalid; later pieces are ignored.
  bool Feed(std::string_view bytes);
  // The body ended: returns true when it held exactly one complete array or object.
  bool Finish();

  uint64_t records() const { return records_; }
  // Why the body is invalid, with the byte offset: empty while it is valid.
  const std::string& error() const { return error_; }

 private:
  enum class State { kStart, kArrayFirst, kArrayNext, kInRecord, kAfterRecord, kDone, kFailed };
  enum class RecordKind { kContainer, kString, kScalar };
  class RecordParser;

  void BeginRecord(char first, uint64_t offset, bool is_top_level_object);
  size_t ScanRecord(std::string_view bytes, size_t pos);
  size_t ScanScalar(std::string_view bytes, size_t pos);
  size_t ScanNested(std::string_view bytes, size_t pos);
  bool AppendToRecord(std::string_view piece);
  void EndRecord();
  void Fail(std::string message);
  void StepOutsideRecord(char c, size_t pos);

  size_t max_record_bytes_;
  std::unique_ptr<RecordParser> parser_;
  State state_ = State::kStart;
  RecordKind kind_ = RecordKind::kContainer;
  bool is_top_level_object_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  int depth_ = 0;
  uint64_t offset_ = 0;  // bytes consumed before the current piece
  uint64_t record_offset_ = 0;
  uint64_t records_ = 0;
  std::string record_;
  std::string error_;
};

}  // namespace sluice::source
