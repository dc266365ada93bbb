// The factory, key rules and conveniences of lake.h.
#include "lake/lake.h"

#include <gtest/gtest.h>

namespace sluice::lake {
namespace {

TEST(OpenObjectStore, UnknownSchemeNamesTheKnownOnes) {
  auto store = OpenObjectStore("gs://bucket/path");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kInvalidArgument);
  EXPECT_NE(store.error().ToString().find("file://"), std::string::npos);
  EXPECT_NE(store.error().ToString().find("s3://"), std::string::npos);
}

TEST(OpenObjectStore, FileUrlWithAHostIsRejected) {
  auto store = OpenObjectStore("file://tmp/lake");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code(), Code::kInvalidArgument);
  EXPECT_NE(store.error().ToString().find("file:///"), std::string::npos);
}

TEST(OpenObjectStore, RelativePathIsRejected) {
  EXPECT_EQ(OpenObjectStore("lake/here").error().code(), Code::kInvalidArgument);
}

TEST(ValidateKey, AcceptsTheLakeLayout) {
  for (const char* key :
       {"raw/jsonplaceholder/users/ds=2025-03-15/run=r1/part-00000.json",
        "clean/jsonplaceholder/users/ds=2025-03-15/schema.json", "my.bucket-1/a", "abc/a b/c"}) {
    EXPECT_TRUE(ValidateKey(key)) << key;
  }
}

TEST(ValidateKey, BucketNameErrorSaysWhatIsAllowed) {
  auto status = ValidateKey("_runs/dag/run.json");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().ToString().find("_runs"), std::string::npos);
  EXPECT_NE(status.error().ToString().find("a-z 0-9"), std::string::npos);
  for (const std::string& key :
       std::vector<std::string>{"-ab/x", "ab-/x", "a/x", std::string(64, 'a') + "/x"}) {
    EXPECT_FALSE(ValidateKey(key)) << key;
  }
}

TEST(ValidateKey, ControlCharacterErrorDoesNotEchoIt) {
  auto status = ValidateKey("raw/a\nb");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("0x0a"), std::string::npos);
  EXPECT_EQ(status.error().message().find('\n'), std::string::npos);
}

}  // namespace
}  // namespace sluice::lake
