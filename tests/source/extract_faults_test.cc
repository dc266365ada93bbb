// Extraction when the server misbehaves: errors, retries, timeouts, bad bodies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/forwarding_store.h"
#include "source/extract_fixture.h"

namespace sluice::source::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Answers each request with the next of `statuses` (the last one repeats);
// 200 carries `body`, others a short text, 429 a Retry-After when given.
class Script {
 public:
  Script(HttpTestServer& server, std::vector<int> statuses, std::string retry_after = "")
      : statuses_(std::move(statuses)), retry_after_(std::move(retry_after)) {
    server.server().Get("/items", [this](const httplib::Request&, httplib::Response& response) {
      size_t index = std::min<size_t>(requests_++, statuses_.size() - 1);
      response.status = statuses_[index];
      if (response.status == 200) {
        response.set_content(Items(1, 3), "application/json");
        return;
      }
      if (response.status == 429 && !retry_after_.empty()) {
        response.set_header("Retry-After", retry_after_);
      }
      response.set_content("server says no\nreally", "text/plain");
    });
  }
  int requests() const { return requests_; }

 private:
  std::vector<int> statuses_;
  std::string retry_after_;
  std::atomic<int> requests_{0};
};

TEST_F(ExtractTest, ServerErrorIsRetried) {
  HttpTestServer server;
  Script script(server, {500, 502, 200});
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 3u);
  EXPECT_EQ(report->requests, 3u);
  EXPECT_EQ(report->retries, 2u);
  EXPECT_EQ(script.requests(), 3);
  EXPECT_EQ(counters_.retries, 2u);
  // Full jitter: each delay is at most 10 ms, then 20 ms.
  EXPECT_LE(clock_.Now() - kStart, milliseconds(30));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00000.json"), Items(1, 3));
}

TEST_F(ExtractTest, ServerErrorOnEveryAttemptFails) {
  HttpTestServer server;
  Script script(server, {503});
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kUnavailable);
  EXPECT_TRUE(report.error().retryable());
  EXPECT_EQ(script.requests(), 3);
  EXPECT_THAT(
      report.error().message(),
      HasSubstr("extract jp/items ds=2025-03-15 run=run1: part-00000.json: GET " + server.url() +
                "/items: HTTP 503 Service Unavailable after 3 attempts: "
                "server says no really"));
  EXPECT_EQ(report.error().message().find('\n'), std::string::npos);
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre());
}

TEST_F(ExtractTest, TooManyRequestsWaitsForRetryAfter) {
  struct Case {
    const char* name;
    const char* retry_after;
    milliseconds backoff_max;
    milliseconds waited;
  } cases[] = {
      {"seconds", "7", seconds(30), seconds(7)},
      {"capped by backoff_max", "100", seconds(2), seconds(2)},
      {"HTTP-date", "Sat, 15 Mar 2025 10:00:05 GMT", seconds(30), seconds(5)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpTestServer server;
    Script script(server, {429, 200}, c.retry_after);
    server.Start();
    source_.backoff_max = c.backoff_max;
    ManualClock clock(kStart);
    auto report = ExtractResource(Request(server.url(), clock), Resource("items"));
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_EQ(report->retries, 1u);
    EXPECT_EQ(clock.Now() - kStart, c.waited);
  }
}

TEST_F(ExtractTest, TooManyRequestsWaitsInRealTime) {
  HttpTestServer server;
  Script script(server, {429, 200}, "1");
  server.Start();
  source_.backoff_max = seconds(30);
  SystemClock clock;
  auto started = std::chrono::steady_clock::now();
  auto report = ExtractResource(Request(server.url(), clock), Resource("items"));
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_GE(elapsed, seconds(1));
  EXPECT_LT(elapsed, seconds(4));
}

TEST_F(ExtractTest, TooManyRequestsOnEveryAttemptFails) {
  HttpTestServer server;
  Script script(server, {429}, "1");
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kResourceExhausted);
  EXPECT_THAT(report.error().message(), HasSubstr("HTTP 429 Too Many Requests after 3 attempts"));
  EXPECT_EQ(clock_.Now() - kStart, milliseconds(80));  // Retry-After capped at 40 ms, twice
}

TEST_F(ExtractTest, NotFoundIsNotRetried) {
  HttpTestServer server;
  Script script(server, {404});
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kNotFound);
  EXPECT_FALSE(report.error().retryable());
  EXPECT_EQ(script.requests(), 1);
  EXPECT_THAT(report.error().message(),
              HasSubstr("GET " + server.url() + "/items: HTTP 404 Not Found after 1 attempt"));
  EXPECT_THAT(report.error().hint(), HasSubstr("resource path"));
  EXPECT_EQ(clock_.Now(), kStart);
}

TEST_F(ExtractTest, HangPastTheTotalTimeoutFails) {
  Gate gate;
  HttpTestServer server;
  server.server().Get("/items", [&](const httplib::Request&, httplib::Response& response) {
    gate.Wait(seconds(20));
    response.set_content("[]", "application/json");
  });
  server.Start();
  source_.total_timeout = seconds(1);
  source_.max_attempts = 1;
  auto started = std::chrono::steady_clock::now();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  auto elapsed = std::chrono::steady_clock::now() - started;
  gate.Open();
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kDeadlineExceeded);
  EXPECT_THAT(report.error().message(), HasSubstr("part-00000.json: attempt 1 of 1: GET " +
                                                  server.url() + "/items: timeout"));
  EXPECT_GE(elapsed, milliseconds(900));
  EXPECT_LT(elapsed, seconds(4));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre());
}

TEST_F(ExtractTest, ConnectionRefusedIsRetriedThenFails) {
  std::string url = "http://127.0.0.1:" + std::to_string(UnusedPort());
  auto report = ExtractResource(Request(url), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kUnavailable);
  EXPECT_THAT(report.error().message(),
              HasSubstr("attempt 3 of 3: GET " + url + "/items: cannot connect"));
  EXPECT_EQ(counters_.requests, 3u);
  EXPECT_EQ(counters_.retries, 2u);
  EXPECT_EQ(counters_.failures, 1u);
}

TEST_F(ExtractTest, TruncatedBodyFailsAndIsKept) {
  const std::string partial = R"([{"id":1,"title":"item 1"},{"id":2,"ti)";
  RawTestServer server([&](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" +
           partial;
  });
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(server.connections(), 3);  // a cut connection is worth retrying
  std::string failed = RunPrefix("items") + "part-00000.json.failed";
  EXPECT_THAT(report.error().message(), HasSubstr("part-00000.json: attempt 3 of 3: GET " +
                                                  server.url() + "/items: truncated body"));
  EXPECT_THAT(report.error().message(), HasSubstr("body kept as " + failed));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("part-00000.json.failed"));
  EXPECT_EQ(Read(failed), partial);
}

TEST_F(ExtractTest, JsonThatEndsEarlyFailsAndIsKept) {
  const std::string body = R"([{"id":1,"title":"item 1"},{"id":2,"ti)";
  HttpTestServer server;
  std::atomic<int> requests{0};
  server.server().Get("/items", [&](const httplib::Request&, httplib::Response& response) {
    ++requests;
    response.set_content(body, "application/json");  // a Content-Length that matches
  });
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kDataLoss);
  EXPECT_EQ(requests, 1);  // the server meant it: not retried
  EXPECT_THAT(report.error().message(),
              HasSubstr("part-00000.json: GET " + server.url() +
                        "/items: HTTP 200: JSON ends early: the body (38 bytes) stops inside "
                        "record 2"));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("part-00000.json.failed"));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00000.json.failed"), body);
}

TEST_F(ExtractTest, MalformedPageFailsTheResourceAndWritesNoManifest) {
  HttpTestServer server;
  const std::string bad = R"([{"id":3},{"id":4,,"x":1}])";
  server.server().Get("/items", [&](const httplib::Request& request, httplib::Response& r) {
    bool is_first = request.get_param_value("_page") == "1";
    r.set_content(is_first ? Items(1, 2) : bad, "application/json");
  });
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items", 2));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kDataLoss);
  EXPECT_THAT(report.error().message(),
              HasSubstr("part-00001.json: GET " + server.url() +
                        "/items?_page=2&_limit=2: HTTP 200: malformed JSON in record 2 (bytes "
                        "10-25)"));
  EXPECT_THAT(report.error().message(),
              HasSubstr("body kept as " + RunPrefix("items") + "part-00001.json.failed"));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("part-00000.json", "part-00001.json.failed"));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00001.json.failed"), bad);
  EXPECT_EQ(FindRawPartition(*store_, "raw", "jp", "items", "2025-03-15", "run1").error().code(),
            Code::kNotFound);
}

TEST_F(ExtractTest, GzipBodyIsStoredDecoded) {
  const std::string json = Items(1, 200);
  const std::string gzipped = Gzip(json);
  ASSERT_LT(gzipped.size(), json.size() / 2);
  RawTestServer server([&](const std::string& request_line) {
    EXPECT_THAT(request_line, HasSubstr("GET /items "));
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
           "Content-Length: " +
           std::to_string(gzipped.size()) + "\r\n\r\n" + gzipped;
  });
  auto report = ExtractResource(Request(server.url()), Resource("items"));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 200u);
  EXPECT_EQ(report->bytes, json.size());
  EXPECT_EQ(Read(RunPrefix("items") + "part-00000.json"), json);
  auto manifest = ReadRawManifest(*store_, report->manifest_key);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->parts[0].sha256, Sha256Hex(json));
}

TEST_F(ExtractTest, PaginationThatLoopsFails) {
  HttpTestServer server;
  server.server().Get("/items", [](const httplib::Request& request, httplib::Response& r) {
    r.set_header("Link", "<http://" + request.get_header_value("Host") +
                             "/items?_page=1&_limit=2>; rel=\"next\"");
    r.set_content(Items(1, 2), "application/json");
  });
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items", 2));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kFailedPrecondition);
  EXPECT_THAT(report.error().message(), HasSubstr("pagination loops"));
  EXPECT_FALSE(Exists(RunPrefix("items") + "_manifest.json"));
}

}  // namespace
}  // namespace sluice::source::testing

namespace sluice::source::testing {
namespace {

// The real store, except that every writer fails once it has taken `limit` bytes.
class FailingWriteStore final : public lake::testing::ForwardingStore {
 public:
  FailingWriteStore(lake::ObjectStore& store, uint64_t limit)
      : ForwardingStore(store), limit_(limit) {}
  Result<std::unique_ptr<lake::ObjectWriter>> Create(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(auto writer, inner().Create(key));
    return std::unique_ptr<lake::ObjectWriter>(
        std::make_unique<Writer>(std::move(writer), limit_, std::string(key)));
  }
  std::string Describe() const override { return "failing(" + ForwardingStore::Describe() + ")"; }

 private:
  class Writer final : public lake::ObjectWriter {
   public:
    Writer(std::unique_ptr<lake::ObjectWriter> writer, uint64_t limit, std::string key)
        : writer_(std::move(writer)), limit_(limit), key_(std::move(key)) {}
    Status Write(std::string_view bytes) override {
      if (writer_->bytes_written() + bytes.size() > limit_) {
        return Error::ResourceExhausted("write {}: no space left on device", key_);
      }
      return writer_->Write(bytes);
    }
    Status Commit() override { return writer_->Commit(); }
    uint64_t bytes_written() const override { return writer_->bytes_written(); }

   private:
    std::unique_ptr<lake::ObjectWriter> writer_;
    uint64_t limit_;
    std::string key_;
  };

  uint64_t limit_;
};

TEST_F(ExtractTest, LakeWriteFailureFailsWithoutKeepingAnything) {
  HttpTestServer server;
  server.server().Get("/items", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(Items(1, 100), "application/json");
  });
  server.Start();
  FailingWriteStore failing(*store_, 50);
  ExtractOptions options;
  ExtractRequest request{*client_, failing,      clock_, source_, server.url(),
                         "raw",    "2025-03-15", "run1", options};
  auto report = ExtractResource(request, Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kResourceExhausted);
  EXPECT_THAT(report.error().message(),
              HasSubstr("part-00000.json: attempt 1 of 3: write " + RunPrefix("items") +
                        "part-00000.json: no space left on device"));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre());
}

}  // namespace
}  // namespace sluice::source::testing
