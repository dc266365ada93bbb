// Test fixture for ObjectStore suites: the same tests against the filesystem
// store (always) and an S3 endpoint named by SLUICE_TEST_S3_URL.
//
// SLUICE_TEST_S3_URL=s3://KEY:SECRET@host:port?tls=false&region=us-east-1 (scripts/s3
// start-test prints one). SLUICE_TEST_S3_BUCKET names the bucket the tests
// write into (default "sluice-test"; created when missing). Every test works
// under its own random prefix and deletes it at the end, so ctest -j is safe
// and a shared bucket stays clean. With CI=true a missing URL fails the S3
// tests instead of skipping them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "lake/lake.h"

namespace sluice::lake::testing {

enum class Backend { kFile, kS3 };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info);

// The endpoint under test, or "" when SLUICE_TEST_S3_URL is unset.
std::string S3UrlFromEnv();
std::string S3BucketFromEnv();
// Small parts so multipart paths run in seconds.
LakeOptions TestOptions();
std::string RandomSuffix();

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string Key(std::string_view name) const { return prefix_ + std::string(name); }
  // Opens another store on the same place (a second client).
  std::unique_ptr<ObjectStore> Reopen(const LakeOptions& options) const;

  std::unique_ptr<ObjectStore> store_;
  std::string url_;      // what the store was opened from
  std::string bucket_;   // "sluice-test"
  std::string prefix_;   // "sluice-test/<test>-<random>/"
  std::string fs_root_;  // the file:// root, removed at the end
};

// Deterministic bytes for content checks: position-dependent, not periodic in
// any power of two.
std::string PatternBytes(size_t size, uint64_t seed = 1);

}  // namespace sluice::lake::testing
