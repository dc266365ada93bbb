// Health, version, OpenAPI, static UI, body limits and the request log.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include "server_fixture.h"

namespace sluice::server::testing {
namespace {

using json = nlohmann::json;

TEST_F(ServerTest, HealthNeedsNoAuthAndRevealsNoNames) {
  options_.lake_health = [] { return OkStatus(); };
  options_.warehouse_health = [] {
    return Status(Error::Unavailable("postgresql://u:pw@db:5432/x unreachable"));
  };
  StartServer();
  for (const char* path : {"/health", "/api/v2/monitor/health"}) {
    Response health = Get(path);
    ASSERT_EQ(health.status, 200) << health.body;
    EXPECT_EQ(health.json["metadatabase"]["status"], "healthy");
    EXPECT_EQ(health.json["scheduler"]["status"], "unhealthy");  // no scheduler heartbeats here
    EXPECT_EQ(health.json["lake"]["status"], "healthy");
    EXPECT_EQ(health.json["warehouse"]["status"], "unhealthy");
    EXPECT_EQ(health.body.find(kDagId), std::string::npos);
    EXPECT_EQ(health.body.find("postgresql"), std::string::npos);
    EXPECT_EQ(health.body.find(dir_), std::string::npos);
  }
  EXPECT_EQ(Get("/api/v2/version").json["version"], SLUICE_VERSION_FOR_TESTS);
}

TEST_F(ServerTest, SchedulerHeartbeatMakesItHealthy) {
  ASSERT_TRUE(
      store_->Heartbeat({.id = "scheduler-1", .kind = "scheduler", .hostname = "h", .pid = 1}, {})
          .has_value());
  StartServer();
  Response health = Get("/health");
  EXPECT_EQ(health.json["scheduler"]["status"], "healthy");
  EXPECT_TRUE(health.json["scheduler"]["latest_scheduler_heartbeat"].is_string());
}

TEST_F(ServerTest, OversizedBodyIs413AndChangesNothing) {
  options_.max_body_bytes = 1024;
  StartServer();
  std::string conf(4096, 'x');
  Response response =
      Send("POST", std::string("/api/v2/dags/") + kDagId + "/dagRuns",
           R"({"logical_date": null, "conf": {"k": ")" + conf + R"("}})", AdminToken());
  EXPECT_EQ(response.status, 413);
  EXPECT_TRUE(response.json["detail"].is_string());
  EXPECT_TRUE(store_->ListRuns({.dag_id = kDagId})->items.empty());
}

TEST_F(ServerTest, OpenApiDocumentListsTheRoutes) {
  StartServer();
  Response document = Get("/api/v2/openapi.json");
  ASSERT_EQ(document.status, 200);
  EXPECT_EQ(document.json["openapi"], "3.1.0");
  const json& paths = document.json["paths"];
  for (const char* path :
       {"/auth/token", "/api/v2/dags", "/api/v2/dags/{dag_id}", "/api/v2/dags/{dag_id}/dagRuns",
        "/api/v2/dags/{dag_id}/clearTaskInstances", "/api/v2/sluice/login", "/health"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  EXPECT_TRUE(paths["/api/v2/dags/{dag_id}"].contains("patch"));
  EXPECT_TRUE(document.json["components"]["schemas"].contains("DAGRunResponse"));
}

TEST_F(ServerTest, ServesTheUiOrAPageSayingHowToBuildIt) {
  StartServer();
  Response index = Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.Header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_FALSE(index.Header("Content-Security-Policy").empty());
  Response deep = Get("/dags/some/page");  // the UI's own routes get index.html
  EXPECT_EQ(deep.body, index.body);
  EXPECT_EQ(Get("/assets/missing-file.js").status, 404);
}

TEST_F(ServerTest, RequestLogNamesUserButNoSecrets) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  StartServer();
  std::string token = AdminToken();
  Get("/api/v2/dags", token);
  Get("/api/v2/dags?token=" + token);
  Send("POST", "/api/v2/sluice/login",
       json{{"username", "viewer"}, {"password", kViewerPassword}}.dump());
  server_->Stop();
  spdlog::set_default_logger(previous);
  std::string log = captured.str();
  EXPECT_NE(log.find("GET /api/v2/dags 200"), std::string::npos) << log;
  EXPECT_NE(log.find("user=admin"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(kAdminPassword), std::string::npos);
  EXPECT_EQ(log.find(kViewerPassword), std::string::npos);
  EXPECT_EQ(log.find("sluice_session="), std::string::npos);
}

TEST(StandaloneAdmin, CreatesAdminOnceWithAnOwnerOnlyPasswordFile) {
  std::string pattern = ::testing::TempDir() + "/sluice-admin-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  auto store = metadb::OpenMetaStore(*Url::Parse("sqlite:///:memory:"));
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->Migrate().has_value());
  auto first = EnsureStandaloneAdmin(**store, pattern);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  ASSERT_TRUE(first->has_value());
  EXPECT_GE((*first)->size(), 20u);
  std::string file = pattern + "/standalone_admin_password.txt";
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ((*store)->GetUser("admin")->role, "Admin");
  auto second = EnsureStandaloneAdmin(**store, pattern);
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->has_value());
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace sluice::server::testing
