// The lake browser: buckets, listing by prefix, object metadata, previews of
// raw JSON and clean CSV, and downloads. Keys are checked with
// lake::ValidateKey first: path traversal and hostile keys answer 400.
#include <set>

#include "server/lake_browser.h"
#include "server/models.h"

namespace sluice::server {
namespace {

constexpr size_t kMaxListed = 1000;
constexpr uint64_t kMaxDocumentBytes = 1 << 20;

struct LakeScope {
  std::shared_ptr<const Pipeline> pipeline;  // the ?dag_id= pipeline, or a default one
  lake::ObjectStore* store = nullptr;
};

std::optional<Reply> OpenLakeScope(ServerContext& context, const Call& call, LakeScope* scope) {
  if (!context.options.lake) return DetailReply(503, "no lake is configured for this server");
  scope->pipeline = std::make_shared<const Pipeline>();
  if (auto dag_id = call.Query("dag_id")) {
    auto dag = context.catalog.Get(*dag_id);
    if (!dag) return ErrorReply(dag.error());
    if (dag->pipeline) scope->pipeline = dag->pipeline;
  }
  auto store = context.options.lake(*scope->pipeline);
  if (!store) return ErrorReply(store.error());
  scope->store = *store;
  return std::nullopt;
}

}  // namespace

std::optional<Reply> OpenLakeForCall(ServerContext& context, const Call& call,
                                     lake::ObjectStore** store) {
  LakeScope scope;
  if (auto failed = OpenLakeScope(context, call, &scope)) return failed;
  *store = scope.store;
  return std::nullopt;
}

std::optional<Reply> RequireLakeKey(const Call& call, std::string* key) {
  auto value = call.Query("key");
  if (!value) return ValidationReply({"query", "key"}, "Field required", "missing");
  if (Status valid = lake::ValidateKey(*value); !valid) {
    return DetailReply(400, valid.error().message());
  }
  *key = *value;
  return std::nullopt;
}

std::string_view LakeKind(std::string_view key) {
  if (key.ends_with("_manifest.json")) return "manifest";
  if (key.ends_with("/schema.json")) return "schema";
  if (key.ends_with(".csv")) return "csv";
  if (key.ends_with(".jsonl")) return "jsonl";
  if (key.ends_with(".json")) return "json";
  return "other";
}

std::string LakeContentType(std::string_view key) {
  std::string_view kind = LakeKind(key);
  if (kind == "csv") return "text/csv; charset=utf-8";
  if (kind == "jsonl") return "application/x-ndjson";
  if (kind == "other") return "application/octet-stream";
  return "application/json";
}

namespace {

Reply Buckets(ServerContext& context, Call& call) {
  LakeScope scope;
  if (auto failed = OpenLakeScope(context, call, &scope)) return *failed;
  std::map<std::string, std::set<std::string>> buckets;  // name -> DAGs using it
  auto dags = context.store.ListDags({});
  if (!dags) return ErrorReply(dags.error());
  for (const metadb::DagRecord& record : dags->items) {
    auto pipeline = context.catalog.PipelineOf(record);
    if (!pipeline) continue;
    buckets[pipeline->lake.raw_bucket].insert(record.dag_id);
    buckets[pipeline->lake.clean_bucket].insert(record.dag_id);
  }
  buckets[scope.pipeline->lake.raw_bucket];
  buckets[scope.pipeline->lake.clean_bucket];
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [name, users] : buckets) {
    items.push_back({{"name", name}, {"prefix", name + "/"}, {"dag_ids", users}});
  }
  return JsonReply(200, {{"lake", scope.store->Describe()}, {"buckets", items}});
}

Reply List(ServerContext& context, Call& call) {
  std::string prefix = call.Query("prefix").value_or("");
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  if (prefix.empty()) return ValidationReply({"query", "prefix"}, "Field required", "missing");
  // The store validates the prefix itself (a bucket alone, "raw/", is a valid
  // prefix but not a valid key) and answers kInvalidArgument, which is a 400.
  LakeScope scope;
  if (auto failed = OpenLakeScope(context, call, &scope)) return *failed;
  auto objects = scope.store->List(prefix);
  if (!objects) return ErrorReply(objects.error());
  std::set<std::string> prefixes;
  nlohmann::json files = nlohmann::json::array();
  bool truncated = false;
  for (const lake::ObjectInfo& info : *objects) {
    std::string_view rest = std::string_view(info.key).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash != std::string_view::npos) {
      prefixes.insert(prefix + std::string(rest.substr(0, slash + 1)));
    } else if (files.size() < kMaxListed) {
      files.push_back({{"key", info.key},
                       {"name", std::string(rest)},
                       {"size", info.size},
                       {"modified", TimeJson(info.modified)},
                       {"kind", LakeKind(info.key)}});
    } else {
      truncated = true;
    }
  }
  return JsonReply(
      200,
      {{"prefix", prefix}, {"prefixes", prefixes}, {"objects", files}, {"truncated", truncated}});
}

}  // namespace

Result<std::string> ReadObjectHead(lake::ObjectStore& store, const std::string& key,
                                   uint64_t bytes) {
  SLUICE_ASSIGN_OR_RETURN(auto reader, store.OpenRange(key, 0, bytes));
  std::string text(std::min<uint64_t>(bytes, reader->size()), '\0');
  size_t filled = 0;
  while (filled < text.size()) {
    SLUICE_ASSIGN_OR_RETURN(size_t got, reader->Read(text.data() + filled, text.size() - filled));
    if (got == 0) break;
    filled += got;
  }
  text.resize(filled);
  return text;
}

namespace {

Reply Object(ServerContext& context, Call& call) {
  std::string key;
  if (auto invalid = RequireLakeKey(call, &key)) return *invalid;
  LakeScope scope;
  if (auto failed = OpenLakeScope(context, call, &scope)) return *failed;
  auto info = scope.store->Head(key);
  if (!info) return ErrorReply(info.error());
  nlohmann::json body = {{"key", info->key},
                         {"size", info->size},
                         {"modified", TimeJson(info->modified)},
                         {"kind", LakeKind(key)},
                         {"content_type", LakeContentType(key)},
                         {"document", nullptr}};
  std::string_view kind = LakeKind(key);
  if ((kind == "manifest" || kind == "schema") && info->size <= kMaxDocumentBytes) {
    auto text = ReadObjectHead(*scope.store, key, info->size);
    if (!text) return ErrorReply(text.error());
    nlohmann::json document = nlohmann::json::parse(MaskSecrets(*text), nullptr, false);
    if (!document.is_discarded()) body["document"] = std::move(document);
  }
  return JsonReply(200, body);
}

}  // namespace

void AddLakeRoutes(Router& router, ServerContext& context) {
  std::vector<QueryParamDoc> dag{
      {"dag_id", "string", "use this DAG's lake (default: the lake connection)"}};
  auto with_key = dag;
  with_key.push_back({"key", "string", "<bucket>/<path>"});
  router.Add({"GET",
              "/api/v2/sluice/lake/buckets",
              Access::kViewer,
              [&context](Call& call) { return Buckets(context, call); },
              {.summary = "The lake's buckets (those the pipelines name)",
               .tag = "Lake",
               .response_schema = "LakeBucketsResponse",
               .query = dag}});
  auto list_query = dag;
  list_query.push_back({"prefix", "string", "<bucket>/ or <bucket>/<path>/"});
  router.Add({"GET",
              "/api/v2/sluice/lake/list",
              Access::kViewer,
              [&context](Call& call) { return List(context, call); },
              {.summary = "Sub-prefixes and objects directly under a prefix",
               .tag = "Lake",
               .response_schema = "LakeListResponse",
               .query = list_query}});
  router.Add({"GET",
              "/api/v2/sluice/lake/object",
              Access::kViewer,
              [&context](Call& call) { return Object(context, call); },
              {.summary = "An object's metadata (and the document, for manifests and schema.json)",
               .tag = "Lake",
               .response_schema = "LakeObjectResponse",
               .query = with_key}});
  auto preview_query = with_key;
  preview_query.push_back(
      {"bytes", "integer", "at most this many bytes (default 65536, max 1 MiB)"});
  preview_query.push_back({"rows", "integer", "at most this many rows or records (default 50)"});
  router.Add({"GET",
              "/api/v2/sluice/lake/preview",
              Access::kViewer,
              [&context](Call& call) { return Preview(context, call); },
              {.summary = "The first bytes of an object, with CSV rows or JSON records parsed",
               .tag = "Lake",
               .response_schema = "LakePreviewResponse",
               .query = preview_query}});
  router.Add({"GET",
              "/api/v2/sluice/lake/download",
              Access::kViewer,
              [&context](Call& call) { return Download(context, call); },
              {.summary = "Download an object",
               .tag = "Lake",
               .response_schema = "",
               .query = with_key,
               .content_type = "application/octet-stream"}});
}

}  // namespace sluice::server
