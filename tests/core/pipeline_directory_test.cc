#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/pipeline.h"

namespace sluice {
namespace {

class PipelineDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/sluice-core-pipelines-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }

  std::filesystem::path dir_;
};

TEST_F(PipelineDirectoryTest, LoadsGoodFilesAndReportsBrokenOnes) {
  Write("b_second.yaml", "dag_id: zeta\ntasks: {a: {kind: noop}}\n");
  Write("a_first.yml", "dag_id: alpha\ntasks: {a: {kind: noop}}\n");
  Write("broken.yaml", "dag_id: broken\ntasks: {a: {kind: nope}}\n");
  Write("dup1.yaml", "dag_id: twice\ntasks: {a: {kind: noop}}\n");
  Write("dup2.yaml", "dag_id: twice\ntasks: {b: {kind: noop}}\n");
  Write("notes.txt", "not a pipeline");
  Write(".hidden.yaml", "dag_id: hidden\ntasks: {a: {kind: noop}}\n");
  std::filesystem::create_directory(dir_ / "sub.yaml");

  Result<PipelineDirectory> loaded = LoadPipelineDirectory(dir_.string());
  ASSERT_TRUE(loaded) << loaded.error().message();
  ASSERT_EQ(loaded->pipelines.size(), 2u);
  EXPECT_EQ(loaded->pipelines[0].dag_id, "alpha");
  EXPECT_EQ(loaded->pipelines[1].dag_id, "zeta");
  EXPECT_EQ(loaded->pipelines[1].file_path, (dir_ / "b_second.yaml").string());

  const std::string broken = (dir_ / "broken.yaml").string();
  const std::string dup1 = (dir_ / "dup1.yaml").string();
  const std::string dup2 = (dir_ / "dup2.yaml").string();
  ASSERT_EQ(loaded->import_errors.size(), 3u);
  EXPECT_TRUE(loaded->import_errors.at(broken).starts_with(
      broken + ":2:19: tasks.a.kind: unknown task kind 'nope'"))
      << loaded->import_errors.at(broken);
  EXPECT_EQ(loaded->import_errors.at(dup1),
            dup1 + ": dag_id 'twice' is also defined in " + dup2 + "; each dag_id must be unique");
  EXPECT_EQ(loaded->import_errors.at(dup2),
            dup2 + ": dag_id 'twice' is also defined in " + dup1 + "; each dag_id must be unique");
}

TEST_F(PipelineDirectoryTest, EmptyFolderHasNoPipelines) {
  Result<PipelineDirectory> loaded = LoadPipelineDirectory(dir_.string());
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->pipelines.empty());
  EXPECT_TRUE(loaded->import_errors.empty());
}

TEST_F(PipelineDirectoryTest, MissingFolderIsNotFound) {
  Result<PipelineDirectory> loaded = LoadPipelineDirectory((dir_ / "missing").string());
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), Code::kNotFound);
  EXPECT_TRUE(loaded.error().message().starts_with("cannot list pipeline folder " +
                                                   (dir_ / "missing").string() + ": "));
}

TEST_F(PipelineDirectoryTest, ShippedPipelinesAllLoad) {
  Result<PipelineDirectory> loaded =
      LoadPipelineDirectory(std::string(SLUICE_SOURCE_DIR) + "/pipelines");
  ASSERT_TRUE(loaded) << loaded.error().message();
  for (const auto& [file, error] : loaded->import_errors) ADD_FAILURE() << error;
  EXPECT_FALSE(loaded->pipelines.empty());
}

}  // namespace
}  // namespace sluice
