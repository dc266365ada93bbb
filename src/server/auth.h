// Private to server: who is calling. Bearer tokens (HS256 JWTs from POST
// /auth/token) and browser sessions (an HttpOnly cookie holding a signed
// random id; the store keeps only its hash), the login rate limit, and
// $SLUICE_HOME/secret_key, the per-install secret both are signed with.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include "metadb/metadb.h"
#include "server/http.h"
#include "server/server.h"

namespace sluice::server {

inline constexpr std::string_view kSessionCookie = "sluice_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Reads $home/secret_key, or creates it (32 random bytes, hex, mode 0600).
// kFailedPrecondition when it exists with permissions wider than 0600.
Result<std::string> LoadOrCreateSecretKey(const std::string& home);

class Authenticator {
 public:
  Authenticator(metadb::MetaStore& store, Clock& clock, std::string_view secret_key,
                const ServerOptions& options);

  enum class Outcome { kAnonymous, kAuthenticated, kInvalid };
  // From "Authorization: Bearer ..." when present, else the session cookie. A
  // token that is malformed, expired, badly signed, or whose user is gone,
  // deactivated or has changed password since is kInvalid; so is a cookie
  // whose signature or session does not check out.
  Outcome Authenticate(const httplib::Request& request, Principal* principal) const;

  // Checks a username and password under the rate limit: kResourceExhausted
  // while the user or the address has too many recent failures (even with the
  // right password), else kUnauthenticated "Invalid credentials" for any
  // mismatch, without saying which part was wrong.
  Result<metadb::UserRecord> CheckCredentials(std::string_view username, std::string_view password,
                                              std::string_view address) const;

  std::string IssueToken(const metadb::UserRecord& user) const;

  struct Session {
    std::string cookie_value;
    std::string csrf_token;
  };
  Result<Session> StartSession(const metadb::UserRecord& user) const;
  Status EndSession(const Principal& principal) const;
  // The Set-Cookie value for a session cookie ("" value and max_age 0 clear it).
  std::string CookieHeader(std::string_view value, std::chrono::seconds max_age) const;

 private:
  bool AuthenticateToken(std::string_view token, Principal* principal) const;
  bool AuthenticateCookie(std::string_view cookie, Principal* principal) const;
  Status CheckRateLimit(const std::vector<std::string>& keys) const;

  metadb::MetaStore& store_;
  Clock& clock_;
  std::string token_key_;
  std::string session_key_;
  ServerOptions options_;
};

// The value of one cookie in a Cookie header, "" when absent.
std::string CookieValue(const httplib::Request& request, std::string_view name);
// The first 16 hex digits of sha256(password_hash): tokens carry it, so a
// password change ends them.
std::string PasswordVersion(std::string_view password_hash);

}  // namespace sluice::server
