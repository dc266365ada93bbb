// DAGs and import errors: GET /api/v2/dags, GET and PATCH /api/v2/dags/{dag_id},
// GET /api/v2/importErrors.
#include <set>

#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

Result<std::set<std::string>> FilesWithImportErrors(metadb::MetaStore& store) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<metadb::ImportError> errors, store.ListImportErrors());
  std::set<std::string> files;
  for (const metadb::ImportError& error : errors) files.insert(error.file_path);
  return files;
}

// Airflow's dag_id_pattern is a SQL LIKE pattern; the store matches a
// case-insensitive substring, which is what "%name%" asks for.
std::string SubstringOf(std::string pattern) {
  std::erase(pattern, '%');
  return pattern;
}

Reply ListDags(ServerContext& context, Call& call) {
  Reply invalid;
  auto paging = ParsePaging(call, &invalid);
  if (!paging) return invalid;
  std::optional<bool> paused;
  if (!ParseBoolQuery(call, "paused", &paused, &invalid)) return invalid;
  std::optional<bool> exclude_stale;
  if (!ParseBoolQuery(call, "exclude_stale", &exclude_stale, &invalid)) return invalid;
  metadb::DagFilter filter{.dag_id_pattern = SubstringOf(call.Query("dag_id_pattern").value_or("")),
                           .is_paused = paused,
                           .include_stale = !exclude_stale.value_or(true),
                           .limit = paging->limit,
                           .offset = paging->offset,
                           .count_total = true};
  auto page = context.store.ListDags(filter);
  if (!page) return ErrorReply(page.error());
  auto files = FilesWithImportErrors(context.store);
  if (!files) return ErrorReply(files.error());
  nlohmann::json dags = nlohmann::json::array();
  for (const metadb::DagRecord& dag : page->items) {
    std::shared_ptr<const Pipeline> pipeline = context.catalog.PipelineOf(dag);
    dags.push_back(DagJson(dag, pipeline.get(), files->count(dag.file_path) > 0));
  }
  return JsonReply(200, {{"dags", dags}, {"total_entries", page->total_entries.value_or(0)}});
}

Reply GetDag(ServerContext& context, Call& call) {
  auto entry = context.catalog.Get(call.Path("dag_id"));
  if (!entry) return ErrorReply(entry.error());
  auto files = FilesWithImportErrors(context.store);
  if (!files) return ErrorReply(files.error());
  return JsonReply(200, DagJson(entry->record, entry->pipeline.get(),
                                files->count(entry->record.file_path) > 0));
}

Reply PatchDag(ServerContext& context, Call& call) {
  nlohmann::json body;
  if (auto invalid = ParseJsonBody(call.request, {"is_paused"}, &body)) return *invalid;
  if (!body.contains("is_paused")) {
    return ValidationReply({"body", "is_paused"}, "Field required", "missing");
  }
  if (!body["is_paused"].is_boolean()) {
    return ValidationReply({"body", "is_paused"}, "Input should be a valid boolean", "bool_type");
  }
  if (auto mask = call.Query("update_mask"); mask && *mask != "is_paused") {
    return DetailReply(400, "Only `is_paused` field can be updated through the REST API");
  }
  auto entry = context.catalog.Get(call.Path("dag_id"));
  if (!entry) return ErrorReply(entry.error());
  if (Status set = context.store.SetDagPaused(entry->record.dag_id, body["is_paused"].get<bool>());
      !set) {
    return ErrorReply(set.error());
  }
  return GetDag(context, call);
}

Reply ListImportErrors(ServerContext& context, Call& call) {
  Reply invalid;
  auto paging = ParsePaging(call, &invalid);
  if (!paging) return invalid;
  auto errors = context.store.ListImportErrors();
  if (!errors) return ErrorReply(errors.error());
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = paging->offset; i < errors->size() && items.size() < size_t(paging->limit); ++i) {
    const metadb::ImportError& error = (*errors)[i];
    items.push_back({{"import_error_id", static_cast<int64_t>(i + 1)},
                     {"timestamp", TimeJson(error.timestamp)},
                     {"filename", error.file_path},
                     {"bundle_name", "dags-folder"},
                     {"stack_trace", MaskSecrets(error.message)}});
  }
  return JsonReply(200, {{"import_errors", items}, {"total_entries", errors->size()}});
}

}  // namespace

void AddDagRoutes(Router& router, ServerContext& context) {
  router.Add(
      {"GET",
       "/api/v2/dags",
       Access::kViewer,
       [&context](Call& call) { return ListDags(context, call); },
       {.summary = "List DAGs",
        .tag = "DAG",
        .response_schema = "DAGCollectionResponse",
        .query = {{"limit", "integer", "at most this many (default 50, max 1000)"},
                  {"offset", "integer", "skip this many"},
                  {"dag_id_pattern", "string", "case-insensitive substring (% ignored)"},
                  {"paused", "boolean", "only paused (true) or active (false) DAGs"},
                  {"exclude_stale", "boolean", "hide DAGs whose file is gone (default true)"}}}});
  router.Add({"GET",
              "/api/v2/dags/{dag_id}",
              Access::kViewer,
              [&context](Call& call) { return GetDag(context, call); },
              {.summary = "Get a DAG", .tag = "DAG", .response_schema = "DAGResponse"}});
  router.Add({"PATCH",
              "/api/v2/dags/{dag_id}",
              Access::kUser,
              [&context](Call& call) { return PatchDag(context, call); },
              {.summary = "Pause or unpause a DAG",
               .tag = "DAG",
               .response_schema = "DAGResponse",
               .request_schema = "DAGPatchBody",
               .query = {{"update_mask", "string", "only is_paused"}}}});
  router.Add({"GET",
              "/api/v2/importErrors",
              Access::kViewer,
              [&context](Call& call) { return ListImportErrors(context, call); },
              {.summary = "List the pipeline files that failed to load",
               .tag = "ImportError",
               .response_schema = "ImportErrorCollectionResponse",
               .query = {{"limit", "integer", ""}, {"offset", "integer", ""}}}});
}

}  // namespace sluice::server
