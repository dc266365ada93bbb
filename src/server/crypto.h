// Private to server: the few cryptographic primitives authentication needs,
// over OpenSSL.
#pragma once

#include <string>
#include <string_view>

#include "core/core.h"

namespace sluice::server {

// RFC 4648 section 5, without padding.
std::string Base64UrlEncode(std::string_view bytes);
// kInvalidArgument for characters outside the alphabet or a truncated text.
Result<std::string> Base64UrlDecode(std::string_view text);

std::string HmacSha256(std::string_view key, std::string_view message);  // 32 raw bytes
std::string Sha256Hex(std::string_view bytes);
// Cryptographically random bytes (OpenSSL's RAND_bytes); aborts when the
// generator fails, as nothing secure can go on without it.
std::string RandomBytes(size_t count);
// A random URL-safe token of count random bytes.
std::string RandomToken(size_t count = 32);
// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluice::server
