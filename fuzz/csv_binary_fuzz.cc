// Arbitrary bytes as the rows of a clean CSV part of a table of one column of
// each converted type (bigint, text, double precision, boolean), turned into
// COPY's binary format. Must never crash, leak or hang; the part fed whole and
// fed in chunks of a size the first byte picks must give the same tuples and
// the same outcome; and what it gives must be well-formed: every tuple four
// fields, each NULL or a length that fits, bigint and double eight bytes,
// boolean one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "warehouse/pg_binary.h"

namespace {

using sluice::warehouse::BinaryType;
using sluice::warehouse::CsvToCopyBinary;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "csv_binary_fuzz: %s\n", what);
  std::abort();
}

struct Outcome {
  bool ok = true;
  std::string message;
  std::string tuples;
  int64_t rows = 0;
};

Outcome Convert(std::string_view rows, size_t chunk) {
  CsvToCopyBinary binary(
      {BinaryType::kInt8, BinaryType::kText, BinaryType::kFloat8, BinaryType::kBool},
      {"id", "name", "amount", "flag"});
  binary.StartPart("clean/t/part-00000.csv");
  Outcome outcome;
  for (size_t at = 0; at < rows.size() && outcome.ok; at += chunk) {
    if (auto fed = binary.Feed(rows.substr(at, chunk), outcome.tuples); !fed) {
      outcome = {false, fed.error().message(), {}, 0};
    }
  }
  if (outcome.ok) {
    if (auto ended = binary.EndPart(outcome.tuples); ended) {
      outcome.rows = *ended;
    } else {
      outcome = {false, ended.error().message(), {}, 0};
    }
  }
  return outcome;
}

uint32_t BigEndian(std::string_view bytes, size_t at, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) value = value << 8 | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

void CheckTuples(const Outcome& outcome) {
  const std::string_view tuples = outcome.tuples;
  size_t at = 0;
  int64_t count = 0;
  while (at < tuples.size()) {
    if (tuples.size() - at < 2 || BigEndian(tuples, at, 2) != 4) Fail("a tuple without 4 fields");
    at += 2;
    for (int field = 0; field < 4; ++field) {
      if (tuples.size() - at < 4) Fail("a field cut short");
      const uint32_t length = BigEndian(tuples, at, 4);
      at += 4;
      if (length == 0xffffffff) continue;  // NULL
      if (length > tuples.size() - at) Fail("a field longer than what follows");
      if ((field == 0 || field == 2) && length != 8) Fail("a bigint or double not 8 bytes");
      if (field == 3 && (length != 1 || static_cast<uint8_t>(tuples[at]) > 1))
        Fail("a bad boolean");
      at += length;
    }
    ++count;
  }
  if (count != outcome.rows) Fail("the row count is not the tuples'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 64;
  const std::string_view rows(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = Convert(rows, rows.size() + 1);
  const Outcome chunked = Convert(rows, chunk);
  if (whole.ok != chunked.ok || whole.message != chunked.message ||
      whole.tuples != chunked.tuples || whole.rows != chunked.rows) {
    Fail("fed whole and in chunks, the part gave different results");
  }
  if (whole.ok) CheckTuples(whole);
  if (!whole.ok && whole.message.find('\n') != std::string::npos) Fail("a message of two lines");
  return 0;
}
