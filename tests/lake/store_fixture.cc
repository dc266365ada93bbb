#include "lake/store_fixture.h"

#include <cstdlib>
#include <filesystem>
#include <random>

namespace sluice::lake::testing {

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kFile ? "File" : "S3";
}

std::string S3UrlFromEnv() {
  const char* url = std::getenv("SLUICE_TEST_S3_URL");
  return url == nullptr ? "" : url;
}

std::string S3BucketFromEnv() {
  const char* bucket = std::getenv("SLUICE_TEST_S3_BUCKET");
  return bucket == nullptr || *bucket == '\0' ? "sluice-test" : bucket;
}

LakeOptions TestOptions() {
  LakeOptions options;
  options.part_size = 5u << 20;
  options.max_parts_in_flight = 2;
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::milliseconds(50);
  options.connect_timeout = std::chrono::milliseconds(2000);
  return options;
}

std::string RandomSuffix() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return fmt::format("{:012x}", random() & 0xffffffffffffULL);
}

std::string PatternBytes(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (size_t i = 0; i < size; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    out[i] = static_cast<char>(state >> 56);
  }
  return out;
}

void StoreTest::SetUp() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test_name = info->name();
  for (char& c : test_name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  if (GetParam() == Backend::kFile) {
    fs_root_ =
        (std::filesystem::temp_directory_path() / ("sluice-lake-test-" + RandomSuffix())).string();
    url_ = "file://" + fs_root_;
    bucket_ = "sluice-test";
  } else {
    url_ = S3UrlFromEnv();
    if (url_.empty()) {
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") {
        FAIL() << "SLUICE_TEST_S3_URL is not set and CI=true: start an S3 server with "
                  "`eval \"$(scripts/s3 start-test)\"`";
      }
      GTEST_SKIP() << "SLUICE_TEST_S3_URL is not set (eval \"$(scripts/s3 start-test)\")";
    }
    bucket_ = S3BucketFromEnv();
  }
  prefix_ = fmt::format("{}/{}-{}/", bucket_, test_name, RandomSuffix());
  auto store = OpenObjectStore(url_, TestOptions());
  ASSERT_TRUE(store) << store.error().ToString();
  store_ = std::move(store).value();
}

void StoreTest::TearDown() {
  if (store_ != nullptr && GetParam() == Backend::kS3) {
    auto deleted = DeletePrefix(*store_, prefix_);
    EXPECT_TRUE(deleted) << deleted.error().ToString();
  }
  store_.reset();
  if (!fs_root_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(fs_root_, ignored);
  }
}

std::unique_ptr<ObjectStore> StoreTest::Reopen(const LakeOptions& options) const {
  auto store = OpenObjectStore(url_, options);
  EXPECT_TRUE(store) << store.error().ToString();
  return store ? std::move(store).value() : nullptr;
}

}  // namespace sluice::lake::testing
