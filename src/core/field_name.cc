// FlattenedFieldName and ToSnakeCase, declared in pipeline.h.
#include <cctype>

#include "core/pipeline.h"

namespace sluice {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWord(std::string_view name, size_t i) {
  if (i == 0) return false;
  char previous = name[i - 1];
  char next = i + 1 < name.size() ? name[i + 1] : '\0';
  return IsLower(previous) || IsDigit(previous) || (IsUpper(previous) && IsLower(next));
}

}  // namespace

std::string ToSnakeCase(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 4);
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (IsUpper(c)) {
      if (StartsWord(name, i) && !out.empty() && out.back() != '_') out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (IsLower(c) || IsDigit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(c);
    } else {
      out.push_back('_');
    }
  }
  return out;
}

std::string FlattenedFieldName(std::string_view dotted_path) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t dot = dotted_path.find('.', pos);
    if (pos > 0) out.push_back('_');
    out += ToSnakeCase(dotted_path.substr(pos, dot - pos));
    if (dot == std::string_view::npos) return out;
    pos = dot + 1;
  }
}

}  // namespace sluice
