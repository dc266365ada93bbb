// Casting JSON values to column types (the rules are in transform.h).
#include <fmt/format.h>

#include <charconv>

#include "transform/iso_time.h"
#include "transform/json_text.h"
#include "transform/transform.h"

namespace sluice::transform {
namespace {

// As a pipeline file spells the type ("double", not "double precision").
std::string_view DeclaredTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kDouble:
      return "double";
    case ColumnType::kTimestamp:
      return "timestamp";
    default:
      return ColumnTypeName(type);
  }
}

Error Mismatch(ColumnType type, const JsonValue& value, std::string_view why = {}) {
  const bool quote = value.kind == JsonKind::kString;
  std::string got = DescribeForError(JsonKindName(value.kind), value.text, quote);
  if (why.empty())
    return Error::InvalidArgument("expected {}, got {}", DeclaredTypeName(type), got);
  return Error::InvalidArgument("expected {}, got {} ({})", DeclaredTypeName(type), got, why);
}

bool IsNumberLike(const JsonValue& value) {
  return value.kind == JsonKind::kNumber || value.kind == JsonKind::kString;
}

// A JSON integer of up to 18 digits without a leading zero fits int64 and is
// written as it is: most ids, cast without a parse and a print.
bool IsCanonicalSmallInteger(std::string_view text) {
  const size_t digits_at = !text.empty() && text[0] == '-' ? 1 : 0;
  const size_t digits = text.size() - digits_at;
  if (digits == 0 || digits > 18) return false;
  if (text[digits_at] == '0') return digits == 1 && digits_at == 0;  // "0", not "-0" or "01"
  for (size_t i = digits_at; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

Status CastBigint(const JsonValue& value, Cell& cell) {
  std::string_view text = value.text;
  if (value.kind == JsonKind::kNumber && IsCanonicalSmallInteger(text)) {
    cell.text.assign(text);
    return OkStatus();
  }
  // A string may carry leading zeros ("007"); a JSON number cannot.
  if (!IsNumberLike(value)) return Mismatch(ColumnType::kBigint, value);
  size_t digits_at = !text.empty() && text[0] == '-' ? 1 : 0;
  if (value.kind == JsonKind::kString) {
    while (digits_at + 1 < text.size() && text[digits_at] == '0') ++digits_at;
  }
  const std::string_view canonical_digits = text.substr(digits_at);
  if (!IsJsonInteger(canonical_digits) || canonical_digits[0] == '-') {
    return Mismatch(ColumnType::kBigint, value);
  }
  int64_t parsed = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, parsed);
  if (ec == std::errc::result_out_of_range) {
    return Mismatch(ColumnType::kBigint, value, "out of range");
  }
  if (ec != std::errc() || ptr != end) return Mismatch(ColumnType::kBigint, value);
  char buffer[24];
  auto written = std::to_chars(buffer, buffer + sizeof(buffer), parsed);
  cell.text.assign(buffer, written.ptr);
  return OkStatus();
}

Status CastDouble(const JsonValue& value, Cell& cell) {
  if (!IsNumberLike(value)) return Mismatch(ColumnType::kDouble, value);
  const std::string_view text = value.text;
  if (value.kind == JsonKind::kString &&
      (text == "NaN" || text == "Infinity" || text == "-Infinity")) {
    cell.text.assign(text);
    return OkStatus();
  }
  if (!IsJsonNumber(text)) return Mismatch(ColumnType::kDouble, value);
  double parsed = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (ec == std::errc::result_out_of_range) {
    return Mismatch(ColumnType::kDouble, value, "out of range");
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Mismatch(ColumnType::kDouble, value);
  }
  cell.text.assign(text);
  return OkStatus();
}

Status CastNumeric(const JsonValue& value, Cell& cell) {
  if (!IsNumberLike(value)) return Mismatch(ColumnType::kNumeric, value);
  if (value.text != "NaN" && !IsJsonNumber(value.text)) {
    return Mismatch(ColumnType::kNumeric, value);
  }
  cell.text.assign(value.text);
  return OkStatus();
}

Status CastText(const JsonValue& value, Cell& cell) {
  if (value.kind == JsonKind::kString && value.has_nul) {
    return Mismatch(ColumnType::kText, value, "U+0000 cannot be stored in PostgreSQL text");
  }
  cell.text.assign(value.text);
  return OkStatus();
}

Status CastBoolean(const JsonValue& value, Cell& cell) {
  const bool accepted =
      value.kind == JsonKind::kBoolean ||
      (value.kind == JsonKind::kString && (value.text == "true" || value.text == "false"));
  if (!accepted) return Mismatch(ColumnType::kBoolean, value);
  cell.text.assign(value.text);
  return OkStatus();
}

Status CastTimestamp(const JsonValue& value, Cell& cell) {
  cell.text.clear();
  if (value.kind != JsonKind::kString || !AppendIsoTimestampUtc(value.text, cell.text)) {
    return Mismatch(ColumnType::kTimestamp, value);
  }
  return OkStatus();
}

Status CastDate(const JsonValue& value, Cell& cell) {
  cell.text.clear();
  if (value.kind != JsonKind::kString || !AppendIsoDate(value.text, cell.text)) {
    return Mismatch(ColumnType::kDate, value);
  }
  return OkStatus();
}

Status CastJsonb(const JsonValue& value, Cell& cell) {
  if (value.has_nul) {
    return Mismatch(ColumnType::kJsonb, value, "U+0000 cannot be stored in PostgreSQL jsonb");
  }
  cell.text.clear();
  if (value.kind == JsonKind::kString) {
    AppendJsonString(cell.text, value.text);
  } else {
    cell.text.assign(value.text);
  }
  return OkStatus();
}

}  // namespace

std::string_view JsonKindName(JsonKind kind) {
  switch (kind) {
    case JsonKind::kAbsent:
      return "absent";
    case JsonKind::kNull:
      return "null";
    case JsonKind::kString:
      return "string";
    case JsonKind::kNumber:
      return "number";
    case JsonKind::kBoolean:
      return "boolean";
    case JsonKind::kObject:
      return "object";
    case JsonKind::kArray:
      return "array";
  }
  return "unknown";
}

Status CastValue(ColumnType type, const JsonValue& value, Cell& cell) {
  cell.is_null = value.kind == JsonKind::kAbsent || value.kind == JsonKind::kNull;
  cell.is_plain = type != ColumnType::kText && type != ColumnType::kJsonb;
  if (cell.is_null) {
    cell.text.clear();
    return OkStatus();
  }
  switch (type) {
    case ColumnType::kBigint:
      return CastBigint(value, cell);
    case ColumnType::kDouble:
      return CastDouble(value, cell);
    case ColumnType::kNumeric:
      return CastNumeric(value, cell);
    case ColumnType::kText:
      return CastText(value, cell);
    case ColumnType::kBoolean:
      return CastBoolean(value, cell);
    case ColumnType::kTimestamp:
      return CastTimestamp(value, cell);
    case ColumnType::kDate:
      return CastDate(value, cell);
    case ColumnType::kJsonb:
      return CastJsonb(value, cell);
  }
  return Error::Internal("unknown column type {}", static_cast<int>(type));
}

Status CastRecord(const RowSchema& schema, const JsonRecord& record, std::vector<Cell>& cells) {
  const std::vector<ColumnSpec>& columns = schema.table().columns;
  cells.resize(columns.size());
  if (!record.problem.empty()) return Error::InvalidArgument("{}", record.problem);
  std::string reasons;
  auto add_reason = [&reasons](std::string_view reason) {
    if (!reasons.empty()) reasons.append("; ");
    reasons.append(reason);
  };
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnSpec& column = columns[i];
    const JsonValue& value = record.values[i];
    if (Status cast = CastValue(column.type, value, cells[i]); !cast) {
      add_reason(fmt::format("column {}: {}", column.name, cast.error().message()));
    } else if (cells[i].is_null && column.required) {
      add_reason(fmt::format("required column {} is {}", column.name,
                             value.kind == JsonKind::kNull ? "null" : "missing"));
    }
  }
  if (!reasons.empty()) return Error::InvalidArgument("{}", reasons);
  return OkStatus();
}

}  // namespace sluice::transform
