// Secret masking. Every password, key or token that sluice reads is registered
// here once; MaskSecrets() replaces each registered value, and the password
// part of any URL (scheme://user:PASSWORD@host), by "***".
//
// The registry is process-wide on purpose: masking must hold at every output
// (errors, logs, task logs, HTTP responses) without each call site having to
// carry the list, as a secret that reaches one forgotten site is a leak.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

// Values shorter than 4 characters are ignored: masking them would garble text.
void RegisterSecret(std::string_view secret);
std::string MaskSecrets(std::string_view text);
// "postgresql://u:p@h/db" -> "postgresql://u:***@h/db"; other text unchanged.
std::string MaskUrlCredentials(std::string_view text);

}  // namespace sluice
