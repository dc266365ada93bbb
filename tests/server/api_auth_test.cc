// Authentication and roles against a real server: the token flow, sessions,
// CSRF, the login rate limit and what anonymous callers learn.
#include "server_fixture.h"

namespace sluice::server::testing {
namespace {

using json = nlohmann::json;

std::string Credentials(const std::string& username, const std::string& password) {
  return json{{"username", username}, {"password", password}}.dump();
}

TEST_F(ServerTest, TokenFlowAnswersAsAirflowDoes) {
  StartServer();
  Response good = Send("POST", "/auth/token", Credentials("admin", kAdminPassword));
  EXPECT_EQ(good.status, 201);
  ASSERT_TRUE(good.json.contains("access_token"));
  const std::string token = good.json["access_token"].get<std::string>();
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);  // a JWT: header.payload.signature
  Response wrong = Send("POST", "/auth/token", Credentials("admin", "not-the-password"));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json, json({{"detail", "Invalid credentials"}}));
  Response unknown = Send("POST", "/auth/token", Credentials("nobody", "not-the-password"));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.json, wrong.json);  // the same answer: which part was wrong is not said
  Response missing = Send("POST", "/auth/token", json{{"username", "admin"}}.dump());
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(missing.json["detail"][0]["loc"], json({"body", "password"}));
  EXPECT_EQ(missing.json["detail"][0]["type"], "missing");
}

TEST_F(ServerTest, AnonymousGets401AndLearnsNothing) {
  StartServer();
  for (const std::string& path : std::vector<std::string>{
           "/api/v2/dags", std::string("/api/v2/dags/") + kDagId, "/api/v2/dags/~/dagRuns",
           "/api/v2/importErrors", "/api/v2/sluice/lake/buckets"}) {
    SCOPED_TRACE(path);
    Response response = Get(path);
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.json, json({{"detail", "Not authenticated"}}));
    EXPECT_EQ(response.body.find(kDagId), std::string::npos);
  }
  Response trigger =
      Send("POST", std::string("/api/v2/dags/") + kDagId + "/dagRuns", R"({"logical_date": null})");
  EXPECT_EQ(trigger.status, 401);
  // An unknown DAG and a known one look alike to an anonymous caller.
  EXPECT_EQ(Get("/api/v2/dags/no_such_dag").body, Get(std::string("/api/v2/dags/") + kDagId).body);
}

TEST_F(ServerTest, GarbageBearerTokenIs403) {
  StartServer();
  Response response = Get("/api/v2/dags", "garbage");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.body.find(kDagId), std::string::npos);
  Response basic = Get("/api/v2/dags", "", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
  EXPECT_EQ(basic.status, 403);
}

TEST_F(ServerTest, TokenEndsWhenPasswordChangesOrUserIsDeleted) {
  StartServer();
  std::string token = Token("user", kUserPassword);
  EXPECT_EQ(Get("/api/v2/dags", token).status, 200);
  ASSERT_TRUE(ResetPassword(*store_, "user", "a-brand-new-password").has_value());
  EXPECT_EQ(Get("/api/v2/dags", token).status, 403);
  std::string viewer = Token("viewer", kViewerPassword);
  ASSERT_TRUE(store_->DeleteUser("viewer").has_value());
  EXPECT_EQ(Get("/api/v2/dags", viewer).status, 403);
}

TEST_F(ServerTest, TokenExpires) {
  options_.token_lifetime = std::chrono::seconds(60);
  StartServer();
  std::string token = AdminToken();
  EXPECT_EQ(Get("/api/v2/dags", token).status, 200);
  clock_->Advance(std::chrono::seconds(61));
  EXPECT_EQ(Get("/api/v2/dags", token).status, 403);
}

TEST_F(ServerTest, ViewerCannotTriggerPauseOrClear) {
  StartServer();
  std::string viewer = Token("viewer", kViewerPassword);
  std::string dag = std::string("/api/v2/dags/") + kDagId;
  EXPECT_EQ(Get(dag, viewer).status, 200);
  Response trigger = Send("POST", dag + "/dagRuns", R"({"logical_date": null})", viewer);
  EXPECT_EQ(trigger.status, 403);
  EXPECT_EQ(trigger.json, json({{"detail", "Forbidden"}}));
  EXPECT_EQ(Send("PATCH", dag, R"({"is_paused": true})", viewer).status, 403);
  EXPECT_EQ(Send("POST", dag + "/clearTaskInstances", R"({"dry_run": false})", viewer).status, 403);
  EXPECT_FALSE(store_->GetDag(kDagId)->is_paused);
  EXPECT_TRUE(store_->ListRuns({.dag_id = kDagId})->items.empty());
}

class SessionTest : public ServerTest {
 protected:
  // Logs in; returns the CSRF token and sets cookie_.
  std::string LogIn(const std::string& username, const std::string& password) {
    Response response = Send("POST", "/api/v2/sluice/login", Credentials(username, password));
    EXPECT_EQ(response.status, 200) << response.body;
    set_cookie_ = response.Header("Set-Cookie");
    cookie_ = set_cookie_.substr(0, set_cookie_.find(';'));
    return response.json.value("csrf_token", "");
  }
  httplib::Headers CookieHeaders(const std::string& csrf = "") {
    httplib::Headers headers{{"Cookie", cookie_}};
    if (!csrf.empty()) headers.emplace("X-CSRF-Token", csrf);
    return headers;
  }
  std::string set_cookie_;
  std::string cookie_;
};

TEST_F(SessionTest, CookieIsHttpOnlyStrictAndSigned) {
  StartServer();
  std::string csrf = LogIn("user", kUserPassword);
  EXPECT_FALSE(csrf.empty());
  EXPECT_NE(set_cookie_.find("HttpOnly"), std::string::npos) << set_cookie_;
  EXPECT_NE(set_cookie_.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(set_cookie_.find("Path=/"), std::string::npos);
  EXPECT_EQ(set_cookie_.find("Secure"), std::string::npos);  // no TLS here
  Response session = Get("/api/v2/sluice/session", "", CookieHeaders());
  EXPECT_EQ(session.status, 200);
  EXPECT_EQ(session.json["user"], json({{"username", "user"}, {"role", "User"}}));
  EXPECT_EQ(session.json["csrf_token"], csrf);
  // A cookie whose id was changed fails its signature.
  std::string forged = cookie_;
  forged[forged.find('=') + 1] ^= 1;
  EXPECT_EQ(Get("/api/v2/dags", "", {{"Cookie", forged}}).status, 403);
}

TEST_F(SessionTest, StateChangesNeedTheCsrfToken) {
  StartServer();
  std::string csrf = LogIn("user", kUserPassword);
  std::string dag = std::string("/api/v2/dags/") + kDagId;
  Response without = Send("PATCH", dag, R"({"is_paused": true})", "", CookieHeaders());
  EXPECT_EQ(without.status, 403);
  Response wrong = Send("PATCH", dag, R"({"is_paused": true})", "", CookieHeaders("nope"));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_FALSE(store_->GetDag(kDagId)->is_paused);
  Response with = Send("PATCH", dag, R"({"is_paused": true})", "", CookieHeaders(csrf));
  EXPECT_EQ(with.status, 200) << with.body;
  EXPECT_TRUE(store_->GetDag(kDagId)->is_paused);
  // Reads need no token; bearer requests need none either.
  EXPECT_EQ(Get(dag, "", CookieHeaders()).status, 200);
  EXPECT_EQ(Send("PATCH", dag, R"({"is_paused": false})", AdminToken()).status, 200);
}

TEST_F(SessionTest, LogoutEndsTheSession) {
  StartServer();
  std::string csrf = LogIn("viewer", kViewerPassword);
  EXPECT_EQ(Send("POST", "/api/v2/sluice/logout", "", "", CookieHeaders()).status, 403);
  Response out = Send("POST", "/api/v2/sluice/logout", "", "", CookieHeaders(csrf));
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.Header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(Get("/api/v2/dags", "", CookieHeaders()).status, 403);
}

TEST_F(SessionTest, LoginIsRateLimitedPerUserAndPerAddress) {
  StartServer();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Send("POST", "/api/v2/sluice/login", Credentials("user", "wrong-password")).status,
              401);
  }
  Response limited = Send("POST", "/api/v2/sluice/login", Credentials("user", kUserPassword));
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("Retry-After").empty());
  EXPECT_EQ(limited.Header("Set-Cookie"), "");
  // The address is limited too: another user from the same address waits as well.
  EXPECT_EQ(Send("POST", "/auth/token", Credentials("admin", kAdminPassword)).status, 429);
  clock_->Advance(std::chrono::minutes(5) + std::chrono::seconds(1));
  EXPECT_EQ(Send("POST", "/api/v2/sluice/login", Credentials("user", kUserPassword)).status, 200);
}

}  // namespace
}  // namespace sluice::server::testing
