// Private to warehouse: streams clean CSV parts from the lake into one
// COPY ... FROM STDIN, chunk by chunk, never a whole part in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"
#include "warehouse/pg_binary.h"
#include "warehouse/pg_conn.h"

namespace sluice::warehouse {

// Bytes read from the lake and handed to libpq at a time.
inline constexpr size_t kCopyChunkBytes = 1 << 20;

struct CopyResult {
  int64_t rows = 0;
  uint64_t bytes = 0;
};

class CopyStream {
 public:
  // columns: the header every part must start with, in this order. With
  // binary_types (one per column), the rows go to COPY in its binary format.
  CopyStream(PgConn& conn, lake::ObjectStore& store, std::vector<std::string> columns,
             std::optional<std::vector<BinaryType>> binary_types = std::nullopt);

  // Starts copy_sql (a COPY ... FROM STDIN without HEADER, (FORMAT csv) or
  // (FORMAT binary) as constructed: each part's header row is checked and
  // skipped here), streams the parts in order and ends the COPY. On any
  // failure the COPY is aborted, so the enclosing transaction must be rolled
  // back. Errors name the part key and, for a bad value, the row inside that
  // part.
  Result<CopyResult> Run(std::string_view copy_sql, std::span<const std::string> part_keys);

 private:
  // Where each part's rows fall in the COPY's row numbering (from 1).
  struct PartSpan {
    std::string key;
    int64_t first_row = 1;
    int64_t rows = 0;
  };

  Status SendPart(const std::string& key);
  // The rows of chunk, as they are or converted; rows of the part so far.
  Status SendRows(const std::string& key, std::string_view chunk, int64_t& rows, bool& in_quotes);
  Status Send(std::string_view bytes, const std::string& key);
  // Moves the front of chunk, up to the header row's end, into header and
  // checks it once whole; true then, false while the row continues.
  Result<bool> StripHeader(const std::string& key, std::string_view& chunk,
                           std::string& header) const;
  Status CheckHeader(const std::string& key, std::string_view header_line) const;
  void Abort(std::string_view reason);
  Result<int64_t> Finish();
  Error CopyFailure(const PGresult* result) const;

  PgConn& conn_;
  lake::ObjectStore& store_;
  std::vector<std::string> columns_;
  std::optional<CsvToCopyBinary> binary_;
  std::string binary_rows_;  // converted rows waiting to be sent
  std::vector<char> buffer_;
  std::vector<PartSpan> spans_;
  int64_t rows_sent_ = 0;
  uint64_t bytes_read_ = 0;
};

// Splits one CSV header line (RFC 4180 quoting; a trailing CR is dropped).
Result<std::vector<std::string>> ParseCsvHeader(std::string_view line);

// The header row of a CSV object, read from its first bytes.
Result<std::vector<std::string>> ReadCsvHeader(lake::ObjectStore& store, std::string_view key);

}  // namespace sluice::warehouse
