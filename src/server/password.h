// Private to server: password hashing with argon2id (libargon2).
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"

namespace sluice::server {

inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 1024;

// kInvalidArgument when too short or too long (the message never holds it).
Status ValidatePassword(std::string_view password);
// An encoded argon2id hash ("$argon2id$v=19$m=19456,t=2,p=1$salt$hash") with a
// fresh random salt; the parameters follow OWASP's recommendation.
Result<std::string> HashPassword(std::string_view password);
// Whether password matches the encoded hash; false for a malformed hash.
bool VerifyPassword(std::string_view password, std::string_view encoded_hash);
// Spends the time of one verification, so that an unknown username answers
// as slowly as a wrong password.
void VerifyDummyPassword(std::string_view password);

}  // namespace sluice::server
