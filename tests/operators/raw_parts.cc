#include "operators/raw_parts.h"

#include <gtest/gtest.h>

#include "source/source.h"

namespace sluice::operators::testing {

void PutRawRecords(lake::ObjectStore& store, const std::string& resource, int first, int count,
                   const std::string& padding) {
  std::string json = "[";
  for (int id = first; id < first + count; ++id) {
    json +=
        fmt::format("{}{{\"id\":{},\"name\":\"n{}{}\"}}", id > first ? "," : "", id, id, padding);
  }
  json += "]";
  PutRawPart(store, resource, json, static_cast<uint64_t>(count));
}

void PutRawPart(lake::ObjectStore& store, const std::string& resource, const std::string& json,
                uint64_t records) {
  source::RawManifest manifest{.source = "api",
                               .resource = resource,
                               .ds = kRawDs,
                               .run_id = kRawRunId,
                               .complete = true,
                               .records = records,
                               .bytes = json.size(),
                               .fetched_at = "2025-03-15T10:00:00.000Z"};
  const std::string prefix = source::RawRunPrefix("raw", "api", resource, kRawDs, kRawRunId);
  manifest.parts.push_back({.key = prefix + "part-00000.json",
                            .url = "http://api/" + resource,
                            .status = 200,
                            .bytes = json.size(),
                            .records = records});
  ASSERT_TRUE(lake::PutString(store, manifest.parts[0].key, json));
  ASSERT_TRUE(lake::PutString(store,
                              source::RawManifestKey("raw", "api", resource, kRawDs, kRawRunId),
                              source::ManifestToJson(manifest)));
}

}  // namespace sluice::operators::testing
