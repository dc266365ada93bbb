// The pipeline model's small functions and loading from files and folders.
// Parsing itself is in pipeline_loader.cc.
#include "core/pipeline.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice {
namespace {

struct ColumnTypeEntry {
  ColumnType type;
  std::string_view name;
};
constexpr ColumnTypeEntry kColumnTypes[] = {
    {ColumnType::kBigint, "bigint"},
    {ColumnType::kDouble, "double precision"},
    {ColumnType::kText, "text"},
    {ColumnType::kBoolean, "boolean"},
    {ColumnType::kTimestamp, "timestamptz"},
    {ColumnType::kDate, "date"},
    {ColumnType::kNumeric, "numeric"},
    {ColumnType::kJsonb, "jsonb"},
};

struct TriggerRuleEntry {
  TriggerRule rule;
  std::string_view name;
};
constexpr TriggerRuleEntry kTriggerRules[] = {
    {TriggerRule::kAllSuccess, "all_success"}, {TriggerRule::kAllDone, "all_done"},
    {TriggerRule::kAllFailed, "all_failed"},   {TriggerRule::kOneSuccess, "one_success"},
    {TriggerRule::kOneFailed, "one_failed"},   {TriggerRule::kNoneFailed, "none_failed"},
};

// Pipeline files are small; a bigger file is a mistake (or an attack on the
// parser), refused before it is read.
constexpr std::uintmax_t kMaxPipelineFileBytes = 4 << 20;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return Error::NotFound("cannot read pipeline file {}: {}", path, ec.message());
  }
  if (size > kMaxPipelineFileBytes) {
    return Error::InvalidArgument("{}: the file has {} bytes; a pipeline file may have at most {}",
                                  path, size, kMaxPipelineFileBytes);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot open pipeline file {}: {}", path, std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Error::Internal("cannot read pipeline file {}: read failed", path);
  return bytes.str();
}

bool IsPipelineFile(const std::filesystem::directory_entry& entry) {
  const std::filesystem::path& path = entry.path();
  std::string name = path.filename().string();
  std::string extension = path.extension().string();
  return !name.starts_with(".") && (extension == ".yaml" || extension == ".yml") &&
         entry.is_regular_file();
}

}  // namespace

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string_view ColumnTypeName(ColumnType type) {
  for (const ColumnTypeEntry& entry : kColumnTypes) {
    if (entry.type == type) return entry.name;
  }
  return "text";
}

std::optional<ColumnType> ParseColumnType(std::string_view name) {
  std::string lower = Lower(name);
  if (lower == "double") return ColumnType::kDouble;
  if (lower == "timestamp") return ColumnType::kTimestamp;
  for (const ColumnTypeEntry& entry : kColumnTypes) {
    if (entry.name == lower) return entry.type;
  }
  return std::nullopt;
}

std::string_view TriggerRuleName(TriggerRule rule) {
  for (const TriggerRuleEntry& entry : kTriggerRules) {
    if (entry.rule == rule) return entry.name;
  }
  return "all_success";
}

std::optional<TriggerRule> ParseTriggerRule(std::string_view name) {
  for (const TriggerRuleEntry& entry : kTriggerRules) {
    if (entry.name == name) return entry.rule;
  }
  return std::nullopt;
}

const ColumnSpec* TableSpec::FindColumn(std::string_view column_name) const {
  for (const ColumnSpec& column : columns) {
    if (column.name == column_name) return &column;
  }
  return nullptr;
}

const ResourceSpec* SourceSpec::FindResource(std::string_view resource_name) const {
  for (const ResourceSpec& resource : resources) {
    if (resource.name == resource_name) return &resource;
  }
  return nullptr;
}

const TaskSpec* Pipeline::FindTask(std::string_view task_id) const {
  for (const TaskSpec& task : tasks) {
    if (task.id == task_id) return &task;
  }
  return nullptr;
}

const TableSpec* Pipeline::FindTable(std::string_view table_name) const {
  for (const TableSpec& table : tables) {
    if (table.name == table_name) return &table;
  }
  return nullptr;
}

std::vector<const TableSpec*> Pipeline::TablesOfResource(std::string_view resource_name) const {
  std::vector<const TableSpec*> found;
  for (const TableSpec& table : tables) {
    if (table.resource == resource_name) found.push_back(&table);
  }
  return found;
}

Result<Pipeline> LoadPipelineFile(const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  return ParsePipeline(bytes, path);
}

Result<PipelineDirectory> LoadPipelineDirectory(const std::string& folder) {
  std::error_code ec;
  std::vector<std::string> paths;
  for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (IsPipelineFile(*it)) paths.push_back(it->path().string());
  }
  if (ec) return Error::NotFound("cannot list pipeline folder {}: {}", folder, ec.message());
  std::sort(paths.begin(), paths.end());

  PipelineDirectory directory;
  std::map<std::string, std::vector<Pipeline>> by_dag_id;
  for (const std::string& path : paths) {
    Result<Pipeline> pipeline = LoadPipelineFile(path);
    if (!pipeline) {
      directory.import_errors[path] = pipeline.error().ToString();
      continue;
    }
    by_dag_id[pipeline->dag_id].push_back(std::move(*pipeline));
  }
  for (auto& [dag_id, pipelines] : by_dag_id) {
    if (pipelines.size() == 1) {
      directory.pipelines.push_back(std::move(pipelines.front()));
      continue;
    }
    for (const Pipeline& pipeline : pipelines) {
      std::string others;
      for (const Pipeline& other : pipelines) {
        if (&other != &pipeline) others += (others.empty() ? "" : ", ") + other.file_path;
      }
      directory.import_errors[pipeline.file_path] =
          fmt::format("{}: dag_id '{}' is also defined in {}; each dag_id must be unique",
                      pipeline.file_path, dag_id, others);
    }
  }
  return directory;
}

}  // namespace sluice
