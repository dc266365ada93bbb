// Replays the fuzz corpus of the pipeline loader and the inputs that once
// broke it: each must give a value or an error, never a crash or a hang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/pipeline.h"
#include "core/schedule.h"
#include "core/template.h"

namespace sluice {
namespace {

std::vector<std::filesystem::path> FilesIn(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void Replay(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files = FilesIn(dir);
  ASSERT_FALSE(files.empty()) << dir;
  for (const std::filesystem::path& file : files) {
    SCOPED_TRACE(file.string());
    Result<Pipeline> pipeline = ParsePipeline(ReadBytes(file), file.filename().string());
    if (!pipeline) {
      EXPECT_NE(pipeline.error().code(), Code::kInternal) << pipeline.error().message();
      EXPECT_EQ(pipeline.error().message().find('\n'), std::string::npos);
    }
  }
}

TEST(PipelineFuzzCases, SeedCorpusReplays) {
  Replay(std::filesystem::path(SLUICE_SOURCE_DIR) / "fuzz/corpus/pipeline_loader");
}

TEST(PipelineFuzzCases, OnceBrokenInputsReplay) {
  Replay(std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/core/fuzz_cases");
}

}  // namespace
}  // namespace sluice
