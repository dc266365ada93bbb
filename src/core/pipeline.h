// The pipeline model: what a pipeline file (docs/PIPELINES.md) declares, after
// it has been parsed and validated. A Pipeline is a plain value: copyable,
// immutable once loaded, safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluice {

// Where a value was written in a pipeline file; line and column count from 1.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string ToString() const;  // "file:line:column"
};

enum class ColumnType { kBigint, kDouble, kText, kBoolean, kTimestamp, kDate, kNumeric, kJsonb };

// As PostgreSQL spells it: bigint, double precision, text, boolean,
// timestamptz, date, numeric, jsonb.
std::string_view ColumnTypeName(ColumnType type);
// The pipeline-file names (bigint double text boolean timestamp date numeric
// jsonb) and the names ColumnTypeName gives, in any case.
std::optional<ColumnType> ParseColumnType(std::string_view name);

// The column name a JSON field gets once nested objects are flattened: each
// dotted part in snake_case, joined by '_'. "company.catchPhrase" ->
// "company_catch_phrase", "address.geo.lat" -> "address_geo_lat". The
// transform flattens records with exactly this rule.
std::string FlattenedFieldName(std::string_view dotted_path);
// camelCase and PascalCase to snake_case: "catchPhrase" -> "catch_phrase",
// "thumbnailUrl" -> "thumbnail_url", "HTTPStatus" -> "http_status",
// "address2Line" -> "address2_line". An upper-case letter starts a new word
// after a lower-case letter or digit, or before a lower-case letter that
// follows another upper-case letter; letters become lower case; ASCII
// characters other than letters, digits and '_' become '_'; other bytes
// (UTF-8) are kept.
std::string ToSnakeCase(std::string_view name);

struct ColumnSpec {
  std::string name;  // snake_case: the clean CSV header and the PostgreSQL column
  ColumnType type = ColumnType::kText;
  // The field it comes from after flattening (with '_') and renaming camelCase to
  // snake_case, e.g. "address_geo_lat" for address.geo.lat; defaults to name.
  std::string source_field;
  bool required = false;
};

struct TableSpec {
  std::string name;      // PostgreSQL table and clean/ prefix
  std::string resource;  // the source resource whose records fill it
  std::vector<ColumnSpec> columns;
  std::vector<std::string> primary_key;
  SourceLocation location;

  const ColumnSpec* FindColumn(std::string_view column_name) const;
};

struct PaginationSpec {
  bool enabled = false;
  int page_size = 100;  // sent as _limit; pages are _page=1,2,...
};

struct ResourceSpec {
  std::string name;  // "users": names the raw/ prefix
  std::string path;  // "/users", appended to the source connection's URL
  PaginationSpec pagination;
  SourceLocation location;
};

struct SourceSpec {
  std::string name = "source";  // raw/<name>/... and clean/<name>/...
  std::string connection;       // connection id, e.g. "jsonplaceholder"
  std::vector<ResourceSpec> resources;
  int concurrency = 4;  // requests in flight: resources, and pages fetched ahead
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{60000};
  int max_attempts = 4;  // per request, first try included
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::map<std::string, std::string> headers;

  const ResourceSpec* FindResource(std::string_view resource_name) const;
};

struct LakeSpec {
  std::string connection = "lake";
  std::string raw_bucket = "raw";
  std::string clean_bucket = "clean";
};

struct WarehouseSpec {
  std::string connection = "warehouse";
  std::string schema = "public";
};

enum class TriggerRule { kAllSuccess, kAllDone, kAllFailed, kOneSuccess, kOneFailed, kNoneFailed };
std::string_view TriggerRuleName(TriggerRule rule);
std::optional<TriggerRule> ParseTriggerRule(std::string_view name);

// Task kinds known to the executor. Data kinds read the pipeline's source,
// lake, tables and warehouse; general kinds carry their own fields.
inline constexpr std::string_view kTaskKinds[] = {
    "http_extract", "transform", "create_tables", "postgres_load", "sql", "command", "noop"};

struct CommandSpec {
  std::vector<std::string> argv;  // templated
  std::map<std::string, std::string> env;
  std::string working_dir;
};

struct TaskSpec {
  std::string id;
  std::string kind;
  std::vector<std::string> upstream;
  int retries = 0;
  std::chrono::seconds retry_delay{300};
  bool retry_exponential_backoff = false;
  std::optional<std::chrono::seconds> execution_timeout;
  TriggerRule trigger_rule = TriggerRule::kAllSuccess;
  std::string queue = "default";
  // Task mapping: "resources" or "tables" expands the task into one instance
  // per source resource or table, each with its own state, retries and log.
  std::optional<std::string> expand;
  std::string sql;         // kind sql: templated
  std::string connection;  // kind sql: warehouse connection id (default: warehouse)
  CommandSpec command;     // kind command
  SourceLocation location;
};

struct ScheduleSpec {
  std::string expression;  // five-field cron, a preset (@daily...), or empty for none
  std::string timezone = "UTC";
  // As written, checked with ParseIsoTime(text, timezone) at load time: a date
  // or time without an offset is wall-clock time in `timezone`.
  std::optional<std::string> start_date;
  std::optional<std::string> end_date;
  bool catchup = false;
  int max_active_runs = 16;
};

struct Pipeline {
  std::string dag_id;
  std::string description;
  std::vector<std::string> tags;
  ScheduleSpec schedule;
  std::map<std::string, std::string> params;       // defaults for {{ params.NAME }}
  std::map<std::string, std::string> connections;  // defaults: id -> URL
  SourceSpec source;
  LakeSpec lake;
  WarehouseSpec warehouse;
  std::vector<TableSpec> tables;
  std::vector<TaskSpec> tasks;  // in a dependency order: every upstream before its task
  std::string file_path;
  std::string content_hash;  // sha256 of the file's bytes, hex

  const TaskSpec* FindTask(std::string_view task_id) const;
  const TableSpec* FindTable(std::string_view table_name) const;
  // The tables filled from one resource, in declaration order.
  std::vector<const TableSpec*> TablesOfResource(std::string_view resource_name) const;
};

// Parses and validates a pipeline file; nothing runs before this succeeds.
// Errors are kInvalidArgument with "file:line:column: what is wrong".
Result<Pipeline> LoadPipelineFile(const std::string& path);
Result<Pipeline> ParsePipeline(std::string_view yaml_text, std::string_view file_name);

struct PipelineDirectory {
  std::vector<Pipeline> pipelines;                   // sorted by dag_id
  std::map<std::string, std::string> import_errors;  // file path -> one-line error
};
// Loads every *.yaml / *.yml in a folder; a broken file is an import error and
// does not stop the others. Two files with one dag_id: both are import errors.
Result<PipelineDirectory> LoadPipelineDirectory(const std::string& folder);

}  // namespace sluice
