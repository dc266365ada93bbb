#include "server/context.h"

namespace sluice::server {

Result<DagCatalog::Entry> DagCatalog::Get(std::string_view dag_id) {
  auto record = store_.GetDag(dag_id);
  if (!record) {
    if (record.error().code() == Code::kNotFound) {
      return Error::NotFound("Dag with id: '{}' was not found", dag_id);
    }
    return std::move(record).error();
  }
  if (record->is_stale) return Error::NotFound("Dag with id: '{}' was not found", dag_id);
  std::shared_ptr<const Pipeline> pipeline = PipelineOf(*record);
  return Entry{std::move(*record), std::move(pipeline)};
}

std::shared_ptr<const Pipeline> DagCatalog::PipelineOf(const metadb::DagRecord& record) {
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(record.dag_id);
    if (it != cache_.end() && it->second.definition_hash == record.definition_hash) {
      return it->second.pipeline;
    }
  }
  std::shared_ptr<const Pipeline> pipeline;
  auto loaded = LoadPipelineFile(record.file_path);
  if (loaded && loaded->dag_id == record.dag_id) {
    pipeline = std::make_shared<const Pipeline>(std::move(*loaded));
  }
  if (pipeline) {  // a file that fails to load is tried again next time
    std::lock_guard lock(mutex_);
    cache_[record.dag_id] = Cached{record.definition_hash, pipeline};
  }
  return pipeline;
}

}  // namespace sluice::server
