// A real WebServer on an ephemeral port over a SQLite store in a temp dir,
// with the flagship pipeline synced as a DAG, a file lake and three users
// (admin/Admin, user/User, viewer/Viewer), and an HTTP client.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "lake/lake.h"
#include "metadb/metadb.h"
#include "server/server.h"

namespace sluice::server::testing {

inline constexpr char kDagId[] = "trust_wallet_jsonplaceholder_api_data";
inline constexpr char kAdminPassword[] = "admin-password-1";
inline constexpr char kUserPassword[] = "user-password-22";
inline constexpr char kViewerPassword[] = "viewer-password-333";

struct Response {
  int status = 0;
  nlohmann::json json;  // discarded when the body is not JSON
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Options may be changed in a test before StartServer().
  void StartServer();

  std::string Token(const std::string& username, const std::string& password);
  Response Get(const std::string& path, const std::string& token = "",
               const httplib::Headers& headers = {});
  Response Send(const std::string& method, const std::string& path, const std::string& body,
                const std::string& token = "", const httplib::Headers& headers = {});
  std::string AdminToken() { return Token("admin", kAdminPassword); }

  std::string dir_;
  std::string home_;
  std::unique_ptr<ManualClock> clock_;
  std::unique_ptr<metadb::MetaStore> store_;
  std::unique_ptr<lake::ObjectStore> lake_;
  ServerOptions options_;
  std::unique_ptr<WebServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace sluice::server::testing
