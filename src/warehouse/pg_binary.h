// Private to warehouse: clean CSV rows turned into COPY's binary format as
// they stream in.
//
// Why: a COPY backend spends about a sixth of its time parsing text (the
// photos of the flagship pipeline load in 0.80 s as binary, 0.95 s as CSV),
// and on the load's critical path the backend, not sluice, is the one short
// of CPU. The rows are read as PostgreSQL's CSV format reads them, and each
// value is checked and converted as that type's text input would do it, with
// the same messages and SQLSTATEs, so a table loads the same values, or
// fails on the same rows, either way. Only bigint, double precision, boolean
// and text columns are converted; a table with any other column loads as CSV.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::warehouse {

enum class BinaryType { kInt8, kFloat8, kBool, kText };

// The binary type of a column of this type OID (pg_type.oid), if converted.
std::optional<BinaryType> BinaryTypeOfOid(uint32_t type_oid);

class CsvToCopyBinary {
 public:
  // One type and one name (for messages) per column, in the CSV's order.
  CsvToCopyBinary(std::vector<BinaryType> types, std::vector<std::string> names);

  // What the COPY data starts and ends with.
  static std::string_view Header();
  static std::string_view Trailer();

  // Starts a part (after its header row): errors name key and the row.
  void StartPart(std::string key);
  // Appends to out a tuple for each row that ends in chunk; the rest of a
  // row is kept for the next chunk.
  Status Feed(std::string_view chunk, std::string& out);
  // The part ended: encodes a last row without a line end and returns the
  // part's rows. A part that ends inside a quoted field is kDataLoss.
  Result<int64_t> EndPart(std::string& out);

 private:
  Status EncodeRow(std::string_view row, std::string& out);
  Status EncodeValue(size_t column, std::string_view value, bool is_null, std::string& out);
  Error Bad(std::string_view sqlstate, std::string message,
            std::optional<size_t> column = std::nullopt) const;

  std::vector<BinaryType> types_;
  std::vector<std::string> names_;
  std::string key_;
  enum class LineEnd { kUnknown, kLf, kCrLf };
  LineEnd line_end_ = LineEnd::kUnknown;  // of the whole COPY, as its first row ends
  int64_t rows_ = 0;
  bool in_quotes_ = false;
  std::string pending_;  // the start of a row that continues in the next chunk
  std::string quoted_;   // a field with quotes, unescaped
  std::string number_;   // a value as a C string, for strtod
};

}  // namespace sluice::warehouse
