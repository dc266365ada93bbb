#include "server/jwt.h"

#include <chrono>

#include "server/crypto.h"

namespace sluice::server {
namespace {

int64_t EpochSeconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Result<nlohmann::json> DecodePart(std::string_view part, std::string_view what) {
  auto bytes = Base64UrlDecode(part);
  if (!bytes) return Error::Unauthenticated("malformed token: its {} is not base64url", what);
  nlohmann::json value = nlohmann::json::parse(*bytes, nullptr, false);
  if (!value.is_object())
    return Error::Unauthenticated("malformed token: its {} is not JSON", what);
  return value;
}

}  // namespace

std::string SignJwt(const nlohmann::json& claims, std::string_view key) {
  static const std::string header = Base64UrlEncode(R"({"alg":"HS256","typ":"JWT"})");
  std::string signing_input = header + "." + Base64UrlEncode(claims.dump());
  return signing_input + "." + Base64UrlEncode(HmacSha256(key, signing_input));
}

Result<nlohmann::json> VerifyJwt(std::string_view token, std::string_view key, TimePoint now) {
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Error::Unauthenticated("malformed token: a JWT has three parts");
  }
  std::string_view signing_input = token.substr(0, second);
  auto signature = Base64UrlDecode(token.substr(second + 1));
  if (!signature || !ConstantTimeEquals(*signature, HmacSha256(key, signing_input))) {
    return Error::Unauthenticated("invalid token: bad signature");
  }
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json header, DecodePart(token.substr(0, first), "header"));
  if (header.value("alg", "") != "HS256") {
    return Error::Unauthenticated("invalid token: algorithm is not HS256");
  }
  SLUICE_ASSIGN_OR_RETURN(nlohmann::json claims,
                          DecodePart(token.substr(first + 1, second - first - 1), "payload"));
  int64_t now_s = EpochSeconds(now);
  if (!claims.contains("exp") || !claims["exp"].is_number_integer()) {
    return Error::Unauthenticated("invalid token: no expiry");
  }
  if (claims["exp"].get<int64_t>() <= now_s) return Error::Unauthenticated("token expired");
  if (claims.contains("nbf") && claims["nbf"].is_number_integer() &&
      claims["nbf"].get<int64_t>() > now_s + 60) {
    return Error::Unauthenticated("token not valid yet");
  }
  return claims;
}

}  // namespace sluice::server
