// Extraction against the real json-server (npm, pinned 0.17.4), the offline
// stand-in for jsonplaceholder: its Link and X-Total-Count headers and its
// compressed responses. Skipped when scripts/bootstrap has not installed it.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "source/extract_fixture.h"

namespace sluice::source::testing {
namespace {

constexpr const char* kJsonServer =
    SLUICE_SOURCE_ROOT "/.sluice-dev/tools/node_modules/.bin/json-server";

class JsonServerTest : public ExtractTest {
 protected:
  void SetUp() override {
    if (access(kJsonServer, X_OK) != 0) {
      GTEST_SKIP() << kJsonServer << " is missing: run scripts/bootstrap";
    }
    ExtractTest::SetUp();
    WriteDatabase(root_ + "/db.json");
    port_ = UnusedPort();
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      int log = open((root_ + "/json-server.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(log, 1);
      dup2(log, 2);
      std::string port = std::to_string(port_);
      std::string db = root_ + "/db.json";
      execl(kJsonServer, kJsonServer, "--port", port.c_str(), "--host", "127.0.0.1", db.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    ASSERT_TRUE(WaitUntilServing())
        << "json-server did not start; see " << root_ << "/json-server.log";
  }

  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (store_) ExtractTest::TearDown();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  static void WriteDatabase(const std::string& path) {
    nlohmann::json photos = nlohmann::json::array();
    for (int id = 1; id <= 5000; ++id) {
      photos.push_back({{"albumId", (id - 1) / 50 + 1},
                        {"id", id},
                        {"title", "photo " + std::to_string(id)},
                        {"url", "https://via.placeholder.com/600/" + std::to_string(id)},
                        {"thumbnailUrl", "https://via.placeholder.com/150/" + std::to_string(id)}});
    }
    nlohmann::json users = nlohmann::json::array();
    for (int id = 1; id <= 10; ++id) {
      users.push_back({{"id", id},
                       {"name", "User " + std::to_string(id)},
                       {"address", {{"geo", {{"lat", "-37.3159"}, {"lng", "81.1496"}}}}}});
    }
    std::ofstream(path) << nlohmann::json{{"photos", photos}, {"users", users}}.dump();
  }

  // Polls until the port accepts a request: node takes a moment to start.
  bool WaitUntilServing() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    HttpClientOptions options;
    options.total_timeout = std::chrono::seconds(2);
    auto client = MakeCurlHttpClient(options);
    while (std::chrono::steady_clock::now() < deadline) {
      struct Discard final : BodySink {
        Status OnResponse(const HttpResponse&) override { return OkStatus(); }
        Status OnBody(std::string_view) override { return OkStatus(); }
      } discard;
      HttpRequest request;
      request.url = url() + "/users";
      if (auto response = (*client)->Get(request, discard); response && response->status == 200) {
        return true;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  int port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(JsonServerTest, PaginatesPhotosByLinkHeader) {
  auto report = ExtractResource(Request(url()), Resource("photos", 1000));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 5000u);
  EXPECT_EQ(report->parts, 5);
  EXPECT_EQ(report->requests, 5u);  // the last page has no rel="next": no sixth request
  auto manifest = ReadRawManifest(*store_, report->manifest_key);
  ASSERT_TRUE(manifest);
  for (const RawPart& part : manifest->parts) {
    SCOPED_TRACE(part.key);
    std::string body = Read(part.key);
    EXPECT_EQ(part.records, 1000u);
    EXPECT_EQ(part.sha256, Sha256Hex(body));
    auto json = nlohmann::json::parse(body);  // stored decoded, whatever the transfer encoding
    EXPECT_EQ(json.size(), 1000u);
  }
  EXPECT_EQ(manifest->parts[4].url, url() + "/photos?_page=5&_limit=1000");
}

TEST_F(JsonServerTest, ExtractsEveryResource) {
  source_.resources = {Resource("users"), Resource("photos", 2000)};
  auto reports = ExtractAll(Request(url()));
  ASSERT_TRUE(reports) << reports.error().ToString();
  EXPECT_EQ((*reports)[0].records, 10u);
  EXPECT_EQ((*reports)[1].records, 5000u);
  EXPECT_EQ((*reports)[1].parts, 3);
  auto found = FindRawPartition(*store_, "raw", "jp", "photos", "2025-03-15", "");
  ASSERT_TRUE(found) << found.error().ToString();
  EXPECT_EQ(found->records, 5000u);
}

TEST_F(JsonServerTest, UnknownResourceIsNotFound) {
  auto report = ExtractResource(Request(url()), Resource("comments"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace sluice::source::testing
