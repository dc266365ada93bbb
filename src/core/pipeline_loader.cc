// ParsePipeline: YAML text to a validated Pipeline. The top-level sections
// are read here; source, tables and tasks in pipeline_source.cc and
// pipeline_tasks.cc.
#include <openssl/evp.h>

#include "core/pipeline.h"
#include "core/pipeline_parse.h"
#include "core/schedule.h"
#include "core/url.h"

namespace sluice {
namespace {

using loader::Entry;
using loader::Fields;
using loader::NameRule;
using loader::YamlReader;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  SLUICE_CHECK(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return hex;
}

// Checks the expression in the zone (and normalizes "none" to ""); errors
// point at `where`, the entry that holds the expression.
Status CheckSchedule(const YamlReader& reader, const Entry& where, ScheduleSpec& spec) {
  Result<Schedule> schedule = Schedule::Parse(spec.expression, spec.timezone);
  if (!schedule) return reader.Fail(where, "{}", schedule.error().message());
  spec.expression = schedule->expression();
  return OkStatus();
}

Status ReadScheduleDates(const YamlReader& reader, const Fields& fields, ScheduleSpec& spec) {
  std::optional<TimePoint> start;
  for (std::string_view key : {"start_date", "end_date"}) {
    const Entry* e = fields.Get(key);
    if (e == nullptr) continue;
    SLUICE_ASSIGN_OR_RETURN(std::string text, reader.String(*e));
    Result<TimePoint> time = ParseIsoTime(text, spec.timezone);
    if (!time) return reader.Fail(*e, "{}", time.error().message());
    if (key == "start_date") {
      spec.start_date = text;
      start = *time;
    } else if (start && *time <= *start) {
      return reader.Fail(*e, "end_date {} is not after start_date {}", text, *spec.start_date);
    } else {
      spec.end_date = text;
    }
  }
  return OkStatus();
}

Status ReadScheduleMap(const YamlReader& reader, const Entry& entry, ScheduleSpec& spec) {
  SLUICE_ASSIGN_OR_RETURN(
      Fields fields, reader.Map(entry, {"cron", "timezone", "start_date", "end_date", "catchup",
                                        "max_active_runs"}));
  if (const Entry* e = fields.Get("timezone")) {
    SLUICE_ASSIGN_OR_RETURN(spec.timezone, reader.String(*e));
    SLUICE_TRY(CheckSchedule(reader, *e, spec));
  }
  const Entry* cron = fields.Get("cron");
  if (cron != nullptr) {
    SLUICE_ASSIGN_OR_RETURN(spec.expression, reader.String(*cron));
  }
  SLUICE_TRY(CheckSchedule(reader, cron != nullptr ? *cron : entry, spec));
  if (const Entry* e = fields.Get("catchup")) {
    SLUICE_ASSIGN_OR_RETURN(spec.catchup, reader.Boolean(*e));
  }
  if (const Entry* e = fields.Get("max_active_runs")) {
    SLUICE_ASSIGN_OR_RETURN(int64_t runs, reader.Integer(*e, 1, 1000));
    spec.max_active_runs = static_cast<int>(runs);
  }
  return ReadScheduleDates(reader, fields, spec);
}

Status ReadSchedule(const YamlReader& reader, const Entry& entry, ScheduleSpec& spec) {
  if (entry.value.IsMap()) return ReadScheduleMap(reader, entry, spec);
  if (!entry.value.IsScalar()) {
    return reader.Fail(entry,
                       "expected a cron expression, a preset like @daily, none, or a mapping with "
                       "cron and timezone");
  }
  spec.expression = entry.value.Scalar();
  return CheckSchedule(reader, entry, spec);
}

Status ReadConnections(const YamlReader& reader, const Entry& entry,
                       std::map<std::string, std::string>& connections) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {}));
  for (const Entry& item : fields.entries()) {
    SLUICE_TRY(reader.CheckKeyName(item, NameRule::kConnectionId, "connection id"));
    if (item.value.IsNull()) return reader.Fail(item, "expected a URL like https://host/path");
    SLUICE_ASSIGN_OR_RETURN(std::string url, reader.String(item));
    Result<Url> parsed = Url::Parse(url);
    if (!parsed) return reader.Fail(item, "{}", parsed.error().message());
    connections[item.key] = std::move(url);
  }
  return OkStatus();
}

Status ReadLake(const YamlReader& reader, const Entry& entry, LakeSpec& lake) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields,
                          reader.Map(entry, {"connection", "raw_bucket", "clean_bucket"}));
  if (const Entry* e = fields.Get("connection")) {
    SLUICE_ASSIGN_OR_RETURN(lake.connection, reader.String(*e));
    SLUICE_TRY(
        reader.CheckValueName(*e, lake.connection, NameRule::kConnectionId, "connection id"));
  }
  for (auto [key, bucket] :
       {std::pair{"raw_bucket", &lake.raw_bucket}, std::pair{"clean_bucket", &lake.clean_bucket}}) {
    if (const Entry* e = fields.Get(key)) {
      SLUICE_ASSIGN_OR_RETURN(*bucket, reader.String(*e));
      SLUICE_TRY(reader.CheckValueName(*e, *bucket, NameRule::kBucket, "bucket"));
    }
  }
  return OkStatus();
}

Status ReadWarehouse(const YamlReader& reader, const Entry& entry, WarehouseSpec& warehouse) {
  SLUICE_ASSIGN_OR_RETURN(Fields fields, reader.Map(entry, {"connection", "schema"}));
  if (const Entry* e = fields.Get("connection")) {
    SLUICE_ASSIGN_OR_RETURN(warehouse.connection, reader.String(*e));
    SLUICE_TRY(
        reader.CheckValueName(*e, warehouse.connection, NameRule::kConnectionId, "connection id"));
  }
  if (const Entry* e = fields.Get("schema")) {
    SLUICE_ASSIGN_OR_RETURN(warehouse.schema, reader.String(*e));
    SLUICE_TRY(reader.CheckValueName(*e, warehouse.schema, NameRule::kSqlIdentifier, "schema"));
  }
  return OkStatus();
}

Status ReadHeader(const YamlReader& reader, const YAML::Node& root, const Fields& fields,
                  Pipeline& pipeline) {
  const Entry* dag_id = fields.Get("dag_id");
  if (dag_id == nullptr) {
    return reader.Fail(reader.Location(root), "", "missing required key 'dag_id'");
  }
  SLUICE_ASSIGN_OR_RETURN(pipeline.dag_id, reader.String(*dag_id));
  SLUICE_TRY(reader.CheckValueName(*dag_id, pipeline.dag_id, NameRule::kName, "dag_id"));
  if (const Entry* e = fields.Get("description")) {
    SLUICE_ASSIGN_OR_RETURN(pipeline.description, reader.String(*e));
  }
  if (const Entry* e = fields.Get("tags")) {
    SLUICE_ASSIGN_OR_RETURN(pipeline.tags, reader.StringList(*e));
  }
  if (const Entry* e = fields.Get("schedule"))
    SLUICE_TRY(ReadSchedule(reader, *e, pipeline.schedule));
  if (const Entry* e = fields.Get("params")) {
    SLUICE_ASSIGN_OR_RETURN(pipeline.params, reader.StringMap(*e, NameRule::kEnvName, "param"));
  }
  if (const Entry* e = fields.Get("connections")) {
    SLUICE_TRY(ReadConnections(reader, *e, pipeline.connections));
  }
  return OkStatus();
}

Status ReadPipeline(const YamlReader& reader, const YAML::Node& root, Pipeline& pipeline) {
  SLUICE_ASSIGN_OR_RETURN(
      Fields fields,
      reader.Map(root, "",
                 {"dag_id", "description", "tags", "schedule", "default_args", "params",
                  "connections", "source", "lake", "warehouse", "tables", "tasks"}));
  SLUICE_TRY(ReadHeader(reader, root, fields, pipeline));
  if (const Entry* e = fields.Get("source"))
    SLUICE_TRY(loader::ReadSource(reader, *e, pipeline.source));
  if (const Entry* e = fields.Get("lake")) SLUICE_TRY(ReadLake(reader, *e, pipeline.lake));
  if (const Entry* e = fields.Get("warehouse"))
    SLUICE_TRY(ReadWarehouse(reader, *e, pipeline.warehouse));
  if (const Entry* e = fields.Get("tables")) {
    SLUICE_TRY(loader::ReadTables(reader, *e, pipeline.source, pipeline.tables));
  }
  loader::TaskDefaults defaults;
  if (const Entry* e = fields.Get("default_args")) {
    SLUICE_TRY(loader::ReadTaskDefaults(reader, *e, defaults));
  }
  const Entry* tasks = fields.Get("tasks");
  if (tasks == nullptr) {
    return reader.Fail(reader.Location(root), "",
                       "missing required key 'tasks': a pipeline needs at least one task");
  }
  return loader::ReadTasks(reader, *tasks, defaults, pipeline);
}

}  // namespace

Result<Pipeline> ParsePipeline(std::string_view yaml_text, std::string_view file_name) {
  YamlReader reader{std::string(file_name)};
  try {
    SLUICE_ASSIGN_OR_RETURN(YAML::Node root, loader::LoadSingleDocument(reader, yaml_text));
    Pipeline pipeline;
    SLUICE_TRY(ReadPipeline(reader, root, pipeline));
    pipeline.file_path = std::string(file_name);
    pipeline.content_hash = Sha256Hex(yaml_text);
    return pipeline;
  } catch (const std::exception& e) {
    // The readers do not call anything that throws on bad input; this is a
    // last line so that no library exception leaves the loader.
    return Error::Internal("{}: unexpected error while reading the pipeline: {}", file_name,
                           e.what());
  }
}

}  // namespace sluice
