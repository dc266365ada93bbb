// One raw part: a response body streamed from the socket into the lake,
// hashed (sha256) and validated (JSON, record count) on the way, without
// holding the body in memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/core.h"
#include "lake/lake.h"
#include "source/json_body.h"
#include "source/source.h"

namespace sluice::source {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Reset();
  void Update(std::string_view bytes);
  std::string HexDigest();  // ends the digest; Reset() before reuse

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

struct PartStats {
  uint64_t bytes = 0;
  std::string sha256;
  uint64_t records = 0;
};

// The sink for one page's request, across its attempts. A 2xx body goes to
// the object `key` (visible only after Commit()); any other status keeps an
// excerpt of its body for the error message. Not thread-safe.
class RawPartWriter final : public BodySink {
 public:
  RawPartWriter(lake::ObjectStore& store, std::string key, size_t max_record_bytes);

  // Before each attempt: drops what an earlier attempt stored (never committed).
  void StartAttempt();
  Status OnResponse(const HttpResponse& head) override;
  Status OnBody(std::string_view bytes) override;

  const std::string& key() const { return key_; }
  // A 2xx body is being stored.
  bool is_storing() const { return writer_ != nullptr; }
  // Records of the body so far (complete ones; all of them once it ended).
  uint64_t records() { return validator_.records(); }
  // The first bytes of a non-2xx body, printable, for an error message.
  const std::string& excerpt() const { return excerpt_; }

  // The transfer of a 2xx body completed: a valid body is committed under the
  // key; an invalid one is kept as "<key>.failed" and kDataLoss says why.
  Result<PartStats> Commit();
  // The transfer of a 2xx body failed part-way: keeps what arrived as
  // "<key>.failed" and returns that key.
  Result<std::string> KeepFailed();

 private:
  lake::ObjectStore& store_;
  std::string key_;
  std::unique_ptr<lake::ObjectWriter> writer_;
  Sha256 sha256_;
  JsonBodyValidator validator_;
  uint64_t bytes_ = 0;
  std::string excerpt_;
};

}  // namespace sluice::source
