#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "devdata/devdata.h"

namespace sluice::devdata {
namespace {

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = std::filesystem::temp_directory_path() /
              ("sluice-devdata-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::filesystem::path folder_;
};

TEST_F(GenerateTest, ScaleOneHasThePublicApiSizes) {
  ASSERT_TRUE(WriteDatabase((folder_ / "db.json").string(), 1));
  nlohmann::json db = ReadJson(folder_ / "db.json");
  EXPECT_EQ(db["users"].size(), 10u);
  EXPECT_EQ(db["posts"].size(), 100u);
  EXPECT_EQ(db["comments"].size(), 500u);
  EXPECT_EQ(db["albums"].size(), 100u);
  EXPECT_EQ(db["photos"].size(), 5000u);
  EXPECT_EQ(db["todos"].size(), 200u);
}

TEST_F(GenerateTest, RecordsHaveThePublicApiFieldsAndTypes) {
  ASSERT_TRUE(WriteDatabase((folder_ / "db.json").string(), 1));
  nlohmann::json db = ReadJson(folder_ / "db.json");
  const nlohmann::json& user = db["users"][0];
  EXPECT_TRUE(user["id"].is_number_integer());
  for (const char* field : {"name", "username", "email", "phone", "website"}) {
    EXPECT_TRUE(user[field].is_string()) << field;
  }
  EXPECT_TRUE(user["address"]["geo"]["lat"].is_string());  // the public API sends coordinates as strings
  EXPECT_TRUE(user["company"]["catchPhrase"].is_string());
  EXPECT_TRUE(db["todos"][0]["completed"].is_boolean());
  EXPECT_TRUE(db["photos"][0]["thumbnailUrl"].is_string());
  EXPECT_TRUE(db["comments"][0]["postId"].is_number_integer());
  EXPECT_EQ(db["posts"][0].size(), 4u);
  EXPECT_EQ(db["photos"][0].size(), 5u);
}

TEST_F(GenerateTest, ForeignKeysPointAtExistingRecords) {
  ASSERT_TRUE(WriteDatabase((folder_ / "db.json").string(), 2));
  nlohmann::json db = ReadJson(folder_ / "db.json");
  struct Link { const char *child, *field, *parent; } links[] = {
      {"posts", "userId", "users"},    {"comments", "postId", "posts"},
      {"albums", "userId", "users"},   {"photos", "albumId", "albums"},
      {"todos", "userId", "users"}};
  for (const Link& link : links) {
    SCOPED_TRACE(link.child);
    auto parents = static_cast<int64_t>(db[link.parent].size());
    for (const auto& record : db[link.child]) {
      int64_t parent_id = record[link.field];
      ASSERT_GE(parent_id, 1);
      ASSERT_LE(parent_id, parents);
    }
  }
}

TEST_F(GenerateTest, SameScaleGivesSameBytes) {
  ASSERT_TRUE(WriteDatabase((folder_ / "a.json").string(), 1));
  ASSERT_TRUE(WriteDatabase((folder_ / "b.json").string(), 1));
  std::ifstream a(folder_ / "a.json"), b(folder_ / "b.json");
  std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(bytes_a, bytes_b);
}

TEST_F(GenerateTest, PagesSplitEveryResource) {
  auto files = WritePages(folder_.string(), 1, 1000);
  ASSERT_TRUE(files) << files.error().ToString();
  EXPECT_EQ(*files, 6 + 4 /* photos: 5 pages */);
  EXPECT_EQ(ReadJson(folder_ / "photos" / "5.json").size(), 1000u);
  EXPECT_EQ(ReadJson(folder_ / "photos" / "1.json")[0]["id"], 1);
}

TEST_F(GenerateTest, RejectsScaleBelowOne) {
  Status status = WriteDatabase((folder_ / "db.json").string(), 0);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Code::kInvalidArgument);
}

TEST_F(GenerateTest, UnwritableFolderIsAnError) {
  Status status = WriteDatabase("/nonexistent-folder/db.json", 1);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("/nonexistent-folder/db.json"), std::string::npos);
}

}  // namespace
}  // namespace sluice::devdata
