// Private to server: JSON Web Tokens (RFC 7519) signed with HS256, for the
// bearer tokens POST /auth/token hands out.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/core.h"

namespace sluice::server {

// header.payload.signature, header {"alg":"HS256","typ":"JWT"}.
std::string SignJwt(const nlohmann::json& claims, std::string_view key);

// The claims of a token signed with key. kUnauthenticated when malformed,
// signed otherwise or with another algorithm, not yet valid (nbf) or
// expired (exp) at `now`; the message says which, without the token.
Result<nlohmann::json> VerifyJwt(std::string_view token, std::string_view key, TimePoint now);

}  // namespace sluice::server
