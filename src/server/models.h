// Private to server: the JSON shapes of Airflow 3's public API models
// (DAGResponse, DAGRunResponse, TaskInstanceResponse, ...) built from the
// store's records. Every field the apache-airflow-client models require is
// present with its type; sluice adds a few of its own (ignored by clients).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "metadb/metadb.h"

namespace sluice::server {

// "2025-03-15T00:00:00Z", or null.
nlohmann::json TimeJson(const std::optional<TimePoint>& time);
// A stable UUID (version 5 layout) for a name: Airflow identifies DAG versions
// and task instances by UUID, sluice by keys.
std::string NameUuid(std::string_view name);

nlohmann::json DagJson(const metadb::DagRecord& dag, const Pipeline* pipeline,
                       bool has_import_errors);
nlohmann::json DagVersionJson(const metadb::DagRecord& dag, int version_number,
                              std::optional<TimePoint> created_at);

// Reads the DAG versions runs refer to, once per request.
class DagVersionCache {
 public:
  explicit DagVersionCache(metadb::MetaStore& store) : store_(store) {}
  nlohmann::json Get(const metadb::DagRecord& dag, int version_number);

 private:
  metadb::MetaStore& store_;
  std::map<std::pair<std::string, int>, nlohmann::json> versions_;
};

nlohmann::json RunJson(const metadb::DagRun& run, const metadb::DagRecord& dag,
                       DagVersionCache& versions);

nlohmann::json TaskInstanceJson(const metadb::TaskInstance& ti, const metadb::DagRun& run,
                                const Pipeline* pipeline, const nlohmann::json& dag_version);
// TaskInstanceHistoryResponse: one try.
nlohmann::json TaskTryJson(const metadb::TaskInstance& ti, const Pipeline* pipeline);

}  // namespace sluice::server
