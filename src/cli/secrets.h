// Where connection values come from besides the plain environment: a file
// named by SLUICE_CONN_<ID>_FILE (as Docker and Kubernetes mount secrets) or a
// command that prints the value (any secrets manager's own CLI), both cached
// for a while so a rotated value is picked up without a restart. Every value
// read here is registered for masking before it is returned.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::cli {

// The config file's `secrets:` section.
struct SecretsOptions {
  // argv of the command; "{conn_id}" in any argument is replaced by the
  // connection id. Empty: no command source.
  std::vector<std::string> command;
  // The connection ids the command serves; empty: every id not set in the
  // environment.
  std::vector<std::string> connections;
  std::chrono::seconds timeout{10};
  // How long a value read from a file or a command is reused; zero: re-read on every lookup.
  std::chrono::seconds cache{300};

  bool Serves(const std::string& connection_id) const;
};

// Values by key for `ttl`, measured on the clock's steady time. Thread-safe;
// two threads missing the same key at once may both load it (the last one wins).
// Failed loads are not cached.
class SecretCache {
 public:
  explicit SecretCache(std::shared_ptr<const Clock> clock = std::make_shared<SystemClock>());

  Result<std::string> GetOrLoad(const std::string& key, std::chrono::seconds ttl,
                                const std::function<Result<std::string>()>& load);
  void Clear();

 private:
  struct Entry {
    std::string value;
    std::chrono::steady_clock::time_point expires;
  };
  std::shared_ptr<const Clock> clock_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

// The file's content without its trailing newline. `variable` names the
// environment variable that pointed here, for the error message, which never
// holds the content. Errors: kNotFound (no such file), kPermissionDenied,
// kFailedPrecondition (empty), kUnavailable (other read errors).
Result<std::string> ReadSecretFile(const std::string& variable, const std::string& path);

// Runs options.command for connection_id without a shell and returns its
// stdout without the trailing newline. Errors name the program and say
// "exited with status N" (kUnavailable), "timed out after Ns"
// (kDeadlineExceeded), "printed nothing" (kFailedPrecondition) or
// "no such program" (kNotFound); they never hold what it printed on stdout.
Result<std::string> RunSecretCommand(const SecretsOptions& options,
                                     const std::string& connection_id);

// Registers for masking the secret parts of a connection value: the URL's
// password (decoded and as written), query values whose key names a secret
// (password, secret, token, key), or the whole text when it is not a URL.
void RegisterConnectionSecrets(std::string_view text);

}  // namespace sluice::cli
