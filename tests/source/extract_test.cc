// Extraction against real servers: pagination, manifests, concurrency, large bodies.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include "lake/forwarding_store.h"
#include "source/extract_fixture.h"

namespace sluice::source::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// json-server's answer to `?_page=P&_limit=L` over `total` items: the page,
// X-Total-Count, and a Link header with first, prev, next and last.
class PagedItems {
 public:
  PagedItems(HttpTestServer& server, int total, bool send_link, bool send_total)
      : total_(total), send_link_(send_link), send_total_(send_total) {
    server.server().Get("/items", [this](const httplib::Request& request, httplib::Response& r) {
      Serve(request, r);
    });
  }
  int requests() const { return requests_; }
  void set_total(int total) { total_ = total; }
  std::string last_authorization() {
    std::lock_guard lock(mutex_);
    return last_authorization_;
  }

 private:
  void Serve(const httplib::Request& request, httplib::Response& response) {
    ++requests_;
    int total = total_;
    {
      std::lock_guard lock(mutex_);
      last_authorization_ = request.get_header_value("Authorization");
    }
    int page = request.has_param("_page") ? std::stoi(request.get_param_value("_page")) : 1;
    int limit = request.has_param("_limit") ? std::stoi(request.get_param_value("_limit")) : total;
    int first = (page - 1) * limit + 1;
    response.set_content(Items(first, std::min(total, first + limit - 1)), "application/json");
    if (send_total_) response.set_header("X-Total-Count", std::to_string(total));
    if (!send_link_) return;
    int last = std::max(1, (total + limit - 1) / limit);
    std::string base = "http://" + request.get_header_value("Host") + "/items?_page=";
    std::string suffix = "&_limit=" + std::to_string(limit);
    std::string link = "<" + base + "1" + suffix + ">; rel=\"first\"";
    if (page > 1) link += ", <" + base + std::to_string(page - 1) + suffix + ">; rel=\"prev\"";
    if (page < last) link += ", <" + base + std::to_string(page + 1) + suffix + ">; rel=\"next\"";
    link += ", <" + base + std::to_string(last) + suffix + ">; rel=\"last\"";
    response.set_header("Link", link);
  }

  std::atomic<int> total_;
  bool send_link_, send_total_;
  std::mutex mutex_;
  std::string last_authorization_;
  std::atomic<int> requests_{0};
};

TEST_F(ExtractTest, PaginatesWithLinkHeader) {
  HttpTestServer server;
  PagedItems items(server, 25, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 25u);
  EXPECT_EQ(report->parts, 3);
  EXPECT_EQ(report->requests, 3u);
  EXPECT_EQ(report->retries, 0u);
  EXPECT_EQ(items.requests(), 3);
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("_manifest.json", "part-00000.json",
                                                    "part-00001.json", "part-00002.json"));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00002.json"), Items(21, 25));
  EXPECT_EQ(report->bytes, Items(1, 10).size() + Items(11, 20).size() + Items(21, 25).size());
}

TEST_F(ExtractTest, PaginatesWithTotalCountAlone) {
  HttpTestServer server;
  PagedItems items(server, 20, /*send_link=*/false, /*send_total=*/true);
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 20u);
  EXPECT_EQ(report->parts, 2);
  EXPECT_EQ(items.requests(), 2);  // the total is reached: no third request
}

TEST_F(ExtractTest, PaginatesUntilAShortOrEmptyPage) {
  struct Case {
    int total;
    int parts;
  } cases[] = {{25, 3}, {20, 3}, {0, 1}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.total);
    HttpTestServer server;
    PagedItems items(server, c.total, /*send_link=*/false, /*send_total=*/false);
    server.Start();
    auto report = ExtractResource(Request(server.url()), Resource("items", 10));
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_EQ(report->records, static_cast<uint64_t>(c.total));
    EXPECT_EQ(report->parts, c.parts);
    // Without a total, the pages after the first are guessed ahead, at most
    // concurrency - 1 of them past the end; what the end refutes is deleted.
    EXPECT_GE(items.requests(), c.parts);
    EXPECT_LE(items.requests(), c.parts + source_.concurrency - 1);
    EXPECT_EQ(report->requests, static_cast<uint64_t>(items.requests()));
    EXPECT_EQ(Keys(RunPrefix("items")).size(), static_cast<size_t>(c.parts) + 1);  // + manifest
  }
}

TEST_F(ExtractTest, PaginatesOneRequestAtATimeWithConcurrencyOne) {
  HttpTestServer server;
  PagedItems items(server, 25, /*send_link=*/false, /*send_total=*/false);
  server.Start();
  source_.concurrency = 1;
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->parts, 3);
  EXPECT_EQ(items.requests(), 3);
}

// Pages of `page_size` items while `full_pages` lasts, then an empty page;
// each request is held until `hold_until` are in flight at once, or a deadline.
class HeldPages {
 public:
  HeldPages(HttpTestServer& server, int full_pages, int page_size, int hold_until)
      : full_pages_(full_pages), page_size_(page_size), hold_until_(hold_until) {
    server.server().Get("/items", [this](const httplib::Request& request, httplib::Response& r) {
      int page = std::stoi(request.get_param_value("_page"));
      {
        std::unique_lock lock(mutex_);
        most_in_flight_ = std::max(most_in_flight_, ++in_flight_);
        changed_.notify_all();
        changed_.wait_for(lock, std::chrono::milliseconds(500),
                          [&] { return in_flight_ >= hold_until_; });
        --in_flight_;
        ++requests_;
      }
      int first = (page - 1) * page_size_ + 1;
      r.set_content(page <= full_pages_ ? Items(first, first + page_size_ - 1) : "[]",
                    "application/json");
    });
  }
  int most_in_flight() {
    std::lock_guard lock(mutex_);
    return most_in_flight_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  int full_pages_, page_size_, hold_until_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int in_flight_ = 0, most_in_flight_ = 0, requests_ = 0;
};

// The real store, counting the objects committed and the deletes of parts.
class CountingStore final : public lake::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::unique_ptr<lake::ObjectWriter>> Create(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(auto writer, inner().Create(key));
    return std::unique_ptr<lake::ObjectWriter>(std::make_unique<Writer>(std::move(writer), *this));
  }
  Status Delete(std::string_view key) override {
    if (key.find("/part-") != std::string_view::npos) ++part_deletes;
    {
      std::lock_guard lock(mutex_);
      deleted.emplace_back(key.substr(key.rfind('/') + 1));
    }
    return inner().Delete(key);
  }

  std::atomic<int> commits{0};
  std::atomic<int> part_deletes{0};
  std::vector<std::string> deleted;  // file names, in order

 private:
  class Writer final : public lake::ObjectWriter {
   public:
    Writer(std::unique_ptr<lake::ObjectWriter> writer, CountingStore& store)
        : writer_(std::move(writer)), store_(store) {}
    Status Write(std::string_view bytes) override { return writer_->Write(bytes); }
    Status Commit() override {
      ++store_.commits;
      return writer_->Commit();
    }
    uint64_t bytes_written() const override { return writer_->bytes_written(); }

   private:
    std::unique_ptr<lake::ObjectWriter> writer_;
    CountingStore& store_;
  };
  std::mutex mutex_;
};

ExtractRequest WithStore(const ExtractRequest& request, lake::ObjectStore& store) {
  return ExtractRequest{
      request.client,     store,      request.clock,  request.source, request.base_url,
      request.raw_bucket, request.ds, request.run_id, request.options};
}

TEST_F(ExtractTest, GuessesPastTheEndCostAGetEachAndNoUpload) {
  for (int total : {25, 20}) {  // the end: a short page, or an empty one
    SCOPED_TRACE(total);
    HttpTestServer server;
    PagedItems items(server, total, /*send_link=*/false, /*send_total=*/false);
    server.Start();
    CountingStore counting(*store_);
    ExtractRequest counted = WithStore(Request(server.url()), counting);
    ResourceSpec resource = Resource("items" + std::to_string(total), 10);
    resource.path = "/items";
    auto report = ExtractResource(counted, resource);
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_EQ(report->parts, 3);
    EXPECT_GT(items.requests(), 3);      // pages were guessed past the end
    EXPECT_EQ(counting.commits, 3 + 1);  // the parts and the manifest, nothing else
    EXPECT_EQ(counting.part_deletes, 0);
    EXPECT_EQ(Read(RunPrefix(resource.name) + "part-00002.json"),
              total == 25 ? Items(21, 25) : "[]");
  }
}

TEST_F(ExtractTest, FetchesPagesAheadWithinTheBound) {
  HttpTestServer server;
  HeldPages pages(server, /*full_pages=*/12, /*page_size=*/5, /*hold_until=*/3);
  server.Start();
  source_.concurrency = 3;
  auto report = ExtractResource(Request(server.url()), Resource("items", 5));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 60u);
  EXPECT_EQ(report->parts, 13);  // the empty page ends it
  EXPECT_EQ(pages.most_in_flight(), 3);
  EXPECT_LE(pages.requests(), 13 + 2);
  std::vector<std::string> keys = Keys(RunPrefix("items"));
  ASSERT_EQ(keys.size(), 14u);
  for (int part = 0; part < 13; ++part) {
    EXPECT_EQ(keys[part + 1], fmt::format("part-{:05d}.json", part));
    EXPECT_EQ(Read(RunPrefix("items") + keys[part + 1]),
              part < 12 ? Items(part * 5 + 1, part * 5 + 5) : "[]");
  }
  auto manifest = ReadRawManifest(*store_, RunPrefix("items") + "_manifest.json");
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  ASSERT_EQ(manifest->parts.size(), 13u);
  EXPECT_EQ(manifest->parts[7].url, server.url() + "/items?_page=8&_limit=5");
}

TEST_F(ExtractTest, ExtractAllLendsIdleWorkersToPagesAhead) {
  HttpTestServer server;
  HeldPages pages(server, /*full_pages=*/8, /*page_size=*/5, /*hold_until=*/4);
  server.server().Get("/single", [](const httplib::Request&, httplib::Response& r) {
    r.set_content("[1]", "application/json");
  });
  server.Start();
  source_.concurrency = 4;
  source_.resources = {Resource("items", 5), Resource("single")};
  source_.resources[1].path = "/single";
  auto reports = ExtractAll(Request(server.url()));
  ASSERT_TRUE(reports) << reports.error().ToString();
  EXPECT_EQ((*reports)[0].records, 40u);
  EXPECT_EQ(pages.most_in_flight(), 4);  // three workers had no second resource to fetch
  EXPECT_EQ(counters_.requests, (*reports)[0].requests + 1);
}

TEST_F(ExtractTest, APageTheLinkHeaderDoesNotConfirmIsThrownAway) {
  HttpTestServer server;
  std::atomic<int> requests{0};
  // Cursor pagination behind page-numbered requests: the Link header names
  // "?_page=1&_limit=10&cursor=N", never the guessed "?_page=N&_limit=10".
  server.server().Get("/items", [&](const httplib::Request& request, httplib::Response& r) {
    ++requests;
    int cursor = request.has_param("cursor") ? std::stoi(request.get_param_value("cursor")) : 0;
    r.set_content(Items(cursor * 10 + 1, cursor * 10 + (cursor < 2 ? 10 : 5)), "application/json");
    if (cursor < 2) {
      r.set_header("Link",
                   fmt::format("</items?_page=1&_limit=10&cursor={}>; rel=\"next\"", cursor + 1));
    }
  });
  server.Start();
  source_.concurrency = 4;
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 25u);
  EXPECT_EQ(report->parts, 3);
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("_manifest.json", "part-00000.json",
                                                    "part-00001.json", "part-00002.json"));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00001.json"), Items(11, 20));
  EXPECT_EQ(Read(RunPrefix("items") + "part-00002.json"), Items(21, 25));
  // Fetching ahead stops at the first refuted guess.
  EXPECT_LE(requests.load(), 3 + 3);
}

TEST_F(ExtractTest, AFailedPageAheadFailsTheResourceOnlyWhenItBelongsToIt) {
  for (int failing_page : {2, 4}) {
    SCOPED_TRACE(failing_page);
    HttpTestServer server;
    // Pages 1 and 2 are full, 3 is short; failing_page answers 400.
    server.server().Get("/items", [&](const httplib::Request& request, httplib::Response& r) {
      int page = std::stoi(request.get_param_value("_page"));
      if (page == failing_page) {
        r.status = 400;
        r.set_content("bad page", "text/plain");
        return;
      }
      r.set_content(page <= 2   ? Items(page * 10 - 9, page * 10)
                    : page == 3 ? Items(21, 24)
                                : "[]",
                    "application/json");
    });
    server.Start();
    source_.concurrency = 4;
    auto report = ExtractResource(Request(server.url()), Resource("items", 10));
    if (failing_page == 2) {
      ASSERT_FALSE(report);
      EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
      EXPECT_THAT(report.error().ToString(), HasSubstr("part-00001.json"));
      EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("part-00000.json"));  // no manifest
    } else {
      ASSERT_TRUE(report) << report.error().ToString();
      EXPECT_EQ(report->records, 24u);
      EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("_manifest.json", "part-00000.json",
                                                        "part-00001.json", "part-00002.json"));
    }
  }
}

TEST_F(ExtractTest, WithoutPaginationOneRequest) {
  HttpTestServer server;
  PagedItems items(server, 30, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  source_.headers = {{"Authorization", "Bearer token-1234"}};
  auto report = ExtractResource(Request(server.url() + "/"), Resource("items"));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 30u);
  EXPECT_EQ(report->parts, 1);
  EXPECT_EQ(items.requests(), 1);
  EXPECT_EQ(items.last_authorization(), "Bearer token-1234");
}

TEST_F(ExtractTest, CredentialsInTheUrlAreSentButNeverStored) {
  HttpTestServer server;
  PagedItems items(server, 15, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  std::string with_password = "http://alice:p%40ss-w0rd@" + server.url().substr(7);
  auto report = ExtractResource(Request(with_password), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->parts, 2);
  EXPECT_EQ(items.last_authorization(), "Basic YWxpY2U6cEBzcy13MHJk");  // alice:p@ss-w0rd
  std::string manifest = Read(report->manifest_key);
  EXPECT_THAT(manifest, HasSubstr("\"url\": \"" + server.url() + "/items?_page=2&_limit=10\""));
  EXPECT_THAT(manifest, Not(HasSubstr("w0rd")));
  EXPECT_THAT(manifest, Not(HasSubstr("alice")));
}

TEST_F(ExtractTest, ManifestDescribesEveryPart) {
  HttpTestServer server;
  PagedItems items(server, 15, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->manifest_key, RunPrefix("items") + "_manifest.json");
  auto json = nlohmann::json::parse(Read(report->manifest_key));
  EXPECT_EQ(json["source"], "jp");
  EXPECT_EQ(json["resource"], "items");
  EXPECT_EQ(json["ds"], "2025-03-15");
  EXPECT_EQ(json["run_id"], "run1");
  EXPECT_EQ(json["complete"], true);
  EXPECT_EQ(json["records"], 15);
  EXPECT_EQ(json["bytes"], Items(1, 10).size() + Items(11, 15).size());
  ASSERT_EQ(json["parts"].size(), 2u);
  const std::string bodies[] = {Items(1, 10), Items(11, 15)};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const auto& part = json["parts"][i];
    std::string key = RunPrefix("items") + "part-0000" + std::to_string(i) + ".json";
    EXPECT_EQ(part["key"], key);
    EXPECT_EQ(part["url"], server.url() + "/items?_page=" + std::to_string(i + 1) + "&_limit=10");
    EXPECT_EQ(part["status"], 200);
    EXPECT_EQ(part["bytes"], bodies[i].size());
    EXPECT_EQ(part["sha256"], Sha256Hex(bodies[i]));
    EXPECT_EQ(Sha256Hex(Read(key)), Sha256Hex(bodies[i]));
    EXPECT_EQ(part["fetched_at"], "2025-03-15T10:00:00.000Z");
    EXPECT_EQ(part["records"], i == 0 ? 10 : 5);
  }
  EXPECT_EQ(report->object_keys,
            (std::vector<std::string>{RunPrefix("items") + "part-00000.json",
                                      RunPrefix("items") + "part-00001.json"}));
  auto manifest = ReadRawManifest(*store_, report->manifest_key);
  ASSERT_TRUE(manifest) << manifest.error().ToString();
  EXPECT_EQ(manifest->parts[1].sha256, Sha256Hex(bodies[1]));
  EXPECT_EQ(manifest->fetched_at, "2025-03-15T10:00:00.000Z");
}

TEST_F(ExtractTest, ASingleObjectIsOneRecord) {
  HttpTestServer server;
  server.server().Get("/profile", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(R"({"id":1,"name":"Leanne"})", "application/json");
  });
  server.Start();
  auto report = ExtractResource(Request(server.url()), Resource("profile"));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 1u);
}

TEST_F(ExtractTest, RerunOfARunReplacesItsPartition) {
  HttpTestServer server;
  PagedItems items(server, 25, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  ASSERT_TRUE(ExtractResource(Request(server.url()), Resource("items", 10)));
  items.set_total(15);
  auto report = ExtractResource(Request(server.url()), Resource("items", 10));
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->records, 15u);
  EXPECT_THAT(Keys(RunPrefix("items")),
              ElementsAre("_manifest.json", "part-00000.json", "part-00001.json"));
}

TEST_F(ExtractTest, AFirstTryDeletesNothingAndARetryClearsTheManifestFirst) {
  HttpTestServer server;
  PagedItems items(server, 25, /*send_link=*/true, /*send_total=*/true);
  server.Start();
  CountingStore counting(*store_);
  ASSERT_TRUE(ExtractResource(WithStore(Request(server.url()), counting), Resource("items", 10)));
  EXPECT_THAT(counting.deleted, ElementsAre());
  items.set_total(5);
  ASSERT_TRUE(ExtractResource(WithStore(Request(server.url()), counting), Resource("items", 10)));
  EXPECT_THAT(counting.deleted, ElementsAre("_manifest.json", "part-00000.json", "part-00001.json",
                                            "part-00002.json"));
  EXPECT_THAT(Keys(RunPrefix("items")), ElementsAre("_manifest.json", "part-00000.json"));
}

TEST_F(ExtractTest, RejectsABadDateOrRunId) {
  HttpTestServer server;
  server.Start();
  ExtractRequest request = Request(server.url());
  request.ds = "2025-3-15";
  auto report = ExtractResource(request, Resource("items"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(report.error().message(), HasSubstr("ds '2025-3-15'"));
  ExtractRequest bad_run = Request(server.url());
  bad_run.run_id = "../x";
  EXPECT_EQ(ExtractResource(bad_run, Resource("items")).error().code(), Code::kInvalidArgument);
}

TEST_F(ExtractTest, FetchesResourcesConcurrentlyWithinTheBound) {
  HttpTestServer server;
  std::mutex mutex;
  std::condition_variable changed;
  int in_flight = 0, most_in_flight = 0, started = 0;
  server.server().Get(R"(/r(\d))", [&](const httplib::Request& request, httplib::Response& r) {
    std::unique_lock lock(mutex);
    ++started;
    most_in_flight = std::max(most_in_flight, ++in_flight);
    changed.notify_all();
    // Held until three requests are in flight at once (or every one started).
    changed.wait_for(lock, std::chrono::seconds(3), [&] { return in_flight >= 3 || started == 6; });
    --in_flight;
    r.set_content("[" + request.matches[1].str() + "]", "application/json");
  });
  server.Start();
  source_.concurrency = 3;
  for (int i = 0; i < 6; ++i) source_.resources.push_back(Resource("r" + std::to_string(i)));
  auto reports = ExtractAll(Request(server.url()));
  ASSERT_TRUE(reports) << reports.error().ToString();
  ASSERT_EQ(reports->size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*reports)[i].resource, "r" + std::to_string(i));
    EXPECT_TRUE(Exists(RunPrefix("r" + std::to_string(i)) + "_manifest.json"));
  }
  EXPECT_EQ(most_in_flight, 3);
  EXPECT_EQ(counters_.requests, 6u);
}

TEST_F(ExtractTest, ExtractAllNamesEveryFailedResource) {
  HttpTestServer server;
  server.server().Get("/ok", [](const httplib::Request&, httplib::Response& r) {
    r.set_content("[1]", "application/json");
  });
  server.server().Get("/down",
                      [](const httplib::Request&, httplib::Response& r) { r.status = 503; });
  server.Start();
  source_.concurrency = 2;
  for (const char* name : {"ok", "missing", "down"}) source_.resources.push_back(Resource(name));
  auto reports = ExtractAll(Request(server.url()));
  ASSERT_FALSE(reports);
  EXPECT_EQ(reports.error().code(), Code::kNotFound);
  EXPECT_THAT(reports.error().message(),
              HasSubstr("extract jp: 2 of 3 resources failed (missing, down): extract jp/missing"));
  EXPECT_THAT(reports.error().message(), HasSubstr("HTTP 404"));
  EXPECT_TRUE(Exists(RunPrefix("ok") + "_manifest.json"));
  EXPECT_FALSE(Exists(RunPrefix("down") + "_manifest.json"));
  EXPECT_EQ(counters_.failures, 2u);
}

// A deterministic body of about `bytes` bytes, produced in pieces.
template <typename Emit>
void HugeBody(size_t bytes, Emit emit) {
  std::string piece = "[";
  std::string padding(80, 'p');
  size_t emitted = 0;
  for (uint64_t id = 1; emitted < bytes; ++id) {
    if (id > 1) piece += ",";
    piece += R"({"id":)" + std::to_string(id) + R"(,"title":")" + padding + "\"}";
    if (piece.size() >= 64 * 1024) {
      emitted += piece.size();
      emit(piece);
      piece.clear();
    }
  }
  emit(piece + "]");
}

TEST_F(ExtractTest, StreamsAHugeBodyWithoutHoldingIt) {
  constexpr size_t kBytes = 50u << 20;
  HttpTestServer server;
  server.server().Get("/huge", [&](const httplib::Request&, httplib::Response& response) {
    // A type the server does not compress: brotli over 50 MB would take minutes.
    response.set_chunked_content_provider(
        "application/x-sluice-test", [&](size_t, httplib::DataSink& sink) {
          HugeBody(kBytes,
                   [&](const std::string& piece) { sink.write(piece.data(), piece.size()); });
          sink.done();
          return true;
        });
  });
  server.Start();
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_DigestInit_ex(md, EVP_sha256(), nullptr);
  size_t size = 0, records = 0;
  HugeBody(kBytes, [&](const std::string& piece) {
    EVP_DigestUpdate(md, piece.data(), piece.size());
    size += piece.size();
    for (size_t at = piece.find("\"id\""); at != std::string::npos;
         at = piece.find("\"id\"", at + 1)) {
      ++records;
    }
  });
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(md, digest, &length);
  EVP_MD_CTX_free(md);
  std::string want_sha;
  for (unsigned int i = 0; i < length; ++i) want_sha += fmt::format("{:02x}", digest[i]);

  size_t rss_before = PeakRssBytes();
  auto report = ExtractResource(Request(server.url()), Resource("huge"));
  size_t rss_growth = PeakRssBytes() - rss_before;
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->bytes, size);
  EXPECT_EQ(report->records, records);
  EXPECT_EQ(report->parts, 1);
  auto manifest = ReadRawManifest(*store_, report->manifest_key);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->parts[0].sha256, want_sha);
  auto info = store_->Head(RunPrefix("huge") + "part-00000.json");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, size);
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine keeps freed pieces resident
  EXPECT_LT(rss_growth, size_t{24} << 20) << "the body seems to be held in memory";
#else
  (void)rss_growth;
#endif
}

}  // namespace
}  // namespace sluice::source::testing
