#include "transform/json_text.h"

namespace sluice::transform {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Skips [0-9]+ from i; false when there is no digit.
bool SkipDigits(std::string_view text, size_t& i) {
  const size_t start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  return i > start;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s, bool& has_nul) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c == 0) has_nul = true;
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (i < text.size() && text[i] == '0') {
    ++i;
  } else if (!SkipDigits(text, i)) {
    return false;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    if (!SkipDigits(text, i)) return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (!SkipDigits(text, i)) return false;
  }
  return i == text.size();
}

bool IsJsonInteger(std::string_view text) {
  return IsJsonNumber(text) && text.find_first_of(".eE") == std::string_view::npos;
}

std::string_view TrimJsonWhitespace(std::string_view text) {
  while (!text.empty()) {
    const char c = text.back();
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    text.remove_suffix(1);
  }
  return text;
}

std::string DescribeForError(std::string_view kind, std::string_view text, bool quote) {
  static constexpr size_t kMaxShown = 60;
  const bool cut = text.size() > kMaxShown;
  std::string_view shown = cut ? text.substr(0, kMaxShown) : text;
  // Do not cut a UTF-8 sequence in two: drop continuation bytes at the cut.
  if (cut) {
    while (!shown.empty() && (static_cast<unsigned char>(shown.back()) & 0xC0) == 0x80) {
      shown.remove_suffix(1);
    }
    if (!shown.empty() && static_cast<unsigned char>(shown.back()) >= 0xC0) shown.remove_suffix(1);
  }
  std::string out(kind);
  if (shown.empty() && !quote) return out;
  out.push_back(' ');
  if (quote) {
    AppendJsonString(out, shown);
    if (cut) out.insert(out.size() - 1, "...");
  } else {
    // Objects and arrays are minified JSON already: one line.
    out.append(shown);
    if (cut) out.append("...");
  }
  return out;
}

}  // namespace sluice::transform
