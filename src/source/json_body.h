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
//
// Most bodies are API pages far smaller than that. Cutting them into records
// byte by byte and parsing each record alone cost more than parsing them
// whole, so a body up to whole_body_bytes is kept and parsed whole, once,
// when its count or validity is asked for. Only a body that is valid that
// way is taken so; any other, and any larger one, goes through the
// tokenizer, whose verdict, count and message are the same for any body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::source {

class JsonBodyValidator {
 public:
  static constexpr size_t kWholeBodyBytes = size_t{1} << 20;

  explicit JsonBodyValidator(size_t max_record_bytes, size_t whole_body_bytes = kWholeBodyBytes);
  ~JsonBodyValidator();
  JsonBodyValidator(const JsonBodyValidator&) = delete;
  JsonBodyValidator& operator=(const JsonBodyValidator&) = delete;

  // Frees what the validators that ended keep for the next ones.
  static void ReleaseSpareMemory();

  void Reset();
  // Consumes the next piece of the body. Returns false once the body is known
  // to be invalid; later pieces are ignored.
  bool Feed(std::string_view bytes);
  // The body ended: returns true when it held exactly one complete array or object.
  bool Finish();

  uint64_t records();
  // Why the body is invalid, with the byte offset: empty while it is valid.
  const std::string& error() const { return error_; }

 private:
  enum class State { kStart, kArrayFirst, kArrayNext, kInRecord, kAfterRecord, kDone, kFailed };
  enum class RecordKind { kContainer, kString, kScalar };
  class RecordParser;

 public:
  struct WholeBody;  // a parser and the bytes kept, pooled across validators

 private:
  // The kept body, parsed whole: true when it is one complete valid array
  // or object. Otherwise the tokenizer takes over from its first byte.
  bool SettleWholeBody();
  void StopKeepingWholeBody();
  bool FeedTokenizer(std::string_view bytes);
  void BeginRecord(char first, uint64_t offset, bool is_top_level_object);
  size_t ScanRecord(std::string_view bytes, size_t pos);
  size_t ScanScalar(std::string_view bytes, size_t pos);
  size_t ScanNested(std::string_view bytes, size_t pos);
  bool AppendToRecord(std::string_view piece);
  void EndRecord();
  void Fail(std::string message);
  void StepOutsideRecord(char c, size_t pos);

  size_t max_record_bytes_;
  size_t whole_body_bytes_;
  std::unique_ptr<RecordParser> parser_;
  bool keeping_whole_body_ = true;
  std::unique_ptr<WholeBody> whole_body_;  // taken from the pool with the first bytes
  size_t whole_body_checked_bytes_ = 0;    // what the last whole parse found valid
  uint64_t whole_body_records_ = 0;
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
