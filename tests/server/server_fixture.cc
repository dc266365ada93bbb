#include "server_fixture.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace sluice::server::testing {

std::string Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

void ServerTest::SetUp() {
  std::string pattern = ::testing::TempDir() + "/sluice-server-XXXXXX";
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  home_ = dir_ + "/home";
  std::filesystem::create_directories(home_);
  std::filesystem::create_directories(dir_ + "/dags");
  std::string pipeline_file = dir_ + "/dags/flagship.yaml";
  std::filesystem::copy_file(
      std::string(SLUICE_SOURCE_DIR) + "/pipelines/trust_wallet_jsonplaceholder_api_data.yaml",
      pipeline_file);
  clock_ = std::make_unique<ManualClock>(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  auto url = Url::Parse("sqlite://" + dir_ + "/meta.db");
  ASSERT_TRUE(url.has_value());
  auto store = metadb::OpenMetaStore(*url, {.clock = clock_.get()});
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  store_ = std::move(*store);
  ASSERT_TRUE(store_->Migrate().has_value());
  auto pipeline = LoadPipelineFile(pipeline_file);
  ASSERT_TRUE(pipeline.has_value()) << pipeline.error().ToString();
  metadb::DagSync sync;
  sync.dags.push_back({.dag_id = pipeline->dag_id,
                       .file_path = pipeline_file,
                       .definition_hash = pipeline->content_hash,
                       .definition = "{}",
                       .schedule = pipeline->schedule.expression,
                       .timezone = pipeline->schedule.timezone,
                       .description = pipeline->description,
                       .tags = pipeline->tags});
  ASSERT_TRUE(store_->SyncDags(sync).has_value());
  ASSERT_TRUE(CreateUser(*store_, "admin", Role::kAdmin, kAdminPassword).has_value());
  ASSERT_TRUE(CreateUser(*store_, "user", Role::kUser, kUserPassword).has_value());
  ASSERT_TRUE(CreateUser(*store_, "viewer", Role::kViewer, kViewerPassword).has_value());
  auto lake = lake::OpenObjectStore("file://" + dir_ + "/lake");
  ASSERT_TRUE(lake.has_value());
  lake_ = std::move(*lake);
  options_.port = 0;
  options_.home = home_;
  options_.metastore = store_.get();
  options_.clock = clock_.get();
  options_.threads = 4;
  options_.lake = [this](const Pipeline&) -> Result<lake::ObjectStore*> { return lake_.get(); };
}

void ServerTest::StartServer() {
  server_ = std::make_unique<WebServer>(options_);
  Status started = server_->Start();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(std::chrono::seconds(30));
}

void ServerTest::TearDown() {
  client_.reset();
  if (server_) server_->Stop();
  server_.reset();
  store_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

namespace {

Response ToResponse(const httplib::Result& result) {
  Response response;
  if (!result) {
    ADD_FAILURE() << "request failed: " << httplib::to_string(result.error());
    return response;
  }
  response.status = result->status;
  response.body = result->body;
  response.headers = result->headers;
  response.json = nlohmann::json::parse(result->body, nullptr, false);
  return response;
}

httplib::Headers WithToken(httplib::Headers headers, const std::string& token) {
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return headers;
}

}  // namespace

std::string ServerTest::Token(const std::string& username, const std::string& password) {
  Response response = Send("POST", "/auth/token",
                           nlohmann::json{{"username", username}, {"password", password}}.dump());
  EXPECT_EQ(response.status, 201) << response.body;
  return response.json.value("access_token", "");
}

Response ServerTest::Get(const std::string& path, const std::string& token,
                         const httplib::Headers& headers) {
  return ToResponse(client_->Get(path, WithToken(headers, token)));
}

Response ServerTest::Send(const std::string& method, const std::string& path,
                          const std::string& body, const std::string& token,
                          const httplib::Headers& headers) {
  httplib::Headers all = WithToken(headers, token);
  if (method == "POST") return ToResponse(client_->Post(path, all, body, "application/json"));
  if (method == "PATCH") return ToResponse(client_->Patch(path, all, body, "application/json"));
  if (method == "PUT") return ToResponse(client_->Put(path, all, body, "application/json"));
  return ToResponse(client_->Delete(path, all, body, "application/json"));
}

}  // namespace sluice::server::testing
