// CompactInt64Set against std::unordered_set on the key shapes a source sends.
#include "transform/dedupe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <unordered_set>

namespace sluice::transform {
namespace {

void ExpectSameAsHashSet(const std::vector<int64_t>& values) {
  CompactInt64Set set;
  std::unordered_set<int64_t> reference;
  for (const int64_t value : values) {
    ASSERT_EQ(set.Insert(value), reference.insert(value).second) << value;
  }
  EXPECT_EQ(set.size(), reference.size());
}

TEST(CompactInt64Set, AgreesWithAHashSet) {
  std::mt19937_64 random(42);
  struct Case {
    const char* name;
    std::vector<int64_t> values;
  };
  std::vector<Case> cases;
  Case ascending{"ascending ids, each twice, past the array limit", {}};
  for (int64_t id = 1; id <= 200'000; ++id) ascending.values.push_back(id);
  for (int64_t id = 1; id <= 200'000; id += 7) ascending.values.push_back(id);
  cases.push_back(ascending);
  Case descending{"descending ids", {}};
  for (int64_t id = 70'000; id >= -70'000; --id) descending.values.push_back(id);
  descending.values.push_back(0);
  cases.push_back(descending);
  Case scattered{"scattered ids with repeats", {}};
  for (int i = 0; i < 50'000; ++i) scattered.values.push_back(static_cast<int64_t>(random()));
  for (int i = 0; i < 50'000; i += 3) scattered.values.push_back(scattered.values[i]);
  cases.push_back(scattered);
  Case shuffled{"one chunk filled in random order, crossing to a bitmap", {}};
  for (int64_t id = 0; id < 65'536; ++id) shuffled.values.push_back(id * 3 % 65'536);
  std::shuffle(shuffled.values.begin(), shuffled.values.end(), random);
  for (int64_t id = 0; id < 65'536; id += 5) shuffled.values.push_back(id);
  cases.push_back(shuffled);
  cases.push_back({"extremes",
                   {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), -1, 0,
                    65'535, 65'536, -65'536, std::numeric_limits<int64_t>::min(), -1, 65'536}});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExpectSameAsHashSet(c.values);
  }
}

TEST(PrimaryKeySet, BigintKeyKeepsTheFirstOfEachId) {
  const std::vector<ColumnSpec> columns = {{"id", ColumnType::kBigint, "id", true}};
  const std::vector<int> key = {0};
  PrimaryKeySet keys(key, columns);
  std::vector<Cell> cells(1);
  cells[0] = {false, "7"};
  EXPECT_TRUE(keys.Insert(cells));
  EXPECT_FALSE(keys.Insert(cells));
  cells[0] = {false, "-9223372036854775808"};
  EXPECT_TRUE(keys.Insert(cells));
  EXPECT_FALSE(keys.Insert(cells));
}

}  // namespace
}  // namespace sluice::transform
