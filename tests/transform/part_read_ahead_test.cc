// PartReadAhead over the filesystem store: order, padding, limits and errors.
#include "transform/part_read_ahead.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sluice::transform {
namespace {

class PartReadAheadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-read-ahead-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    Result<std::unique_ptr<lake::ObjectStore>> store = lake::OpenObjectStore("file://" + root_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> PutParts(const std::vector<std::string>& bodies) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < bodies.size(); ++i) {
      keys.push_back(fmt::format("raw/t/part-{:05}.json", i));
      EXPECT_TRUE(lake::PutString(*store_, keys.back(), bodies[i]));
    }
    return keys;
  }

  std::string root_;
  std::unique_ptr<lake::ObjectStore> store_;
};

TEST_F(PartReadAheadTest, GivesEveryPartInOrderWithZeroedPadding) {
  const std::vector<std::string> bodies = {"[1]", "", std::string(100'000, 'x'), "[2,3]"};
  const std::vector<std::string> keys = PutParts(bodies);
  for (const PartReadAhead::Limits limits :
       {PartReadAhead::Limits{}, PartReadAhead::Limits{.max_parts = 1, .max_bytes = 1}}) {
    PartReadAhead parts(*store_, keys, limits);
    for (const std::string& body : bodies) {
      Result<std::string_view> json = parts.Next();
      ASSERT_TRUE(json) << json.error().message();
      EXPECT_EQ(*json, body);
      EXPECT_EQ(std::string_view(json->data() + json->size(), JsonRowReader::kPadding),
                std::string(JsonRowReader::kPadding, '\0'));
    }
  }
}

TEST_F(PartReadAheadTest, StopsAtAMissingPart) {
  std::vector<std::string> keys = PutParts({"[1]", "[2]"});
  keys.insert(keys.begin() + 1, "raw/t/part-absent.json");
  PartReadAhead parts(*store_, keys);
  ASSERT_TRUE(parts.Next());
  Result<std::string_view> missing = parts.Next();
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_FALSE(parts.Next());  // nothing is read after an error
}

TEST_F(PartReadAheadTest, DroppedBeforeTheEndDoesNotWait) {
  const std::vector<std::string> keys = PutParts({"[1]", "[2]", "[3]", "[4]", "[5]"});
  PartReadAhead parts(*store_, keys);
  ASSERT_TRUE(parts.Next());
}

TEST_F(PartReadAheadTest, NoKeysStartsNoRead) {
  PartReadAhead parts(*store_, std::vector<std::string>{});
}

}  // namespace
}  // namespace sluice::transform
