// The raw partition's manifest: written last by the extraction, read by the
// transform to find the parts of a complete run.
#include <nlohmann/json.hpp>
#include <tuple>

#include "source/source.h"

namespace sluice::source {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kManifestName = "_manifest.json";

Json PartToJson(const RawPart& part) {
  return Json{{"key", part.key},        {"url", part.url},       {"status", part.status},
              {"bytes", part.bytes},    {"sha256", part.sha256}, {"fetched_at", part.fetched_at},
              {"records", part.records}};
}

RawPart PartFromJson(const Json& json) {
  return RawPart{.key = json.at("key").get<std::string>(),
                 .url = json.at("url").get<std::string>(),
                 .status = json.at("status").get<int>(),
                 .bytes = json.at("bytes").get<uint64_t>(),
                 .sha256 = json.at("sha256").get<std::string>(),
                 .fetched_at = json.at("fetched_at").get<std::string>(),
                 .records = json.at("records").get<uint64_t>()};
}

// nlohmann throws on a parse error or a missing or mistyped field; this is
// the one place that calls it, so the exceptions stop here.
Result<RawManifest> ParseManifest(std::string_view key, const std::string& text) {
  try {
    Json json = Json::parse(text);
    RawManifest manifest{.source = json.at("source").get<std::string>(),
                         .resource = json.at("resource").get<std::string>(),
                         .ds = json.at("ds").get<std::string>(),
                         .run_id = json.at("run_id").get<std::string>(),
                         .complete = json.at("complete").get<bool>(),
                         .records = json.at("records").get<uint64_t>(),
                         .bytes = json.at("bytes").get<uint64_t>(),
                         .fetched_at = json.value("fetched_at", std::string()),
                         .parts = {},
                         .key = std::string(key)};
    for (const Json& part : json.at("parts")) manifest.parts.push_back(PartFromJson(part));
    return manifest;
  } catch (const Json::exception& e) {
    return Error::DataLoss("raw manifest {}: not a manifest: {}", key, e.what())
        .Hint("delete the run's folder and extract it again");
  }
}

bool IsNewer(const RawManifest& a, const RawManifest& b) {
  return std::tie(a.fetched_at, a.run_id) > std::tie(b.fetched_at, b.run_id);
}

}  // namespace

std::string RawRunPrefix(std::string_view raw_bucket, std::string_view source,
                         std::string_view resource, std::string_view ds, std::string_view run_id) {
  return fmt::format("{}/{}/{}/ds={}/run={}/", raw_bucket, source, resource, ds, run_id);
}

std::string RawManifestKey(std::string_view raw_bucket, std::string_view source,
                           std::string_view resource, std::string_view ds,
                           std::string_view run_id) {
  return RawRunPrefix(raw_bucket, source, resource, ds, run_id) + std::string(kManifestName);
}

std::string ManifestToJson(const RawManifest& manifest) {
  Json parts = Json::array();
  for (const RawPart& part : manifest.parts) parts.push_back(PartToJson(part));
  Json json{{"source", manifest.source},
            {"resource", manifest.resource},
            {"ds", manifest.ds},
            {"run_id", manifest.run_id},
            {"complete", manifest.complete},
            {"records", manifest.records},
            {"bytes", manifest.bytes},
            {"fetched_at", manifest.fetched_at},
            {"parts", std::move(parts)}};
  // Strings here come from URLs and keys; replace rather than throw on bad UTF-8.
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<RawManifest> ReadRawManifest(lake::ObjectStore& store, std::string_view key) {
  SLUICE_ASSIGN_OR_RETURN(std::string text, lake::GetString(store, key));
  return ParseManifest(key, text);
}

Result<RawManifest> FindRawPartition(lake::ObjectStore& store, std::string_view raw_bucket,
                                     std::string_view source, std::string_view resource,
                                     std::string_view ds, std::string_view preferred_run_id) {
  if (!preferred_run_id.empty()) {
    auto preferred =
        ReadRawManifest(store, RawManifestKey(raw_bucket, source, resource, ds, preferred_run_id));
    if (preferred && preferred->complete) return preferred;
    if (!preferred && preferred.error().code() != Code::kNotFound) return preferred;
  }
  std::string prefix = fmt::format("{}/{}/{}/ds={}/", raw_bucket, source, resource, ds);
  // The run folders alone: listing every part of every run of the day would
  // cost one request per thousand parts.
  auto folders = store.ListFolders(prefix);
  if (!folders && folders.error().code() != Code::kNotFound) return std::move(folders).error();
  std::optional<RawManifest> newest;
  std::optional<Error> unreadable;
  for (const std::string& folder : folders ? *folders : std::vector<std::string>{}) {
    if (std::string_view(folder).substr(prefix.size()).rfind("run=", 0) != 0) continue;
    auto manifest = ReadRawManifest(store, folder + std::string(kManifestName));
    if (!manifest) {
      // A run folder without a manifest is one being written, or one that failed.
      if (manifest.error().code() != Code::kNotFound && !unreadable) unreadable = manifest.error();
      continue;
    }
    if (manifest->complete && (!newest || IsNewer(*manifest, *newest)))
      newest = std::move(*manifest);
  }
  if (newest) return *newest;
  Error error = Error::NotFound("no complete raw partition under {}{}", prefix,
                                unreadable ? fmt::format(" ({})", unreadable->message()) : "");
  return std::move(error).Hint("run the extract task for ds {} first", ds);
}

}  // namespace sluice::source
