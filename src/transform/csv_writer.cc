// RFC 4180 CSV as PostgreSQL's COPY (FORMAT csv) reads it: NULL is an empty
// unquoted field, the empty string is "", LF ends a row.
#include <cstdint>
#include <cstring>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

constexpr uint64_t kEveryByte = 0x0101010101010101;

// Nonzero when one of the 8 bytes of word is zero (the classic bit trick).
constexpr uint64_t HasZeroByte(uint64_t word) {
  return (word - kEveryByte) & ~word & (kEveryByte * 0x80);
}

bool IsSpecial(char c) { return c == ',' || c == '"' || c == '\n' || c == '\r'; }

// Every cell of every row is scanned: 8 bytes at a time, not 1.
bool HasSpecialByte(std::string_view field) {
  size_t i = 0;
  for (; i + 8 <= field.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, field.data() + i, 8);
    if (HasZeroByte(word ^ (kEveryByte * ',')) | HasZeroByte(word ^ (kEveryByte * '"')) |
        HasZeroByte(word ^ (kEveryByte * '\n')) | HasZeroByte(word ^ (kEveryByte * '\r'))) {
      return true;
    }
  }
  for (; i < field.size(); ++i) {
    if (IsSpecial(field[i])) return true;
  }
  return false;
}

bool NeedsQuotes(std::string_view field) {
  if (field.empty()) return true;
  if (field == "\\.") return true;  // alone on a line, COPY would read it as end of data
  const char first = field.front();
  const char last = field.back();
  if (first == ' ' || first == '\t' || last == ' ' || last == '\t') return true;
  return HasSpecialByte(field);
}

}  // namespace

void AppendCsvField(std::string& out, std::string_view field) {
  if (!NeedsQuotes(field)) {
    out.append(field);
    return;
  }
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '"') continue;
    out.append(field.data() + run_start, i + 1 - run_start);
    out.push_back('"');
    run_start = i + 1;
  }
  out.append(field.data() + run_start, field.size() - run_start);
  out.push_back('"');
}

CsvWriter::CsvWriter(lake::ObjectWriter& out, size_t buffer_bytes)
    : out_(out), buffer_bytes_(std::max<size_t>(buffer_bytes, 1)) {
  buffer_.reserve(buffer_bytes_ + 4096);
}

Status CsvWriter::WriteHeader(std::span<const ColumnSpec> columns) {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i > 0) buffer_.push_back(',');
    AppendCsvField(buffer_, columns[i].name);
  }
  buffer_.push_back('\n');
  return FlushIfFull();
}

Status CsvWriter::WriteRow(std::span<const Cell> cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) buffer_.push_back(',');
    if (cells[i].is_null) continue;
    if (cells[i].is_plain) {
      buffer_.append(cells[i].text);
    } else {
      AppendCsvField(buffer_, cells[i].text);
    }
  }
  buffer_.push_back('\n');
  ++rows_;
  return FlushIfFull();
}

Status CsvWriter::FlushIfFull() {
  if (buffer_.size() < buffer_bytes_) return OkStatus();
  return Flush();
}

Status CsvWriter::Flush() {
  if (buffer_.empty()) return OkStatus();
  SLUICE_TRY(out_.Write(buffer_));
  flushed_ += buffer_.size();
  buffer_.clear();
  return OkStatus();
}

}  // namespace sluice::transform
