// AppendSnakeCase: core's ToSnakeCase rule (core/pipeline.h) written into a
// caller's buffer; tests/transform/naming_test.cc and the fuzz target check
// that both agree.
#include "transform/transform.h"

namespace sluice::transform {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

void AppendSnakeCase(std::string& out, std::string_view name) {
  const size_t start = out.size();
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (IsUpper(c)) {
      const char prev = i > 0 ? name[i - 1] : '\0';
      const char next = i + 1 < name.size() ? name[i + 1] : '\0';
      const bool starts_word =
          IsLower(prev) || IsDigit(prev) || (IsUpper(prev) && IsLower(next));
      if (starts_word && out.size() > start && out.back() != '_') out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (IsLower(c) || IsDigit(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(c);
    } else {
      out.push_back('_');
    }
  }
}

}  // namespace sluice::transform
