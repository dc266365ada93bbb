// Replays the json_rows fuzz target's seed corpus and every input that once
// failed it (tests/transform/fuzz_cases/) in the normal test run: the target
// aborts on any broken invariant, so a passing test means each input held.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void ReplayFolder(const std::filesystem::path& folder) {
  ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder;
  int replayed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    SCOPED_TRACE(entry.path().string());
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string data = bytes.str();
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size()),
              0);
    ++replayed;
  }
  EXPECT_GT(replayed, 0);
}

TEST(JsonRowsFuzzRegression, SeedCorpus) { ReplayFolder(SLUICE_JSON_ROWS_CORPUS); }
TEST(JsonRowsFuzzRegression, InputsThatOnceFailed) { ReplayFolder(SLUICE_JSON_ROWS_CASES); }

}  // namespace
