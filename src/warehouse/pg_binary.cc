#include "warehouse/pg_binary.h"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cerrno>
#include <clocale>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

namespace sluice::warehouse {
namespace {

// PostgreSQL's type OIDs (pg_type.dat); stable across releases.
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kFloat8Oid = 701;

constexpr std::string_view kInvalidText = "22P02";
constexpr std::string_view kOutOfRange = "22003";
constexpr std::string_view kBadCopyFormat = "22P04";

// The C library's isspace in the C locale, which the input functions use.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// A value quoted for a one-line message: control bytes escaped, long values cut.
std::string Quoted(std::string_view value) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < value.size() && i < kMaxShown; ++i) {
    auto byte = static_cast<unsigned char>(value[i]);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(value[i]);
    }
  }
  if (value.size() > kMaxShown) out += "...";
  return out + "\"";
}

void AppendBigEndian(std::string& out, auto value) {
  auto bits = std::bit_cast<std::make_unsigned_t<decltype(value)>>(value);
  char bytes[sizeof bits];
  for (size_t i = 0; i < sizeof bits; ++i) {
    bytes[i] = static_cast<char>((bits >> (8 * (sizeof bits - 1 - i))) & 0xff);
  }
  out.append(bytes, sizeof bytes);
}

// What ends the plain start of a field.
constexpr std::array<bool, 256> kFieldStop = [] {
  std::array<bool, 256> stop{};
  for (unsigned char c : {',', '"', '\r'}) stop[c] = true;
  return stop;
}();

enum class Parsed { kOk, kSyntax, kRange };

// int8in (pg_strtoint64): spaces, a sign, digits, spaces.
Parsed ParseInt8(std::string_view text, int64_t& value) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  if (i == text.size() || text[i] < '0' || text[i] > '9') return Parsed::kSyntax;
  // Accumulated as a negative number, which reaches INT64_MIN.
  int64_t accumulated = 0;
  bool overflow = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const int digit = text[i] - '0';
    if (accumulated < (std::numeric_limits<int64_t>::min() + digit) / 10) overflow = true;
    if (!overflow) accumulated = accumulated * 10 - digit;
  }
  while (i < text.size() && IsSpace(text[i])) ++i;
  if (i != text.size()) return Parsed::kSyntax;
  if (overflow || (!negative && accumulated == std::numeric_limits<int64_t>::min())) {
    return Parsed::kRange;
  }
  value = negative ? accumulated : -accumulated;
  return Parsed::kOk;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// float8in: spaces, then what strtod reads or one of PostgreSQL's spellings
// of NaN and the infinities, then spaces. `text` is NUL-terminated.
Parsed ParseFloat8(const std::string& text, double& value) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", nullptr);
  const char* number = text.c_str();
  while (*number != '\0' && IsSpace(*number)) ++number;
  if (*number == '\0' || text.find('\0') != std::string::npos) {
    return Parsed::kSyntax;
  }
  char* end = nullptr;
  errno = 0;
  value = strtod_l(number, &end, c_locale);
  if (end == number || errno != 0) {
    const int error = errno;
    const std::string_view rest(number);
    struct Spelling {
      std::string_view text;
      double value;
    };
    constexpr double kInf = std::numeric_limits<double>::infinity();
    const Spelling spellings[] = {{"nan", std::numeric_limits<double>::quiet_NaN()},
                                  {"infinity", kInf},
                                  {"+infinity", kInf},
                                  {"-infinity", -kInf},
                                  {"inf", kInf},
                                  {"+inf", kInf},
                                  {"-inf", -kInf}};
    bool spelled = false;
    for (const Spelling& spelling : spellings) {
      if (StartsWithNoCase(rest, spelling.text)) {
        value = spelling.value;
        end = const_cast<char*>(number) + spelling.text.size();
        spelled = true;
        break;
      }
    }
    if (!spelled) {
      if (error != ERANGE) return Parsed::kSyntax;
      // A denormal result is kept; underflow to zero and overflow are not.
      if (value == 0.0 || std::isinf(value)) return Parsed::kRange;
    }
  }
  while (*end != '\0' && IsSpace(*end)) ++end;
  return *end == '\0' ? Parsed::kOk : Parsed::kSyntax;
}

// boolin: spaces around a case-insensitive prefix of true, false, yes or
// no, or on, off ("of" is enough, "o" is not), 1 or 0.
std::optional<bool> ParseBool(std::string_view text) {
  text = TrimSpace(text);
  if (text.empty()) return std::nullopt;
  auto prefix_of = [&](std::string_view word, size_t at_least) {
    return text.size() >= at_least && text.size() <= word.size() &&
           StartsWithNoCase(text, word.substr(0, text.size()));
  };
  if (prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2)) return true;
  if (prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2)) return false;
  if (text == "1") return true;
  if (text == "0") return false;
  return std::nullopt;
}

}  // namespace

std::optional<BinaryType> BinaryTypeOfOid(uint32_t type_oid) {
  switch (type_oid) {
    case kInt8Oid:
      return BinaryType::kInt8;
    case kFloat8Oid:
      return BinaryType::kFloat8;
    case kBoolOid:
      return BinaryType::kBool;
    case kTextOid:
      return BinaryType::kText;
    default:
      return std::nullopt;
  }
}

CsvToCopyBinary::CsvToCopyBinary(std::vector<BinaryType> types, std::vector<std::string> names)
    : types_(std::move(types)), names_(std::move(names)) {}

std::string_view CsvToCopyBinary::Header() {
  // Signature, flags (no OIDs), header extension length.
  static constexpr char kHeader[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
  return {kHeader, sizeof kHeader - 1};
}

std::string_view CsvToCopyBinary::Trailer() { return {"\xff\xff", 2}; }

void CsvToCopyBinary::StartPart(std::string key) {
  key_ = std::move(key);
  rows_ = 0;
  in_quotes_ = false;
  pending_.clear();
}

namespace {

// The next line end outside quotes at or after `at`, or npos; in_quotes is
// the quoting state at `at` and, when there is none, at the chunk's end.
size_t NextRowEnd(std::string_view chunk, size_t at, bool& in_quotes) {
  while (at < chunk.size()) {
    if (in_quotes) {
      const size_t quote = chunk.find('"', at);
      if (quote == std::string_view::npos) return std::string_view::npos;
      in_quotes = false;
      at = quote + 1;
      continue;
    }
    const size_t newline = chunk.find('\n', at);
    const size_t quote = chunk.substr(0, newline).find('"', at);
    if (quote == std::string_view::npos) return newline;
    in_quotes = true;
    at = quote + 1;
  }
  return std::string_view::npos;
}

}  // namespace

Status CsvToCopyBinary::Feed(std::string_view chunk, std::string& out) {
  size_t row_start = 0;
  for (size_t row_end; (row_end = NextRowEnd(chunk, row_start, in_quotes_)) != chunk.npos;
       row_start = row_end + 1) {
    std::string_view row = chunk.substr(row_start, row_end - row_start);
    if (!pending_.empty()) {
      pending_.append(row);
      row = pending_;
    }
    SLUICE_TRY(EncodeRow(row, out));
    pending_.clear();
  }
  pending_.append(chunk.substr(row_start));
  return OkStatus();
}

Result<int64_t> CsvToCopyBinary::EndPart(std::string& out) {
  if (in_quotes_) {
    return Error::DataLoss("{}: ends inside a quoted field: the part is truncated", key_)
        .Hint("re-run the transform for this ds");
  }
  if (!pending_.empty()) {
    SLUICE_TRY(EncodeRow(pending_, out));
    pending_.clear();
  }
  return rows_;
}

Error CsvToCopyBinary::Bad(std::string_view sqlstate, std::string message,
                           std::optional<size_t> column) const {
  std::string where = fmt::format("{} row {}", key_, rows_);
  if (column) where += fmt::format(", column {}", names_[*column]);
  return Error::InvalidArgument("{}: {} (SQLSTATE {})", where, message, sqlstate);
}

// A row as COPY's CSV format reads it: fields split at commas outside
// quotes; a quote anywhere starts or ends a quoted stretch, in which two
// quotes are one; an unquoted empty field is NULL.
Status CsvToCopyBinary::EncodeRow(std::string_view row, std::string& out) {
  ++rows_;
  // As COPY does, the first line end says whether lines end in CR LF; an
  // unquoted CR anywhere else is refused when parsing the fields.
  const bool ends_in_cr = !row.empty() && row.back() == '\r';
  if (line_end_ == LineEnd::kUnknown) line_end_ = ends_in_cr ? LineEnd::kCrLf : LineEnd::kLf;
  if (line_end_ == LineEnd::kCrLf) {
    if (!ends_in_cr) return Bad(kBadCopyFormat, "unquoted newline found in data");
    row.remove_suffix(1);
  }
  AppendBigEndian(out, static_cast<int16_t>(types_.size()));
  size_t column = 0;
  size_t at = 0;
  while (true) {
    if (column == types_.size()) {
      return Bad(kBadCopyFormat, "extra data after last expected column");
    }
    size_t end = at;
    while (end < row.size() && !kFieldStop[static_cast<unsigned char>(row[end])]) ++end;
    std::string_view value = row.substr(at, end - at);
    bool saw_quote = false;
    if (end < row.size() && row[end] == '"') {
      saw_quote = true;
      quoted_.assign(value);
      bool in_quotes = false;
      for (; end < row.size(); ++end) {
        const char c = row[end];
        if (c == '"') {
          if (in_quotes && end + 1 < row.size() && row[end + 1] == '"') {
            quoted_.push_back('"');
            ++end;
          } else {
            in_quotes = !in_quotes;
          }
        } else if (!in_quotes && c == ',') {
          break;
        } else if (!in_quotes && c == '\r') {
          return Bad(kBadCopyFormat, "unquoted carriage return found in data");
        } else {
          quoted_.push_back(c);
        }
      }
      value = quoted_;
    } else if (end < row.size() && row[end] == '\r') {
      return Bad(kBadCopyFormat, "unquoted carriage return found in data");
    }
    SLUICE_TRY(EncodeValue(column, value, !saw_quote && value.empty(), out));
    ++column;
    if (end >= row.size()) break;
    at = end + 1;  // past the comma
  }
  if (column < types_.size()) {
    return Bad(kBadCopyFormat, fmt::format("missing data for column \"{}\"", names_[column]));
  }
  return OkStatus();
}

Status CsvToCopyBinary::EncodeValue(size_t column, std::string_view value, bool is_null,
                                    std::string& out) {
  if (is_null) {
    AppendBigEndian(out, int32_t{-1});
    return OkStatus();
  }
  auto invalid = [&](std::string_view type) {
    return Bad(kInvalidText,
               fmt::format("invalid input syntax for type {}: {}", type, Quoted(value)), column);
  };
  switch (types_[column]) {
    case BinaryType::kText:
      AppendBigEndian(out, static_cast<int32_t>(value.size()));
      out.append(value);
      return OkStatus();
    case BinaryType::kInt8: {
      int64_t number = 0;
      switch (ParseInt8(value, number)) {
        case Parsed::kSyntax:
          return invalid("bigint");
        case Parsed::kRange:
          return Bad(kOutOfRange,
                     fmt::format("value {} is out of range for type bigint", Quoted(value)),
                     column);
        case Parsed::kOk:
          break;
      }
      AppendBigEndian(out, int32_t{8});
      AppendBigEndian(out, number);
      return OkStatus();
    }
    case BinaryType::kFloat8: {
      number_.assign(value);
      double number = 0;
      switch (ParseFloat8(number_, number)) {
        case Parsed::kSyntax:
          return invalid("double precision");
        case Parsed::kRange:
          return Bad(kOutOfRange,
                     fmt::format("{} is out of range for type double precision", Quoted(value)),
                     column);
        case Parsed::kOk:
          break;
      }
      AppendBigEndian(out, int32_t{8});
      AppendBigEndian(out, std::bit_cast<int64_t>(number));
      return OkStatus();
    }
    case BinaryType::kBool: {
      std::optional<bool> truth = ParseBool(value);
      if (!truth) return invalid("boolean");
      AppendBigEndian(out, int32_t{1});
      out.push_back(*truth ? '\1' : '\0');
      return OkStatus();
    }
  }
  return OkStatus();
}

}  // namespace sluice::warehouse
