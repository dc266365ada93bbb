// AWS Signature Version 4 for S3 requests (private to lake/), signed with
// OpenSSL. Checked against AWS's published test vectors (tests/lake/sigv4_test.cc).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace sluice::lake::sigv4 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // sent as x-amz-security-token when set
};

struct Request {
  std::string method;         // "GET"
  std::string canonical_uri;  // the path as sent, already URI-encoded: "/raw/a%20b.json"
  Pairs query;                // names and values as they are, not encoded
  Pairs headers;              // every header here is signed; names in any case
  std::string payload_hash;   // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Base64(std::string_view bytes);
// The x-amz-checksum-crc32 value: base64 of the big-endian CRC-32 (zlib's).
std::string Crc32Base64(std::string_view data);
// "20150830T123600Z"
std::string AmzDate(TimePoint time);

// Query in canonical form: names and values URI-encoded, sorted, joined by '&'.
std::string CanonicalQuery(const Pairs& query);
std::string CanonicalRequest(const Request& request);
std::string SignedHeaders(const Request& request);
// amz_date is "YYYYMMDDTHHMMSSZ"; service is "s3" for S3.
std::string Signature(const Request& request, const Credentials& credentials,
                      std::string_view region, std::string_view service, std::string_view amz_date);
// "AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature=..."
std::string Authorization(const Request& request, const Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date);

}  // namespace sluice::lake::sigv4
