// Connection URLs: scheme://user:password@host:port/path?key=value.
// User and password are percent-decoded; query values too. ToString() writes
// the URL back with the password masked, so a Url is safe to log.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluice {

struct Url {
  std::string scheme;  // lower case: "s3", "file", "postgresql", "http"
  std::string user;
  std::string password;
  bool has_password = false;
  std::string host;
  std::optional<int> port;
  std::string path;  // percent-decoded, starts with '/' when present
  std::map<std::string, std::string> query;

  // kInvalidArgument with the offending part when the text is not a URL.
  static Result<Url> Parse(std::string_view text);

  std::string QueryOr(const std::string& key, std::string fallback) const;
  // Safe to log: the password is replaced by "***".
  std::string ToString() const;
  // With the password, for handing to a client library; never log it.
  std::string ToStringWithPassword() const;
};

std::string PercentDecode(std::string_view text);
// RFC 3986 unreserved characters stay; everything else becomes %XX.
// keep_slash leaves '/' as is (for S3 object keys in paths).
std::string PercentEncode(std::string_view text, bool keep_slash = false);

}  // namespace sluice
