// The source and tables sections of a pipeline file.
#include <algorithm>
#include <cctype>

#include "core/pipeline_parse.h"

namespace sluice::loader {
namespace {

using std::chrono::milliseconds;

Error MissingKey(const YamlReader& reader, const Entry& parent, std::string_view key) {
  return reader.Fail(reader.Location(parent.key_node), parent.path, "missing required key '{}'",
                     key);
}

Result<milliseconds> PositiveDuration(const YamlReader& reader, const Entry& entry) {
  SLUICE_ASSIGN_OR_RETURN(milliseconds duration, reader.Duration(entry));
  if (duration.count() <= 0) return reader.Fail(entry, "must be longer than 0");
  return duration;
}

Status ReadPagination(const YamlReader& reader, const Entry& entry, PaginationSpec& pagination) {
  if (entry.value.IsScalar()) {
    SLUICE_ASSIGN_OR_RETURN(pagination.enabled, reader.Boolean(entry));
    return OkStatus();
  }
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {"page_size"}));
  pagination.enabled = true;
  if (const Entry* size = fields.Get("page_size")) {
    SLUICE_ASSIGN_OR_RETURN(int64_t page_size, reader.Integer(*size, 1, 100'000));
    pagination.page_size = static_cast<int>(page_size);
  }
  return OkStatus();
}

Result<ResourceSpec> ReadResource(const YamlReader& reader, const Entry& entry) {
  SLUICE_TRY(reader.CheckKeyName(entry, NameRule::kName, "resource name"));
  ResourceSpec resource;
  resource.name = entry.key;
  resource.path = "/" + entry.key;
  resource.location = reader.Location(entry.key_node);
  if (entry.value.IsNull()) return resource;
  std::optional<Fields> fields;  // outlives `path`, which may point into it
  const Entry* path = &entry;
  if (!entry.value.IsScalar()) {
    SLUICE_ASSIGN_OR_RETURN(fields, reader.Map(entry, {"path", "paginate"}));
    if (const Entry* paginate = fields->Get("paginate")) {
      SLUICE_TRY(ReadPagination(reader, *paginate, resource.pagination));
    }
    path = fields->Get("path");
    if (path == nullptr) return resource;
  }
  SLUICE_ASSIGN_OR_RETURN(resource.path, reader.String(*path));
  if (resource.path.empty() || resource.path.front() != '/') {
    return reader.Fail(*path, "the path must start with '/', got {}", Quote(resource.path));
  }
  return resource;
}

Status ReadResources(const YamlReader& reader, const Entry& entry, SourceSpec& source) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {}));
  if (fields.entries().empty()) return reader.Fail(entry, "declare at least one resource");
  for (const Entry& item : fields.entries()) {
    SLUICE_ASSIGN_OR_RETURN(ResourceSpec resource, ReadResource(reader, item));
    source.resources.push_back(std::move(resource));
  }
  return OkStatus();
}

Status ReadSourceTimings(const YamlReader& reader, const Fields& fields, SourceSpec& source) {
  if (const Entry* e = fields.Get("connect_timeout")) {
    SLUICE_ASSIGN_OR_RETURN(source.connect_timeout, PositiveDuration(reader, *e));
  }
  if (const Entry* e = fields.Get("timeout")) {
    SLUICE_ASSIGN_OR_RETURN(source.total_timeout, PositiveDuration(reader, *e));
  }
  if (const Entry* e = fields.Get("backoff_initial")) {
    SLUICE_ASSIGN_OR_RETURN(source.backoff_initial, reader.Duration(*e));
  }
  if (const Entry* e = fields.Get("backoff_max")) {
    SLUICE_ASSIGN_OR_RETURN(source.backoff_max, reader.Duration(*e));
    if (source.backoff_max < source.backoff_initial) {
      return reader.Fail(*e, "must not be shorter than backoff_initial");
    }
  }
  return OkStatus();
}

// As a pipeline file spells them; ColumnTypeName gives PostgreSQL's spelling.
constexpr std::string_view kTypeNames =
    "bigint, double, text, boolean, timestamp, date, numeric, jsonb";

Result<ColumnType> ReadColumnType(const YamlReader& reader, const Entry& entry) {
  if (!entry.value.IsScalar()) {
    return reader.Fail(entry, "expected a column type ({}) or a mapping with type", kTypeNames);
  }
  std::optional<ColumnType> type = ParseColumnType(entry.value.Scalar());
  if (!type) {
    return reader.Fail(entry, "unknown column type {}; known types: {}",
                       Quote(entry.value.Scalar()), kTypeNames);
  }
  return *type;
}

Result<std::string> ReadSourceField(const YamlReader& reader, const Entry& entry) {
  SLUICE_ASSIGN_OR_RETURN(std::string from, reader.String(entry));
  bool empty_part = from.empty() || from.front() == '.' || from.back() == '.' ||
                    from.find("..") != std::string::npos;
  if (empty_part) {
    return reader.Fail(entry, "expected a field name or dotted path like address.geo.lat, got {}",
                       Quote(from));
  }
  return FlattenedFieldName(from);
}

Result<ColumnSpec> ReadColumn(const YamlReader& reader, const Entry& entry) {
  SLUICE_TRY(reader.CheckKeyName(entry, NameRule::kSqlIdentifier, "column name"));
  ColumnSpec column;
  column.name = entry.key;
  column.source_field = entry.key;
  if (!entry.value.IsMap()) {
    SLUICE_ASSIGN_OR_RETURN(column.type, ReadColumnType(reader, entry));
    return column;
  }
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {"type", "required", "from"}));
  const Entry* type = fields.Get("type");
  if (type == nullptr) return MissingKey(reader, entry, "type");
  SLUICE_ASSIGN_OR_RETURN(column.type, ReadColumnType(reader, *type));
  if (const Entry* required = fields.Get("required")) {
    SLUICE_ASSIGN_OR_RETURN(column.required, reader.Boolean(*required));
  }
  if (const Entry* from = fields.Get("from")) {
    SLUICE_ASSIGN_OR_RETURN(column.source_field, ReadSourceField(reader, *from));
  }
  return column;
}

std::string ColumnNames(const TableSpec& table) {
  std::string names;
  for (const ColumnSpec& column : table.columns) names += (names.empty() ? "" : ", ") + column.name;
  return names;
}

Status ReadPrimaryKey(const YamlReader& reader, const Entry& entry, TableSpec& table) {
  SLUICE_ASSIGN_OR_RETURN(table.primary_key, reader.StringList(entry));
  for (size_t i = 0; i < table.primary_key.size(); ++i) {
    const std::string& name = table.primary_key[i];
    auto column = std::find_if(table.columns.begin(), table.columns.end(),
                               [&](const ColumnSpec& c) { return c.name == name; });
    if (column == table.columns.end()) {
      return reader.Fail(entry, "primary key column {} is not a column of table '{}' (columns: {})",
                         Quote(name), table.name, ColumnNames(table));
    }
    if (std::find(table.primary_key.begin(), table.primary_key.begin() + i, name) !=
        table.primary_key.begin() + i) {
      return reader.Fail(entry, "primary key lists column {} twice", Quote(name));
    }
    column->required = true;  // PostgreSQL makes key columns NOT NULL
  }
  return OkStatus();
}

std::string ResourceNames(const SourceSpec& source) {
  std::string names;
  for (const ResourceSpec& r : source.resources) names += (names.empty() ? "" : ", ") + r.name;
  return names;
}

Status ReadTableResource(const YamlReader& reader, const Entry& table_entry, const Fields& fields,
                         const SourceSpec& source, TableSpec& table) {
  const Entry* resource = fields.Get("resource");
  if (resource != nullptr) {
    SLUICE_ASSIGN_OR_RETURN(table.resource, reader.String(*resource));
    SLUICE_TRY(reader.CheckValueName(*resource, table.resource, NameRule::kName, "resource name"));
  } else {
    table.resource = table.name;
  }
  if (source.FindResource(table.resource) != nullptr) return OkStatus();
  SourceLocation where = resource ? reader.Location(*resource) : table.location;
  std::string path = resource ? resource->path : table_entry.path;
  if (source.resources.empty()) {
    return reader.Fail(where, path,
                       "table '{}' reads resource '{}', but the pipeline declares no source: add "
                       "source.resources",
                       table.name, table.resource);
  }
  return reader.Fail(where, path,
                     "table '{}' reads resource '{}', which source.resources does not declare "
                     "(declared: {})",
                     table.name, table.resource, ResourceNames(source));
}

Result<TableSpec> ReadTable(const YamlReader& reader, const Entry& entry,
                            const SourceSpec& source) {
  SLUICE_TRY(reader.CheckKeyName(entry, NameRule::kSqlIdentifier, "table name"));
  TableSpec table;
  table.name = entry.key;
  table.location = reader.Location(entry.key_node);
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {"resource", "primary_key", "columns"}));
  SLUICE_TRY(ReadTableResource(reader, entry, fields, source, table));
  const Entry* columns = fields.Get("columns");
  if (columns == nullptr) return MissingKey(reader, entry, "columns");
  SLUICE_ASSIGN_OR_RETURN(Fields column_fields, reader.Map(*columns, {}));
  if (column_fields.entries().empty()) return reader.Fail(*columns, "declare at least one column");
  for (const Entry& column_entry : column_fields.entries()) {
    SLUICE_ASSIGN_OR_RETURN(ColumnSpec column, ReadColumn(reader, column_entry));
    table.columns.push_back(std::move(column));
  }
  if (const Entry* primary_key = fields.Get("primary_key")) {
    SLUICE_TRY(ReadPrimaryKey(reader, *primary_key, table));
  }
  return table;
}

}  // namespace

Status ReadSource(const YamlReader& reader, const Entry& entry, SourceSpec& source) {
  SLUICE_ASSIGN_OR_RETURN(
      Fields fields, reader.Map(entry, {"name", "connection", "concurrency", "connect_timeout",
                                        "timeout", "max_attempts", "backoff_initial", "backoff_max",
                                        "headers", "resources"}));
  if (const Entry* name = fields.Get("name")) {
    SLUICE_ASSIGN_OR_RETURN(source.name, reader.String(*name));
    SLUICE_TRY(reader.CheckValueName(*name, source.name, NameRule::kName, "source name"));
  }
  const Entry* connection = fields.Get("connection");
  if (connection == nullptr) return MissingKey(reader, entry, "connection");
  SLUICE_ASSIGN_OR_RETURN(source.connection, reader.String(*connection));
  SLUICE_TRY(reader.CheckValueName(*connection, source.connection, NameRule::kConnectionId,
                                   "connection id"));
  if (const Entry* e = fields.Get("concurrency")) {
    SLUICE_ASSIGN_OR_RETURN(int64_t concurrency, reader.Integer(*e, 1, 256));
    source.concurrency = static_cast<int>(concurrency);
  }
  if (const Entry* e = fields.Get("max_attempts")) {
    SLUICE_ASSIGN_OR_RETURN(int64_t attempts, reader.Integer(*e, 1, 100));
    source.max_attempts = static_cast<int>(attempts);
  }
  SLUICE_TRY(ReadSourceTimings(reader, fields, source));
  if (const Entry* e = fields.Get("headers")) {
    SLUICE_ASSIGN_OR_RETURN(source.headers, reader.StringMap(*e, NameRule::kHeaderName, "header"));
  }
  const Entry* resources = fields.Get("resources");
  if (resources == nullptr) return MissingKey(reader, entry, "resources");
  return ReadResources(reader, *resources, source);
}

Status ReadTables(const YamlReader& reader, const Entry& entry, const SourceSpec& source,
                  std::vector<TableSpec>& tables) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {}));
  for (const Entry& table_entry : fields.entries()) {
    SLUICE_ASSIGN_OR_RETURN(TableSpec table, ReadTable(reader, table_entry, source));
    tables.push_back(std::move(table));
  }
  return OkStatus();
}

}  // namespace sluice::loader
