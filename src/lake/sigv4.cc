#include "lake/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace sluice::lake::sigv4 {
namespace {

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces, as the canonical header form requires.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool in_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      in_space = !out.empty();
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  return out;
}

// Lower-cased names, sorted; duplicates joined with ',' in their given order.
Pairs CanonicalHeaders(const Pairs& headers) {
  Pairs sorted;
  for (const auto& [name, value] : headers) {
    std::string lower = Lower(name);
    auto it = std::find_if(sorted.begin(), sorted.end(),
                           [&](const auto& entry) { return entry.first == lower; });
    if (it == sorted.end()) {
      sorted.emplace_back(lower, CanonicalHeaderValue(value));
    } else {
      it->second += "," + CanonicalHeaderValue(value);
    }
  }
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

std::string DateStamp(std::string_view amz_date) { return std::string(amz_date.substr(0, 8)); }

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof digest);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(bytes.data()),
                             static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(size));
  return out;
}

std::string Crc32Base64(std::string_view data) {
  const auto crc = static_cast<uint32_t>(
      crc32_z(crc32_z(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()), data.size()));
  const char big_endian[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16),
                              static_cast<char>(crc >> 8), static_cast<char>(crc)};
  return Base64(std::string_view(big_endian, sizeof big_endian));
}

std::string AmzDate(TimePoint time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string CanonicalQuery(const Pairs& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query)
    encoded.emplace_back(PercentEncode(name), PercentEncode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out.append(name).append("=").append(value);
  }
  return out;
}

std::string SignedHeaders(const Request& request) {
  std::string out;
  for (const auto& [name, value] : CanonicalHeaders(request.headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalRequest(const Request& request) {
  std::string headers;
  for (const auto& [name, value] : CanonicalHeaders(request.headers)) {
    headers.append(name).append(":").append(value).append("\n");
  }
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", request.method, request.canonical_uri,
                     CanonicalQuery(request.query), headers, SignedHeaders(request),
                     request.payload_hash);
}

std::string Signature(const Request& request, const Credentials& credentials,
                      std::string_view region, std::string_view service,
                      std::string_view amz_date) {
  std::string scope = fmt::format("{}/{}/{}/aws4_request", DateStamp(amz_date), region, service);
  std::string string_to_sign = fmt::format("AWS4-HMAC-SHA256\n{}\n{}\n{}", amz_date, scope,
                                           Sha256Hex(CanonicalRequest(request)));
  std::string key = HmacSha256("AWS4" + credentials.secret_key, DateStamp(amz_date));
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  key = HmacSha256(key, "aws4_request");
  std::string signature = HmacSha256(key, string_to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

std::string Authorization(const Request& request, const Credentials& credentials,
                          std::string_view region, std::string_view service,
                          std::string_view amz_date) {
  return fmt::format(
      "AWS4-HMAC-SHA256 Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
      credentials.access_key, DateStamp(amz_date), region, service, SignedHeaders(request),
      Signature(request, credentials, region, service, amz_date));
}

}  // namespace sluice::lake::sigv4
