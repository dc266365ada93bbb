#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/forwarding_store.h"
#include "source/extract_fixture.h"

namespace sluice::source::testing {
namespace {

using ::testing::HasSubstr;

using ManifestTest = ExtractTest;

RawManifest Manifest(std::string run_id, std::string fetched_at, bool complete = true) {
  RawManifest manifest;
  manifest.source = "jp";
  manifest.resource = "users";
  manifest.ds = "2025-03-15";
  manifest.run_id = std::move(run_id);
  manifest.complete = complete;
  manifest.records = 10;
  manifest.bytes = 123;
  manifest.fetched_at = std::move(fetched_at);
  RawPart part;
  part.key = RawRunPrefix("raw", "jp", "users", "2025-03-15", manifest.run_id) + "part-00000.json";
  part.url = "http://127.0.0.1:3000/users";
  part.status = 200;
  part.bytes = 123;
  part.sha256 = std::string(64, 'a');
  part.fetched_at = manifest.fetched_at;
  part.records = 10;
  manifest.parts.push_back(part);
  return manifest;
}

void Put(lake::ObjectStore& store, const RawManifest& manifest) {
  std::string key = RawManifestKey("raw", "jp", "users", "2025-03-15", manifest.run_id);
  ASSERT_TRUE(lake::PutString(store, key, ManifestToJson(manifest)));
}

TEST_F(ManifestTest, RoundTrips) {
  RawManifest written = Manifest("r1", "2025-03-15T10:00:00.000Z");
  Put(*store_, written);
  auto read = ReadRawManifest(*store_, RawManifestKey("raw", "jp", "users", "2025-03-15", "r1"));
  ASSERT_TRUE(read) << read.error().ToString();
  EXPECT_EQ(read->source, "jp");
  EXPECT_EQ(read->run_id, "r1");
  EXPECT_TRUE(read->complete);
  EXPECT_EQ(read->records, 10u);
  EXPECT_EQ(read->key, "raw/jp/users/ds=2025-03-15/run=r1/_manifest.json");
  ASSERT_EQ(read->parts.size(), 1u);
  EXPECT_EQ(read->parts[0].key, written.parts[0].key);
  EXPECT_EQ(read->parts[0].sha256, written.parts[0].sha256);
  EXPECT_EQ(read->parts[0].fetched_at, "2025-03-15T10:00:00.000Z");
}

TEST_F(ManifestTest, ReadingSomethingElseIsDataLoss) {
  std::string key = "raw/jp/users/ds=2025-03-15/run=r1/_manifest.json";
  ASSERT_TRUE(lake::PutString(*store_, key, R"({"source":"jp"})"));
  auto read = ReadRawManifest(*store_, key);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code(), Code::kDataLoss);
  EXPECT_THAT(read.error().message(), HasSubstr(key));
  EXPECT_EQ(ReadRawManifest(*store_, "raw/none/_manifest.json").error().code(), Code::kNotFound);
}

TEST_F(ManifestTest, FindsThePreferredRunElseTheNewestComplete) {
  Put(*store_, Manifest("r1", "2025-03-15T10:00:00.000Z"));
  Put(*store_, Manifest("r2", "2025-03-15T11:00:00.000Z"));
  Put(*store_, Manifest("r3", "2025-03-15T12:00:00.000Z", /*complete=*/false));
  ASSERT_TRUE(lake::PutString(*store_, "raw/jp/users/ds=2025-03-15/run=r4/_manifest.json", "{"));
  ASSERT_TRUE(lake::PutString(*store_, "raw/jp/users/ds=2025-03-15/run=r5/part-00000.json", "[]"));
  ASSERT_TRUE(lake::PutString(*store_, "raw/jp/users/ds=2025-03-16/run=r9/_manifest.json",
                              ManifestToJson(Manifest("r9", "2025-03-16T00:00:00.000Z"))));
  struct Case {
    const char* preferred;
    const char* want;
  } cases[] = {{"r1", "r1"}, {"r2", "r2"}, {"", "r2"},    {"r3", "r2"},
               {"r4", "r2"}, {"r5", "r2"}, {"gone", "r2"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.preferred);
    auto found = FindRawPartition(*store_, "raw", "jp", "users", "2025-03-15", c.preferred);
    if (std::string_view(c.preferred) == "r4") {
      // The preferred run's manifest is unreadable: that is an error, not a fallback.
      ASSERT_FALSE(found);
      EXPECT_EQ(found.error().code(), Code::kDataLoss);
      continue;
    }
    ASSERT_TRUE(found) << found.error().ToString();
    EXPECT_EQ(found->run_id, c.want);
  }
}

// A store that cannot list objects, only folders: what FindRawPartition may use.
class FoldersOnlyStore final : public lake::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  Result<std::vector<lake::ObjectInfo>> List(std::string_view prefix) override {
    return Error::Internal("List({}) of every part", prefix);
  }
};

TEST_F(ManifestTest, FindsTheNewestRunFromItsFoldersWithoutListingItsParts) {
  Put(*store_, Manifest("r1", "2025-03-15T10:00:00.000Z"));
  Put(*store_, Manifest("r2", "2025-03-15T11:00:00.000Z"));
  ASSERT_TRUE(lake::PutString(*store_, "raw/jp/users/ds=2025-03-15/run=r3/part-00000.json", "[]"));
  ASSERT_TRUE(lake::PutString(*store_, "raw/jp/users/ds=2025-03-15/notes.txt", "not a run"));
  FoldersOnlyStore folders_only(*store_);
  auto found = FindRawPartition(folders_only, "raw", "jp", "users", "2025-03-15", "gone");
  ASSERT_TRUE(found) << found.error().ToString();
  EXPECT_EQ(found->run_id, "r2");
}

TEST_F(ManifestTest, NoCompleteRunIsNotFound) {
  auto found = FindRawPartition(*store_, "raw", "jp", "users", "2025-03-15", "r1");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code(), Code::kNotFound);
  EXPECT_THAT(found.error().message(), HasSubstr("raw/jp/users/ds=2025-03-15/"));
  EXPECT_THAT(found.error().hint(), HasSubstr("2025-03-15"));
  Put(*store_, Manifest("r3", "2025-03-15T12:00:00.000Z", /*complete=*/false));
  EXPECT_EQ(FindRawPartition(*store_, "raw", "jp", "users", "2025-03-15", "").error().code(),
            Code::kNotFound);
}

}  // namespace
}  // namespace sluice::source::testing
