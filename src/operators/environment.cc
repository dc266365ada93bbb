#include "operators/operators.h"

namespace sluice::operators {

TaskEnvironment::TaskEnvironment(ConnectionResolver resolver, Clock& clock,
                                 lake::LakeOptions lake_options)
    : resolver_(std::move(resolver)), clock_(clock), lake_options_(std::move(lake_options)) {}

TaskEnvironment::~TaskEnvironment() = default;

Result<Url> TaskEnvironment::Connection(const Pipeline& pipeline,
                                        const std::string& connection_id) {
  return resolver_(pipeline, connection_id);
}

Result<lake::ObjectStore*> TaskEnvironment::Lake(const Pipeline& pipeline) {
  SLUICE_ASSIGN_OR_RETURN(Url url, Connection(pipeline, pipeline.lake.connection));
  std::string cache_key = url.ToStringWithPassword();
  std::lock_guard lock(mutex_);
  auto it = lakes_.find(cache_key);
  if (it != lakes_.end()) return it->second.get();
  auto store = lake::OpenObjectStore(url, lake_options_);
  if (!store) {
    return std::move(store).error().AddContext(
        fmt::format("lake (connection '{}')", pipeline.lake.connection));
  }
  lake::ObjectStore* raw = store->get();
  lakes_.emplace(cache_key, std::move(*store));
  return raw;
}

Result<source::HttpClient*> TaskEnvironment::Http(const SourceSpec& source) {
  std::lock_guard lock(mutex_);
  if (!http_) {
    source::HttpClientOptions options;
    options.connect_timeout = source.connect_timeout;
    options.total_timeout = source.total_timeout;
    SLUICE_ASSIGN_OR_RETURN(http_, source::MakeCurlHttpClient(options));
  }
  return http_.get();
}

Result<std::unique_ptr<warehouse::Warehouse>> TaskEnvironment::Warehouse(
    const Pipeline& pipeline, const std::string& connection_id) {
  SLUICE_ASSIGN_OR_RETURN(Url url, Connection(pipeline, connection_id));
  auto opened = warehouse::OpenWarehouse(url);
  if (!opened) {
    return std::move(opened).error().AddContext(fmt::format("warehouse (connection '{}')",
                                                            connection_id));
  }
  return opened;
}

}  // namespace sluice::operators
