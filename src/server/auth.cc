#include "server/auth.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/crypto.h"
#include "server/jwt.h"
#include "server/password.h"

namespace sluice::server {
namespace {

constexpr std::string_view kIssuer = "sluice";

int64_t EpochSeconds(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Result<std::string> ReadSecretFile(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Error::Internal("stat {}: {}", path, std::strerror(errno));
  }
  if ((info.st_mode & 077) != 0) {
    return Error::FailedPrecondition("{} is readable by others (mode {:o})", path,
                                     info.st_mode & 0777)
        .Hint("chmod 600 {}", path);
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string key = text.str();
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
  if (key.size() < 32) {
    return Error::FailedPrecondition("{} holds fewer than 32 characters", path)
        .Hint("delete it: the server creates a new one (sessions and tokens then end)");
  }
  return key;
}

}  // namespace

Result<std::string> LoadOrCreateSecretKey(const std::string& home) {
  std::string path = home + "/secret_key";
  if (::access(path.c_str(), F_OK) != 0) {
    std::string key = Sha256Hex(RandomBytes(32));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string line = key + "\n";
      ssize_t written = ::write(fd, line.data(), line.size());
      ::close(fd);
      if (written != static_cast<ssize_t>(line.size())) {
        ::unlink(path.c_str());
        return Error::Internal("write {}: {}", path, std::strerror(errno));
      }
    } else if (errno != EEXIST) {
      return Error::Internal("create {}: {}", path, std::strerror(errno))
          .Hint("check that {} exists and is writable", home);
    }
  }
  SLUICE_ASSIGN_OR_RETURN(std::string key, ReadSecretFile(path));
  RegisterSecret(key);
  return key;
}

std::string CookieValue(const httplib::Request& request, std::string_view name) {
  size_t count = request.get_header_value_count("Cookie");
  for (size_t i = 0; i < count; ++i) {
    std::string header = request.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t equals = pair.find('=');
      if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
        return std::string(pair.substr(equals + 1));
      }
    }
  }
  return "";
}

std::string PasswordVersion(std::string_view password_hash) {
  return Sha256Hex(password_hash).substr(0, 16);
}

Authenticator::Authenticator(metadb::MetaStore& store, Clock& clock, std::string_view secret_key,
                             const ServerOptions& options)
    : store_(store),
      clock_(clock),
      token_key_(HmacSha256(secret_key, "sluice api token")),
      session_key_(HmacSha256(secret_key, "sluice browser session")),
      options_(options) {}

Authenticator::Outcome Authenticator::Authenticate(const httplib::Request& request,
                                                   Principal* principal) const {
  std::string authorization = request.get_header_value("Authorization");
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() <= kBearer.size() ||
        strncasecmp(authorization.c_str(), kBearer.data(), kBearer.size()) != 0) {
      return Outcome::kInvalid;
    }
    return AuthenticateToken(std::string_view(authorization).substr(kBearer.size()), principal)
               ? Outcome::kAuthenticated
               : Outcome::kInvalid;
  }
  std::string cookie = CookieValue(request, kSessionCookie);
  if (cookie.empty()) return Outcome::kAnonymous;
  return AuthenticateCookie(cookie, principal) ? Outcome::kAuthenticated : Outcome::kInvalid;
}

bool Authenticator::AuthenticateToken(std::string_view token, Principal* principal) const {
  auto claims = VerifyJwt(token, token_key_, clock_.Now());
  if (!claims || claims->value("iss", "") != kIssuer || !(*claims)["sub"].is_string()) return false;
  auto user = store_.GetUser((*claims)["sub"].get<std::string>());
  if (!user || !user->is_active) return false;
  if (claims->value("ver", "") != PasswordVersion(user->password_hash)) return false;
  auto role = ParseRole(user->role);
  if (!role) return false;
  *principal = Principal{.username = user->username, .role = *role};
  return true;
}

bool Authenticator::AuthenticateCookie(std::string_view cookie, Principal* principal) const {
  size_t dot = cookie.find('.');
  if (dot == std::string_view::npos) return false;
  std::string_view id = cookie.substr(0, dot);
  auto signature = Base64UrlDecode(cookie.substr(dot + 1));
  if (!signature || !ConstantTimeEquals(*signature, HmacSha256(session_key_, id))) return false;
  auto session = store_.GetSession(Sha256Hex(id));
  if (!session) return false;
  auto user = store_.GetUser(session->username);
  if (!user || !user->is_active) return false;
  auto role = ParseRole(user->role);
  if (!role) return false;
  *principal = Principal{.username = user->username,
                         .role = *role,
                         .via_session = true,
                         .session_id_hash = session->id_hash,
                         .csrf_token = session->csrf_token};
  return true;
}

Status Authenticator::CheckRateLimit(const std::vector<std::string>& keys) const {
  TimePoint since = clock_.Now() - options_.login_window;
  for (const std::string& key : keys) {
    SLUICE_ASSIGN_OR_RETURN(int failures, store_.CountLoginFailures(key, since));
    if (failures >= options_.login_max_failures) {
      return Error::ResourceExhausted("Too many failed login attempts; try again later");
    }
  }
  return OkStatus();
}

Result<metadb::UserRecord> Authenticator::CheckCredentials(std::string_view username,
                                                           std::string_view password,
                                                           std::string_view address) const {
  std::vector<std::string> keys = {fmt::format("user:{}", username),
                                   fmt::format("addr:{}", address)};
  SLUICE_TRY(CheckRateLimit(keys));
  auto user = store_.GetUser(username);
  bool valid = false;
  if (user) {
    valid = VerifyPassword(password, user->password_hash) && user->is_active;
  } else if (user.error().code() == Code::kNotFound) {
    VerifyDummyPassword(password);
  } else {
    return std::move(user).error();
  }
  if (!valid) {
    for (const std::string& key : keys) SLUICE_TRY(store_.RecordLoginFailure(key));
    return Error::Unauthenticated("Invalid credentials");
  }
  SLUICE_TRY(store_.ClearLoginFailures(keys[0]));
  return std::move(*user);
}

std::string Authenticator::IssueToken(const metadb::UserRecord& user) const {
  int64_t now = EpochSeconds(clock_.Now());
  nlohmann::json claims = {{"sub", user.username},
                           {"iss", kIssuer},
                           {"aud", "sluice-api"},
                           {"iat", now},
                           {"nbf", now},
                           {"exp", now + options_.token_lifetime.count()},
                           {"jti", RandomToken(16)},
                           {"ver", PasswordVersion(user.password_hash)}};
  return SignJwt(claims, token_key_);
}

Result<Authenticator::Session> Authenticator::StartSession(const metadb::UserRecord& user) const {
  std::string id = RandomToken(32);
  Session session{.cookie_value = id + "." + Base64UrlEncode(HmacSha256(session_key_, id)),
                  .csrf_token = RandomToken(32)};
  SLUICE_TRY(store_.CreateSession({.id_hash = Sha256Hex(id),
                                   .username = user.username,
                                   .csrf_token = session.csrf_token,
                                   .expires_at = clock_.Now() + options_.session_lifetime}));
  return session;
}

Status Authenticator::EndSession(const Principal& principal) const {
  if (principal.session_id_hash.empty()) return OkStatus();
  return store_.DeleteSession(principal.session_id_hash);
}

std::string Authenticator::CookieHeader(std::string_view value,
                                        std::chrono::seconds max_age) const {
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie,
                     value, max_age.count(), options_.secure_cookies ? "; Secure" : "");
}

}  // namespace sluice::server
