// Deterministic jsonplaceholder-shaped data, for local servers, tests and
// benchmarks (the public API is not always reachable). The same six resources,
// field names, nesting, types and id relationships as the public API; at scale
// 1 exactly its sizes (10 users, 100 posts, 500 comments, 100 albums, 5000
// photos, 200 todos); scale N multiplies each.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::devdata {

struct ResourceCounts {
  int64_t users, posts, comments, albums, photos, todos;
};
ResourceCounts CountsAtScale(int64_t scale);

inline constexpr std::string_view kResources[] = {"users",  "posts",  "comments",
                                                  "albums", "photos", "todos"};

// Writes one record of `resource` with 1-based `id` as compact JSON.
// The same (resource, id, scale) always gives the same bytes.
void WriteRecord(std::string& out, std::string_view resource, int64_t id, int64_t scale);

// Writes {"users":[...],"posts":[...],...}: json-server's db.json. Streams: memory
// does not grow with scale.
Status WriteDatabase(const std::string& path, int64_t scale);

// Writes <folder>/<resource>/<page>.json, pages of page_size records each
// (1-based page numbers), for a static file server. Returns the number of files.
Result<int64_t> WritePages(const std::string& folder, int64_t scale, int64_t page_size);

}  // namespace sluice::devdata
