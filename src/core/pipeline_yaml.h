// Private to core: reading pipeline-file YAML nodes into typed values. Every
// failure is kInvalidArgument worded "file:line:column: path: what is wrong",
// where path names the value ("tables.users.columns.id.type").
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/pipeline.h"

namespace sluice::loader {

// One key of a mapping and its value. A null value (`key:` or `key: ~`) is
// kept: fixed-schema readers treat it as absent through Fields::Get.
struct Entry {
  std::string key;
  std::string path;  // "source.resources.users"
  YAML::Node key_node;
  YAML::Node value;
};

class Fields {
 public:
  explicit Fields(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  // The entry for `key` when present with a non-null value.
  const Entry* Get(std::string_view key) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

// What a name must look like, by what it becomes.
enum class NameRule {
  kSqlIdentifier,  // tables, columns, schemas: [a-z_][a-z0-9_]*, at most 63 bytes
  kName,           // dag, task, resource, source ids: [A-Za-z0-9_.-]+, at most 250
  kConnectionId,   // [a-z_][a-z0-9_]*: becomes SLUICE_CONN_<ID>
  kBucket,         // S3 bucket: [a-z0-9][a-z0-9.-]*[a-z0-9], 3 to 63
  kEnvName,        // [A-Za-z_][A-Za-z0-9_]*
  kHeaderName,     // an HTTP token: letters, digits and !#$%&'*+-.^_`|~
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  SourceLocation Location(const YAML::Node& node) const;
  // Where a value is, falling back to its key when the value has no mark.
  SourceLocation Location(const Entry& entry) const;

  template <typename... Args>
  Error Fail(const SourceLocation& where, std::string_view path, fmt::format_string<Args...> f,
             Args&&... args) const {
    std::string what = fmt::format(f, std::forward<Args>(args)...);
    if (path.empty()) return Error::InvalidArgument("{}: {}", where.ToString(), what);
    return Error::InvalidArgument("{}: {}: {}", where.ToString(), path, what);
  }
  template <typename... Args>
  Error Fail(const Entry& entry, fmt::format_string<Args...> f, Args&&... args) const {
    return Fail(Location(entry), entry.path, f, std::forward<Args>(args)...);
  }

  // A mapping with scalar, unique keys; with `allowed` non-empty, each key
  // must be one of them. `path` names the mapping ("" for the top level).
  Result<Fields> Map(const YAML::Node& node, std::string_view path,
                     std::initializer_list<std::string_view> allowed) const;
  Result<Fields> Map(const Entry& entry, std::initializer_list<std::string_view> allowed) const;

  Result<std::string> String(const Entry& entry) const;  // any scalar
  Result<int64_t> Integer(const Entry& entry, int64_t min, int64_t max) const;
  Result<bool> Boolean(const Entry& entry) const;
  // "500ms", "30s", "5m", "1h", "1d", "1h30m", or a number of seconds.
  Result<std::chrono::milliseconds> Duration(const Entry& entry) const;
  Result<std::chrono::seconds> WholeSeconds(const Entry& entry) const;
  // A sequence of scalars; a single scalar counts as a list of one.
  Result<std::vector<std::string>> StringList(const Entry& entry) const;
  // A map of scalar values, each key checked against `rule`.
  Result<std::map<std::string, std::string>> StringMap(const Entry& entry, NameRule rule,
                                                       std::string_view what) const;

  // `what` is "table name", "column name"...: the message says which rule.
  Status CheckName(const SourceLocation& where, std::string_view path, std::string_view name,
                   NameRule rule, std::string_view what) const;
  // The entry's key, located at the key.
  Status CheckKeyName(const Entry& entry, NameRule rule, std::string_view what) const;
  // A name given as the entry's value, located at the value.
  Status CheckValueName(const Entry& entry, std::string_view name, NameRule rule,
                        std::string_view what) const;

 private:
  std::string file_;
};

// The one YAML document of a pipeline file: an empty file, a second
// document and invalid YAML are errors. yaml-cpp's exceptions stop here.
Result<YAML::Node> LoadSingleDocument(const YamlReader& reader, std::string_view text);

bool MatchesNameRule(std::string_view name, NameRule rule);
// Quoted for a message, cut short when long.
std::string Quote(std::string_view text);

}  // namespace sluice::loader
