#include "core/mask.h"

#include <algorithm>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace sluice {
namespace {

struct SecretRegistry {
  std::shared_mutex mutex;
  std::vector<std::string> secrets;  // longest first, so a secret containing another masks whole
};

SecretRegistry& Registry() {
  static SecretRegistry registry;
  return registry;
}

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

}  // namespace

void RegisterSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  SecretRegistry& registry = Registry();
  std::unique_lock lock(registry.mutex);
  if (std::find(registry.secrets.begin(), registry.secrets.end(), secret) !=
      registry.secrets.end()) {
    return;
  }
  registry.secrets.emplace_back(secret);
  std::stable_sort(registry.secrets.begin(), registry.secrets.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string MaskUrlCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t scheme_end = text.find("://", pos);
    if (scheme_end == std::string_view::npos) break;
    size_t scheme_start = scheme_end;
    while (scheme_start > pos && IsSchemeChar(text[scheme_start - 1])) --scheme_start;
    size_t authority = scheme_end + 3;
    size_t authority_end = text.find_first_of("/?# \t\n\"'<>", authority);
    if (authority_end == std::string_view::npos) authority_end = text.size();
    std::string_view userinfo_and_host = text.substr(authority, authority_end - authority);
    size_t at = userinfo_and_host.rfind('@');
    size_t colon = userinfo_and_host.find(':');
    out.append(text.substr(pos, authority - pos));
    if (scheme_start < scheme_end && at != std::string_view::npos && colon != std::string_view::npos &&
        colon < at) {
      out.append(userinfo_and_host.substr(0, colon + 1));
      out.append("***");
      out.append(userinfo_and_host.substr(at));
    } else {
      out.append(userinfo_and_host);
    }
    pos = authority_end;
  }
  out.append(text.substr(std::min(pos, text.size())));
  return out;
}

std::string MaskSecrets(std::string_view text) {
  std::string out = MaskUrlCredentials(text);
  SecretRegistry& registry = Registry();
  std::shared_lock lock(registry.mutex);
  for (const std::string& secret : registry.secrets) {
    size_t found = 0;
    while ((found = out.find(secret, found)) != std::string::npos) {
      out.replace(found, secret.size(), "***");
      found += 3;
    }
  }
  return out;
}

}  // namespace sluice
