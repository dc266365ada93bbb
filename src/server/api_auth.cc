// POST /auth/token (Airflow's token flow) and the browser session endpoints:
// POST /api/v2/sluice/login, POST /api/v2/sluice/logout, GET /api/v2/sluice/session.
#include "server/context.h"

namespace sluice::server {
namespace {

// {username, password} from the body, or the 422 to answer.
std::optional<Reply> ReadCredentials(const httplib::Request& request, std::string* username,
                                     std::string* password) {
  nlohmann::json body;
  if (auto invalid = ParseJsonBody(request, {"username", "password"}, &body)) return invalid;
  std::vector<ValidationIssue> issues;
  for (auto [name, target] : {std::pair{"username", username}, std::pair{"password", password}}) {
    if (!body.contains(name)) {
      issues.push_back({{"body", name}, "Field required", "missing"});
    } else if (!body[name].is_string()) {
      issues.push_back({{"body", name}, "Input should be a valid string", "string_type"});
    } else {
      *target = body[name].get<std::string>();
    }
  }
  if (!issues.empty()) return ValidationReply(issues);
  return std::nullopt;
}

Reply CredentialsError(const Error& error) {
  if (error.code() == Code::kResourceExhausted) {
    Reply reply = DetailReply(429, error.message());
    reply.headers.emplace_back("Retry-After", "300");
    return reply;
  }
  if (error.code() == Code::kUnauthenticated) return DetailReply(401, "Invalid credentials");
  return ErrorReply(error);
}

nlohmann::json UserJson(std::string_view username, Role role) {
  return {{"username", username}, {"role", RoleName(role)}};
}

Reply Token(ServerContext& context, Call& call) {
  std::string username, password;
  if (auto invalid = ReadCredentials(call.request, &username, &password)) return *invalid;
  auto user = context.auth.CheckCredentials(username, password, call.request.remote_addr);
  if (!user) return CredentialsError(user.error());
  return JsonReply(201, {{"access_token", context.auth.IssueToken(*user)}});
}

Reply Login(ServerContext& context, Call& call) {
  std::string username, password;
  if (auto invalid = ReadCredentials(call.request, &username, &password)) return *invalid;
  auto user = context.auth.CheckCredentials(username, password, call.request.remote_addr);
  if (!user) return CredentialsError(user.error());
  auto session = context.auth.StartSession(*user);
  if (!session) return ErrorReply(session.error());
  Role role = ParseRole(user->role).value_or(Role::kViewer);
  Reply reply = JsonReply(
      200, {{"csrf_token", session->csrf_token}, {"user", UserJson(user->username, role)}});
  reply.headers.emplace_back(
      "Set-Cookie",
      context.auth.CookieHeader(session->cookie_value, context.options.session_lifetime));
  return reply;
}

Reply Logout(ServerContext& context, Call& call) {
  if (Status ended = context.auth.EndSession(*call.principal); !ended) {
    return ErrorReply(ended.error());
  }
  Reply reply = JsonReply(200, {{"detail", "Logged out"}});
  reply.headers.emplace_back("Set-Cookie", context.auth.CookieHeader("", std::chrono::seconds(0)));
  return reply;
}

Reply Session(Call& call) {
  const Principal& principal = *call.principal;
  nlohmann::json body = {{"user", UserJson(principal.username, principal.role)},
                         {"csrf_token", principal.via_session ? nlohmann::json(principal.csrf_token)
                                                              : nlohmann::json(nullptr)},
                         {"permissions",
                          {{"read", true},
                           {"trigger", Allows(Access::kUser, principal.role)},
                           {"pause", Allows(Access::kUser, principal.role)},
                           {"clear", Allows(Access::kUser, principal.role)},
                           {"manage_users", Allows(Access::kAdmin, principal.role)}}}};
  return JsonReply(200, body);
}

}  // namespace

void AddAuthRoutes(Router& router, ServerContext& context) {
  router.Add({"POST",
              "/auth/token",
              Access::kPublic,
              [&context](Call& call) { return Token(context, call); },
              {.summary = "Create an access token (a JWT) from a username and password",
               .tag = "Auth",
               .response_schema = "TokenResponse",
               .success_status = 201,
               .request_schema = "LoginBody"}});
  router.Add({"POST",
              "/api/v2/sluice/login",
              Access::kPublic,
              [&context](Call& call) { return Login(context, call); },
              {.summary = "Log in a browser: sets the session cookie, returns the CSRF token",
               .tag = "Sluice",
               .response_schema = "SessionResponse",
               .request_schema = "LoginBody"}});
  router.Add(
      {"POST",
       "/api/v2/sluice/logout",
       Access::kViewer,
       [&context](Call& call) { return Logout(context, call); },
       {.summary = "End the browser session", .tag = "Sluice", .response_schema = "Detail"}});
  router.Add({"GET",
              "/api/v2/sluice/session",
              Access::kViewer,
              [](Call& call) { return Session(call); },
              {.summary = "Who is logged in, their role and permissions, and the CSRF token",
               .tag = "Sluice",
               .response_schema = "SessionResponse"}});
}

}  // namespace sluice::server
