// Key and prefix rules shared by every store (private to lake/).
#pragma once

#include <string_view>

#include "core/core.h"

namespace sluice::lake {

inline constexpr size_t kMaxKeyBytes = 1024;

// "raw/a/b.json" -> {"raw", "a/b.json"}; "raw/" or "raw" -> {"raw", ""}.
struct KeyParts {
  std::string_view bucket;
  std::string_view path;
};
KeyParts SplitKey(std::string_view key);

// S3's rules, kept by every backend: 3 to 63 of a-z 0-9 . -, letter or digit at both ends.
Status ValidateBucketName(std::string_view bucket, std::string_view key);

// A listing prefix: a valid bucket, then segments as in a key; the last one may
// be partial ("raw/users/ds=2025") or empty ("raw/users/").
Status ValidatePrefix(std::string_view prefix);

}  // namespace sluice::lake
