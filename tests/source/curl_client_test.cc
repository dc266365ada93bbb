// The libcurl client against real servers on 127.0.0.1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "source/source.h"
#include "source/test_servers.h"

namespace sluice::source {
namespace {

using testing::Gate;
using ::testing::HasSubstr;
using testing::HttpTestServer;
using testing::RawTestServer;

// Keeps the whole body: fine for the small bodies of these tests.
class StringSink final : public BodySink {
 public:
  Status OnResponse(const HttpResponse& head) override {
    ++responses;
    status = head.status;
    return OkStatus();
  }
  Status OnBody(std::string_view bytes) override {
    body.append(bytes);
    if (fail_on_body) return Error::Aborted("sink refused the body");
    return OkStatus();
  }
  int responses = 0;
  int status = 0;
  std::string body;
  bool fail_on_body = false;
};

HttpRequest GetRequest(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

std::unique_ptr<HttpClient> Client(std::chrono::milliseconds total = std::chrono::seconds(10)) {
  HttpClientOptions options;
  options.connect_timeout = std::chrono::seconds(2);
  options.total_timeout = total;
  auto client = MakeCurlHttpClient(options);
  EXPECT_TRUE(client) << client.error().ToString();
  return std::move(*client);
}

TEST(CurlHttpClient, ReturnsStatusHeadersAndBody) {
  HttpTestServer server;
  server.server().Get("/users", [](const httplib::Request& request, httplib::Response& response) {
    response.set_header("X-Total-Count", "2");
    response.set_header("Link", "<a>; rel=\"first\"");
    response.headers.emplace("Link", "<b>; rel=\"next\"");
    response.set_header("X-Echo", request.get_header_value("X-Token"));
    response.set_content(R"([{"id":1},{"id":2}])", "application/json");
  });
  server.Start();
  StringSink sink;
  HttpRequest request = GetRequest(server.url() + "/users");
  request.headers = {{"X-Token", "abc"}};
  auto response = Client()->Get(request, sink);
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->reason, "OK");
  EXPECT_EQ(response->Header("x-total-count"), "2");
  EXPECT_EQ(response->Header("x-echo"), "abc");
  EXPECT_EQ(response->Header("link"), "<a>; rel=\"first\", <b>; rel=\"next\"");
  EXPECT_EQ(response->Header("X-Total-Count"), std::nullopt);  // names are lower case
  EXPECT_EQ(response->bytes_received, 19u);
  EXPECT_EQ(response->effective_url, server.url() + "/users");
  EXPECT_EQ(sink.responses, 1);
  EXPECT_EQ(sink.body, R"([{"id":1},{"id":2}])");
}

TEST(CurlHttpClient, AnErrorStatusIsAResponse) {
  HttpTestServer server;
  server.server().Get("/gone", [](const httplib::Request&, httplib::Response& response) {
    response.status = 404;
    response.set_content("no such thing", "text/plain");
  });
  server.Start();
  StringSink sink;
  auto response = Client()->Get(GetRequest(server.url() + "/gone"), sink);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(sink.status, 404);
  EXPECT_EQ(sink.body, "no such thing");
}

TEST(CurlHttpClient, EmptyBodyStillReportsTheResponse) {
  HttpTestServer server;
  server.server().Get("/empty", [](const httplib::Request&, httplib::Response& response) {
    response.status = 204;
  });
  server.Start();
  StringSink sink;
  auto response = Client()->Get(GetRequest(server.url() + "/empty"), sink);
  ASSERT_TRUE(response);
  EXPECT_EQ(sink.responses, 1);
  EXPECT_EQ(sink.status, 204);
}

TEST(CurlHttpClient, FollowsRedirects) {
  HttpTestServer server;
  server.server().Get("/old", [](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/new");
  });
  server.server().Get("/new", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("[]", "application/json");
  });
  server.Start();
  StringSink sink;
  auto response = Client()->Get(GetRequest(server.url() + "/old"), sink);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->effective_url, server.url() + "/new");
  EXPECT_EQ(sink.responses, 1);
  EXPECT_EQ(sink.body, "[]");
}

TEST(CurlHttpClient, ReusesTheConnection) {
  HttpTestServer server;
  server.server().set_keep_alive_max_count(5);
  server.server().Get("/a", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("[]", "application/json");
  });
  server.Start();
  auto client = Client();
  StringSink first, second;
  auto one = client->Get(GetRequest(server.url() + "/a"), first);
  auto two = client->Get(GetRequest(server.url() + "/a"), second);
  ASSERT_TRUE(one && two);
  EXPECT_FALSE(one->connection_reused);
  EXPECT_TRUE(two->connection_reused);
}

TEST(CurlHttpClient, SinkErrorAbortsTheTransfer) {
  HttpTestServer server;
  server.server().Get("/a", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(std::string(1 << 20, 'x'), "text/plain");
  });
  server.Start();
  StringSink sink;
  sink.fail_on_body = true;
  auto response = Client()->Get(GetRequest(server.url() + "/a"), sink);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), Code::kAborted);
  EXPECT_EQ(response.error().message(), "sink refused the body");
  EXPECT_LT(sink.body.size(), size_t{1} << 20);
}

TEST(CurlHttpClient, ConnectionRefusedIsUnavailable) {
  StringSink sink;
  std::string url = "http://127.0.0.1:" + std::to_string(testing::UnusedPort()) + "/users";
  auto response = Client()->Get(GetRequest(url), sink);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), Code::kUnavailable);
  EXPECT_TRUE(response.error().retryable());
  EXPECT_THAT(response.error().message(), HasSubstr(url));
  EXPECT_THAT(response.error().message(), HasSubstr("cannot connect"));
}

TEST(CurlHttpClient, TotalTimeoutIsDeadlineExceeded) {
  Gate gate;
  HttpTestServer server;
  server.server().Get("/slow", [&](const httplib::Request&, httplib::Response& response) {
    gate.Wait(std::chrono::seconds(20));
    response.set_content("[]", "application/json");
  });
  server.Start();
  StringSink sink;
  auto started = std::chrono::steady_clock::now();
  HttpRequest request = GetRequest(server.url() + "/slow");
  request.total_timeout = std::chrono::milliseconds(500);
  auto response = Client(std::chrono::seconds(10))->Get(request, sink);
  auto elapsed = std::chrono::steady_clock::now() - started;
  gate.Open();
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), Code::kDeadlineExceeded);
  EXPECT_THAT(response.error().message(), HasSubstr("timeout"));
  EXPECT_THAT(response.error().message(), HasSubstr("total 500 ms"));
  EXPECT_GE(elapsed, std::chrono::milliseconds(450));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST(CurlHttpClient, ShortBodyIsUnavailable) {
  RawTestServer server([](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n[{\"id\":1}");
  });
  StringSink sink;
  auto response = Client()->Get(GetRequest(server.url() + "/users"), sink);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), Code::kUnavailable);
  EXPECT_THAT(response.error().message(), HasSubstr("truncated body"));
  EXPECT_EQ(sink.body, "[{\"id\":1}");
}

TEST(CurlHttpClient, GzipIsDecoded) {
  std::string json = R"([{"id":1,"title":"compressed"}])";
  std::string gzipped = testing::Gzip(json);
  std::string accept_encoding;
  RawTestServer server([&](const std::string&) {
    return "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " +
           std::to_string(gzipped.size()) + "\r\n\r\n" + gzipped;
  });
  StringSink sink;
  auto response = Client()->Get(GetRequest(server.url() + "/users"), sink);
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->Header("content-encoding"), "gzip");
  EXPECT_EQ(sink.body, json);
  EXPECT_EQ(response->bytes_received, json.size());
}

TEST(CurlHttpClient, BadUrlIsInvalidArgument) {
  StringSink sink;
  auto response = Client()->Get(GetRequest("ftp://127.0.0.1/users"), sink);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), Code::kInvalidArgument);
  EXPECT_FALSE(response.error().retryable());
}

TEST(CurlHttpClient, ManyThreadsShareOneClient) {
  HttpTestServer server;
  server.server().Get(R"(/n/(\d+))", [](const httplib::Request& request, httplib::Response& r) {
    r.set_content("[" + request.matches[1].str() + "]", "application/json");
  });
  server.Start();
  auto client = Client();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        StringSink sink;
        int n = t * 100 + i;
        auto response = client->Get(GetRequest(server.url() + "/n/" + std::to_string(n)), sink);
        if (response && sink.body == "[" + std::to_string(n) + "]") ++ok;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok, 100);
}

}  // namespace
}  // namespace sluice::source
