#include "core/pipeline_yaml.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

namespace sluice::loader {
namespace {

// Durations past a year are surely mistakes, and the bound keeps the sums far
// from overflowing.
constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 366);

std::string KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "the text " + Quote(node.Scalar());
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string JoinNames(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool IsAllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == y;
         });
}

std::optional<std::chrono::milliseconds> UnitLength(std::string_view unit) {
  using std::chrono::milliseconds;
  if (unit == "ms") return milliseconds(1);
  if (unit == "s") return milliseconds(1000);
  if (unit == "m") return milliseconds(60'000);
  if (unit == "h") return milliseconds(3'600'000);
  if (unit == "d") return milliseconds(86'400'000);
  return std::nullopt;
}

// "1h30m" -> 5400000 ms; nullopt when the text is not a duration.
std::optional<std::chrono::milliseconds> ParseDurationText(std::string_view text) {
  if (IsAllDigits(text)) {
    if (text.size() > 9) return std::nullopt;
    return std::chrono::seconds(std::stoll(std::string(text)));
  }
  std::chrono::milliseconds total{0};
  size_t pos = 0;
  while (pos < text.size()) {
    size_t digits_end = pos;
    while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
      ++digits_end;
    }
    size_t unit_end = digits_end;
    while (unit_end < text.size() && std::isalpha(static_cast<unsigned char>(text[unit_end]))) {
      ++unit_end;
    }
    std::string_view digits = text.substr(pos, digits_end - pos);
    auto unit = UnitLength(text.substr(digits_end, unit_end - digits_end));
    if (digits.empty() || digits.size() > 9 || !unit) return std::nullopt;
    total += std::stoll(std::string(digits)) * *unit;
    if (total > kMaxDuration) return std::nullopt;
    pos = unit_end;
  }
  return total;
}

std::string_view RuleText(NameRule rule) {
  switch (rule) {
    case NameRule::kSqlIdentifier:
      return "must be a lower-case SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters";
    case NameRule::kName:
      return "must match [A-Za-z0-9_.-]+ and have at most 250 characters";
    case NameRule::kConnectionId:
      return "must match [a-z_][a-z0-9_]* (it also names the variable SLUICE_CONN_<ID>)";
    case NameRule::kBucket:
      return "must be an S3 bucket name: 3 to 63 of [a-z0-9.-], first and last a letter or digit";
    case NameRule::kEnvName:
      return "must match [A-Za-z_][A-Za-z0-9_]*";
    case NameRule::kHeaderName:
      return "must be an HTTP header name: letters, digits and !#$%&'*+-.^_`|~";
  }
  return "is not valid";
}

}  // namespace

const Entry* Fields::Get(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return entry.value.IsNull() ? nullptr : &entry;
  }
  return nullptr;
}

std::string Quote(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  if (text.size() > kMax) out += "...";
  return out + "'";
}

bool MatchesNameRule(std::string_view name, NameRule rule) {
  auto all = [&](auto allowed) { return std::all_of(name.begin(), name.end(), allowed); };
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty()) return false;
  switch (rule) {
    case NameRule::kSqlIdentifier:
    case NameRule::kConnectionId:
      return name.size() <= 63 && !std::isdigit(static_cast<unsigned char>(name[0])) &&
             all([&](char c) { return lower_or_digit(c) || c == '_'; });
    case NameRule::kName:
      return name.size() <= 250 &&
             all([&](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
    case NameRule::kBucket:
      return name.size() >= 3 && name.size() <= 63 && lower_or_digit(name.front()) &&
             lower_or_digit(name.back()) &&
             all([&](char c) { return lower_or_digit(c) || c == '.' || c == '-'; });
    case NameRule::kEnvName:
      return !std::isdigit(static_cast<unsigned char>(name[0])) &&
             all([&](char c) { return alnum(c) || c == '_'; });
    case NameRule::kHeaderName:
      return all([&](char c) {
        return alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
      });
  }
  return false;
}

SourceLocation YamlReader::Location(const YAML::Node& node) const {
  SourceLocation location{file_, 0, 0};
  if (!node.IsDefined()) return location;
  const YAML::Mark mark = node.Mark();
  if (!mark.is_null()) {
    location.line = mark.line + 1;
    location.column = mark.column + 1;
  }
  return location;
}

SourceLocation YamlReader::Location(const Entry& entry) const {
  if (entry.value.IsDefined() && !entry.value.IsNull()) {
    SourceLocation location = Location(entry.value);
    if (location.line > 0) return location;
  }
  return Location(entry.key_node);
}

Result<Fields> YamlReader::Map(const YAML::Node& node, std::string_view path,
                               std::initializer_list<std::string_view> allowed) const {
  if (!node.IsMap()) {
    return Fail(Location(node), path, "expected a mapping of keys to values, got {}", KindOf(node));
  }
  std::vector<Entry> entries;
  std::map<std::string, int, std::less<>> first_line;
  // Each pair is a copy: it->first would be a reference into a temporary.
  for (const auto& pair : node) {
    const YAML::Node key_node = pair.first;
    if (!key_node.IsScalar()) {
      return Fail(Location(key_node), path, "keys must be plain text, got {}", KindOf(key_node));
    }
    std::string key = key_node.Scalar();
    if (auto [seen, inserted] = first_line.emplace(key, Location(key_node).line); !inserted) {
      return Fail(Location(key_node), path, "duplicate key {} (first defined on line {})",
                  Quote(key), seen->second);
    }
    if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Fail(Location(key_node), path, "unknown key {}; allowed keys: {}", Quote(key),
                  JoinNames(allowed));
    }
    std::string entry_path = path.empty() ? key : fmt::format("{}.{}", path, key);
    entries.push_back(Entry{std::move(key), std::move(entry_path), key_node, pair.second});
  }
  return Fields(std::move(entries));
}

Result<Fields> YamlReader::Map(const Entry& entry,
                               std::initializer_list<std::string_view> allowed) const {
  if (!entry.value.IsMap()) {
    return Fail(entry, "expected a mapping of keys to values, got {}", KindOf(entry.value));
  }
  return Map(entry.value, entry.path, allowed);
}

Result<std::string> YamlReader::String(const Entry& entry) const {
  if (!entry.value.IsScalar()) {
    return Fail(entry, "expected a text value, got {}", KindOf(entry.value));
  }
  return entry.value.Scalar();
}

Result<int64_t> YamlReader::Integer(const Entry& entry, int64_t min, int64_t max) const {
  SLUICE_ASSIGN_OR_RETURN(std::string text, String(entry));
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return Fail(entry, "expected a whole number from {} to {}, got {}", min, max, Quote(text));
  }
  return value;
}

Result<bool> YamlReader::Boolean(const Entry& entry) const {
  SLUICE_ASSIGN_OR_RETURN(std::string text, String(entry));
  for (std::string_view word : {"true", "yes", "on"}) {
    if (EqualsIgnoringCase(text, word)) return true;
  }
  for (std::string_view word : {"false", "no", "off"}) {
    if (EqualsIgnoringCase(text, word)) return false;
  }
  return Fail(entry, "expected true or false, got {}", Quote(text));
}

Result<std::chrono::milliseconds> YamlReader::Duration(const Entry& entry) const {
  SLUICE_ASSIGN_OR_RETURN(std::string text, String(entry));
  std::optional<std::chrono::milliseconds> duration = ParseDurationText(text);
  if (!duration || *duration > kMaxDuration) {
    return Fail(entry,
                "expected a duration like 500ms, 30s, 5m, 1h, 1d, 1h30m or a number of seconds "
                "(at most 366d), got {}",
                Quote(text));
  }
  return *duration;
}

Result<std::chrono::seconds> YamlReader::WholeSeconds(const Entry& entry) const {
  SLUICE_ASSIGN_OR_RETURN(std::chrono::milliseconds duration, Duration(entry));
  if (duration.count() % 1000 != 0) {
    return Fail(entry, "expected a whole number of seconds, got {}", Quote(entry.value.Scalar()));
  }
  return std::chrono::duration_cast<std::chrono::seconds>(duration);
}

Result<std::vector<std::string>> YamlReader::StringList(const Entry& entry) const {
  if (entry.value.IsScalar()) return std::vector<std::string>{entry.value.Scalar()};
  if (!entry.value.IsSequence()) {
    return Fail(entry, "expected a list of text values, got {}", KindOf(entry.value));
  }
  std::vector<std::string> items;
  size_t index = 0;
  for (const YAML::Node& item : entry.value) {
    if (!item.IsScalar()) {
      return Fail(Location(item), fmt::format("{}[{}]", entry.path, index),
                  "expected a text value, got {}", KindOf(item));
    }
    items.push_back(item.Scalar());
    ++index;
  }
  return items;
}

Result<std::map<std::string, std::string>> YamlReader::StringMap(const Entry& entry, NameRule rule,
                                                                 std::string_view what) const {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, Map(entry, {}));
  std::map<std::string, std::string> values;
  for (const Entry& item : fields.entries()) {
    SLUICE_TRY(CheckKeyName(item, rule, what));
    if (item.value.IsNull()) {
      values[item.key] = "";
      continue;
    }
    SLUICE_ASSIGN_OR_RETURN(values[item.key], String(item));
  }
  return values;
}

Status YamlReader::CheckName(const SourceLocation& where, std::string_view path,
                             std::string_view name, NameRule rule, std::string_view what) const {
  if (MatchesNameRule(name, rule)) return OkStatus();
  return Fail(where, path, "{} {} {}", what, Quote(name), RuleText(rule));
}

Status YamlReader::CheckKeyName(const Entry& entry, NameRule rule, std::string_view what) const {
  return CheckName(Location(entry.key_node), entry.path, entry.key, rule, what);
}

Status YamlReader::CheckValueName(const Entry& entry, std::string_view name, NameRule rule,
                                  std::string_view what) const {
  return CheckName(Location(entry), entry.path, name, rule, what);
}

}  // namespace sluice::loader
