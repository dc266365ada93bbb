// A filesystem lake in a fresh temporary folder, a real curl client and a
// small source spec, for the extraction tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "lake/lake.h"
#include "source/source.h"
#include "source/test_servers.h"

namespace sluice::source::testing {

// 2025-03-15T10:00:00Z
inline const TimePoint kStart = TimePoint(std::chrono::seconds(1742032800));

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-source-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    auto store = lake::OpenObjectStore(root_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    HttpClientOptions options;
    options.connect_timeout = std::chrono::seconds(2);
    options.total_timeout = std::chrono::seconds(20);
    auto client = MakeCurlHttpClient(options);
    ASSERT_TRUE(client) << client.error().ToString();
    client_ = std::move(*client);
    source_.name = "jp";
    source_.connection = "jp";
    source_.max_attempts = 3;
    source_.backoff_initial = std::chrono::milliseconds(10);
    source_.backoff_max = std::chrono::milliseconds(40);
    source_.connect_timeout = std::chrono::seconds(2);
    source_.total_timeout = std::chrono::seconds(20);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  ExtractRequest Request(const std::string& base_url, Clock& clock) {
    ExtractOptions options;
    options.counters = &counters_;
    return ExtractRequest{*client_, *store_,      clock,  source_, base_url,
                          "raw",    "2025-03-15", "run1", options};
  }
  ExtractRequest Request(const std::string& base_url) { return Request(base_url, clock_); }

  static ResourceSpec Resource(std::string name, int page_size = 0) {
    ResourceSpec resource;
    resource.path = "/" + name;
    resource.name = std::move(name);
    resource.pagination.enabled = page_size > 0;
    resource.pagination.page_size = page_size;
    return resource;
  }

  std::string RunPrefix(const std::string& resource) const {
    return "raw/jp/" + resource + "/ds=2025-03-15/run=run1/";
  }
  bool Exists(const std::string& key) { return store_->Head(key).has_value(); }
  std::string Read(const std::string& key) {
    auto text = lake::GetString(*store_, key);
    EXPECT_TRUE(text) << text.error().ToString();
    return text ? *text : "";
  }
  std::vector<std::string> Keys(const std::string& prefix) {
    std::vector<std::string> keys;
    auto objects = store_->List(prefix);
    if (objects) {
      for (const auto& object : *objects) keys.push_back(object.key.substr(prefix.size()));
    }
    return keys;
  }

  std::string root_;
  std::unique_ptr<lake::ObjectStore> store_;
  std::unique_ptr<HttpClient> client_;
  SourceSpec source_;
  SourceCounters counters_;
  ManualClock clock_{kStart};
};

// `[{"id":from,"title":"item from"},...]` up to and including `to`; "[]" when empty.
inline std::string Items(int from, int to) {
  std::string out = "[";
  for (int id = from; id <= to; ++id) {
    if (id > from) out += ",";
    out += R"({"id":)" + std::to_string(id) + R"(,"title":"item )" + std::to_string(id) + "\"}";
  }
  return out + "]";
}

}  // namespace sluice::source::testing
