// Arbitrary bytes as a page's body, in pieces of a size the first byte picks,
// through the validator kept whole (parsed once) and through its tokenizer
// alone. Must never crash, leak or hang, and both must give the same verdict,
// record count and message: a body is only ever taken whole when the
// tokenizer would have taken it too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "source/json_body.h"

namespace {

struct Outcome {
  bool is_valid;
  uint64_t records;
  std::string error;
};

Outcome Validate(std::string_view body, size_t piece, size_t whole_body_bytes) {
  sluice::source::JsonBodyValidator validator(1 << 20, whole_body_bytes);
  for (size_t at = 0; at < body.size(); at += piece) validator.Feed(body.substr(at, piece));
  const bool is_valid = validator.Finish();
  return {is_valid, validator.records(), validator.error()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 16;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = Validate(body, piece, sluice::source::JsonBodyValidator::kWholeBodyBytes);
  const Outcome tokenized = Validate(body, piece, 0);
  if (whole.is_valid != tokenized.is_valid || whole.records != tokenized.records ||
      whole.error != tokenized.error) {
    std::fprintf(stderr, "json_body_fuzz: whole %d %llu '%s', tokenized %d %llu '%s'\n",
                 whole.is_valid, static_cast<unsigned long long>(whole.records),
                 whole.error.c_str(), tokenized.is_valid,
                 static_cast<unsigned long long>(tokenized.records), tokenized.error.c_str());
    std::abort();
  }
  return 0;
}
