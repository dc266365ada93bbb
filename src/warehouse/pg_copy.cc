#include "warehouse/pg_copy.h"

#include <algorithm>
#include <charconv>
#include <utility>

namespace sluice::warehouse {
namespace {

// A header row longer than this is not a header: the part is not clean CSV.
constexpr size_t kMaxHeaderBytes = size_t{64} << 10;

// Counts the records that end in chunk: newlines outside quoted fields.
// A doubled quote inside a quoted field toggles twice, so it needs no
// special case. in_quotes carries the state from one chunk to the next.
int64_t CountRecordEnds(std::string_view chunk, bool& in_quotes) {
  if (!in_quotes && chunk.find('"') == std::string_view::npos) {
    return std::count(chunk.begin(), chunk.end(), '\n');
  }
  int64_t records = 0;
  for (char c : chunk) {
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (c == '\n' && !in_quotes) {
      ++records;
    }
  }
  return records;
}

std::string JoinColumns(const std::vector<std::string>& columns) {
  return fmt::format("{}", fmt::join(columns, ","));
}

// "COPY _sluice_staging, line 3, column id: "abc"" -> 3 and "column id".
std::pair<int64_t, std::string> RowAndColumnOfContext(std::string_view context) {
  int64_t row = 0;
  std::string column;
  size_t line_at = context.find(", line ");
  if (line_at == std::string_view::npos) return {0, column};
  std::string_view rest = context.substr(line_at + 7);
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), row);
  if (ec != std::errc()) return {0, column};
  rest = rest.substr(static_cast<size_t>(end - rest.data()));
  if (rest.starts_with(", column ")) {
    rest.remove_prefix(2);
    column = std::string(rest.substr(0, rest.find(':')));
  }
  return {row, column};
}

}  // namespace

Result<std::vector<std::string>> ParseCsvHeader(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> fields(1);
  bool in_quotes = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (in_quotes) {
      if (c != '"') {
        fields.back().push_back(c);
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else {
        in_quotes = false;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  if (in_quotes) return Error::InvalidArgument("header row has an unterminated quoted field");
  return fields;
}

Result<std::vector<std::string>> ReadCsvHeader(lake::ObjectStore& store, std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.OpenRange(key, 0, kMaxHeaderBytes));
  std::string head(kMaxHeaderBytes, '\0');
  size_t filled = 0;
  while (filled < head.size()) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(head.data() + filled, head.size() - filled));
    if (n == 0) break;
    filled += n;
    if (head.find('\n') < filled) break;
  }
  head.resize(filled);
  size_t newline = head.find('\n');
  if (head.empty() || (newline == std::string::npos && filled == kMaxHeaderBytes)) {
    return Error::DataLoss("{}: no CSV header row in its first {} bytes", key, kMaxHeaderBytes);
  }
  auto header = ParseCsvHeader(std::string_view(head).substr(0, newline));
  if (!header) return std::move(header.error()).AddContext(key);
  return header;
}

CopyStream::CopyStream(PgConn& conn, lake::ObjectStore& store, std::vector<std::string> columns,
                       std::optional<std::vector<BinaryType>> binary_types)
    : conn_(conn), store_(store), columns_(std::move(columns)), buffer_(kCopyChunkBytes) {
  if (binary_types) binary_.emplace(std::move(*binary_types), columns_);
}

Result<CopyResult> CopyStream::Run(std::string_view copy_sql,
                                   std::span<const std::string> part_keys) {
  PgResult start(PQexec(conn_.get(), std::string(copy_sql).c_str()));
  if (!start) return conn_.ConnectionError("COPY");
  if (PQresultStatus(start.get()) != PGRES_COPY_IN) {
    return ErrorFromResult(start.get(), "COPY");
  }
  Status sent = binary_ ? Send(CsvToCopyBinary::Header(), "the COPY header") : OkStatus();
  for (size_t i = 0; sent && i < part_keys.size(); ++i) sent = SendPart(part_keys[i]);
  if (sent && binary_) sent = Send(CsvToCopyBinary::Trailer(), "the COPY trailer");
  if (!sent) {
    Abort(sent.error().message());
    return std::move(sent).error();
  }
  SLUICE_ASSIGN_OR_RETURN(int64_t rows, Finish());
  if (rows != rows_sent_) {
    // COPY stops at a "\." line in CSV mode: rows after it would be lost.
    return Error::DataLoss("COPY read {} rows but the parts hold {}", rows, rows_sent_)
        .Hint("a line holding only \\. ends COPY data; quote such values in the clean CSV");
  }
  return CopyResult{rows, bytes_read_};
}

Status CopyStream::SendPart(const std::string& key) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store_.Open(key));
  PartSpan span{key, rows_sent_ + 1, 0};
  std::string header;
  bool in_header = true;
  bool in_quotes = false;
  char last_byte = '\n';
  if (binary_) binary_->StartPart(key);
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer_.data(), buffer_.size()));
    if (n == 0) break;
    bytes_read_ += n;
    std::string_view chunk(buffer_.data(), n);
    if (in_header) {
      SLUICE_ASSIGN_OR_RETURN(bool header_done, StripHeader(key, chunk, header));
      in_header = !header_done;
      if (chunk.empty()) continue;
    }
    last_byte = chunk.back();
    SLUICE_TRY(SendRows(key, chunk, span.rows, in_quotes));
  }
  if (in_header) {
    if (header.empty()) return Error::DataLoss("{}: empty object, expected a CSV header row", key);
    SLUICE_TRY(CheckHeader(key, header));
  }
  if (binary_) {
    SLUICE_ASSIGN_OR_RETURN(span.rows, binary_->EndPart(binary_rows_));
    SLUICE_TRY(Send(binary_rows_, key));
    binary_rows_.clear();
  } else {
    if (in_quotes) {
      return Error::DataLoss("{}: ends inside a quoted field: the part is truncated", key)
          .Hint("re-run the transform for this ds");
    }
    if (last_byte != '\n') {  // the last row had no line end: keep it apart from the next part's
      SLUICE_TRY(Send("\n", key));
      ++span.rows;
    }
  }
  rows_sent_ += span.rows;
  spans_.push_back(std::move(span));
  return OkStatus();
}

Status CopyStream::SendRows(const std::string& key, std::string_view chunk, int64_t& rows,
                            bool& in_quotes) {
  if (!binary_) {
    rows += CountRecordEnds(chunk, in_quotes);
    return Send(chunk, key);
  }
  SLUICE_TRY(binary_->Feed(chunk, binary_rows_));
  if (binary_rows_.size() < kCopyChunkBytes) return OkStatus();
  SLUICE_TRY(Send(binary_rows_, key));
  binary_rows_.clear();
  return OkStatus();
}

Result<bool> CopyStream::StripHeader(const std::string& key, std::string_view& chunk,
                                     std::string& header) const {
  size_t newline = chunk.find('\n');
  header.append(chunk.substr(0, newline));
  if (newline == std::string_view::npos) {
    chunk = {};
    if (header.size() > kMaxHeaderBytes) {
      return Error::DataLoss("{}: no CSV header row in its first {} bytes", key, kMaxHeaderBytes);
    }
    return false;
  }
  SLUICE_TRY(CheckHeader(key, header));
  chunk.remove_prefix(newline + 1);
  return true;
}

Status CopyStream::Send(std::string_view bytes, const std::string& key) {
  if (PQputCopyData(conn_.get(), bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return conn_.ConnectionError(fmt::format("COPY {}", key));
  }
  return OkStatus();
}

Status CopyStream::CheckHeader(const std::string& key, std::string_view header_line) const {
  auto header = ParseCsvHeader(header_line);
  if (!header) return std::move(header.error()).AddContext(key);
  if (*header != columns_) {
    return Error::DataLoss("{}: header row is '{}', expected '{}'", key, JoinColumns(*header),
                           JoinColumns(columns_))
        .Hint("every part of a partition must have the columns its schema.json lists");
  }
  return OkStatus();
}

void CopyStream::Abort(std::string_view reason) {
  PQputCopyEnd(conn_.get(), std::string(reason).c_str());
  while (PGresult* result = PQgetResult(conn_.get())) PQclear(result);
}

Result<int64_t> CopyStream::Finish() {
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) return conn_.ConnectionError("COPY end");
  PgResult result(PQgetResult(conn_.get()));
  if (!result) return conn_.ConnectionError("COPY end");
  Result<int64_t> rows = 0;
  if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) {
    rows = std::strtoll(PQcmdTuples(result.get()), nullptr, 10);
  } else {
    rows = CopyFailure(result.get());
  }
  while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
  return rows;
}

Error CopyStream::CopyFailure(const PGresult* result) const {
  const char* context = PQresultErrorField(result, PG_DIAG_CONTEXT);
  auto [row, column] = RowAndColumnOfContext(context ? context : "");
  for (const PartSpan& span : spans_) {
    if (row >= span.first_row && row < span.first_row + span.rows) {
      std::string where = fmt::format("{} row {}", span.key, row - span.first_row + 1);
      if (!column.empty()) where += ", " + column;
      return ErrorFromResult(result, where);
    }
  }
  return ErrorFromResult(result, "COPY");
}

}  // namespace sluice::warehouse
