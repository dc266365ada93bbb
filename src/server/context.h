// Private to server: what every route handler shares, and the catalog of
// pipelines behind the DAGs in the store.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "metadb/metadb.h"
#include "server/auth.h"
#include "server/http.h"
#include "server/server.h"

namespace sluice::server {

// The pipeline of a DAG as the store knows it, loaded from the DAG's file and
// kept until its definition hash changes. Thread-safe.
class DagCatalog {
 public:
  explicit DagCatalog(metadb::MetaStore& store) : store_(store) {}

  struct Entry {
    metadb::DagRecord record;
    std::shared_ptr<const Pipeline> pipeline;  // null when the file no longer loads
  };
  // kNotFound with Airflow's wording for an unknown (or stale) DAG.
  Result<Entry> Get(std::string_view dag_id);
  std::shared_ptr<const Pipeline> PipelineOf(const metadb::DagRecord& record);

 private:
  struct Cached {
    std::string definition_hash;
    std::shared_ptr<const Pipeline> pipeline;
  };
  metadb::MetaStore& store_;
  std::mutex mutex_;
  std::map<std::string, Cached, std::less<>> cache_;
};

struct ServerContext {
  ServerOptions options;
  metadb::MetaStore& store;
  Clock& clock;
  Authenticator auth;
  DagCatalog catalog;
};

// Route groups, one file each.
void AddAuthRoutes(Router& router, ServerContext& context);
void AddDagRoutes(Router& router, ServerContext& context);
void AddRunRoutes(Router& router, ServerContext& context);
void AddTaskRoutes(Router& router, ServerContext& context);
void AddLogRoutes(Router& router, ServerContext& context);
void AddMonitorRoutes(Router& router, ServerContext& context);
void AddMetricsRoutes(Router& router, ServerContext& context);
void AddGraphRoutes(Router& router, ServerContext& context);
void AddLineageRoutes(Router& router, ServerContext& context);
void AddLakeRoutes(Router& router, ServerContext& context);
// The OpenAPI document of every route added before it.
void AddOpenApiRoute(Router& router);

}  // namespace sluice::server
