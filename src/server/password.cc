#include "server/password.h"

#include <argon2.h>

#include <vector>

#include "server/crypto.h"

namespace sluice::server {
namespace {

constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19456;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

}  // namespace

Status ValidatePassword(std::string_view password) {
  if (password.size() < kMinPasswordLength) {
    return Error::InvalidArgument("the password is too short: it needs at least {} characters",
                                  kMinPasswordLength);
  }
  if (password.size() > kMaxPasswordLength) {
    return Error::InvalidArgument("the password is too long: at most {} characters",
                                  kMaxPasswordLength);
  }
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  SLUICE_TRY(ValidatePassword(password));
  std::string salt = RandomBytes(kSaltBytes);
  size_t length =
      argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltBytes, kHashBytes, Argon2_id);
  std::vector<char> encoded(length + 1, '\0');
  int rc =
      argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Error::Internal("hashing the password with argon2id failed: {}",
                           argon2_error_message(rc));
  }
  return std::string(encoded.data());
}

bool VerifyPassword(std::string_view password, std::string_view encoded_hash) {
  if (password.size() > kMaxPasswordLength) return false;
  std::string encoded(encoded_hash);  // argon2 wants a NUL-terminated string
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void VerifyDummyPassword(std::string_view password) {
  // A hash of a random password, made once: verifying against it costs the same as a real one.
  static const std::string dummy = HashPassword(RandomToken(16)).value_or(std::string());
  (void)VerifyPassword(password, dummy);
}

}  // namespace sluice::server
