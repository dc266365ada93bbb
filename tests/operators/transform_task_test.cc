// The transform task over the filesystem lake: every table of a run, small
// ones side by side and large ones alone, reported in the pipeline's order,
// and a failing table named.
#include <gtest/gtest.h>

#include <filesystem>

#include "operators/operators.h"
#include "operators/raw_parts.h"

namespace sluice::operators {
namespace {

constexpr std::string_view kPipeline = R"(
dag_id: tables
source:
  name: api
  connection: api
  resources:
    a: {path: /a}
    b: {path: /b}
    big: {path: /big}
    c: {path: /c}
lake: {connection: lake, raw_bucket: raw, clean_bucket: clean}
warehouse: {connection: warehouse, schema: s}
tables:
  a: {resource: a, primary_key: [id], columns: {id: bigint, name: text}}
  b: {resource: b, primary_key: [id], columns: {id: bigint, name: text}}
  big: {resource: big, primary_key: [id], columns: {id: bigint, name: text}}
  c: {resource: c, primary_key: [id], columns: {id: bigint, name: text}}
tasks:
  clean: {kind: transform}
)";

class TransformTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-transform-task-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    Result<Pipeline> pipeline = ParsePipeline(kPipeline, "tables.yaml");
    ASSERT_TRUE(pipeline) << pipeline.error().ToString();
    pipeline_ = std::move(*pipeline);
    environment_ = std::make_unique<TaskEnvironment>(
        [this](const Pipeline&, const std::string&) { return Url::Parse("file://" + root_); },
        clock_);
    Result<lake::ObjectStore*> store = environment_->Lake(pipeline_);
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = *store;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void PutRaw(const std::string& resource, int first, int count, std::string padding = "") {
    testing::PutRawRecords(*store_, resource, first, count, padding);
  }
  void PutRawPart(const std::string& resource, const std::string& json, uint64_t records) {
    testing::PutRawPart(*store_, resource, json, records);
  }

  Result<TaskOutcome> Clean() {
    TaskRun run{
        .pipeline = pipeline_, .task = pipeline_.tasks[0], .ds = "2025-03-15", .run_id = "r1"};
    return RunTask(*environment_, run);
  }

  std::string root_;
  SystemClock clock_;
  Pipeline pipeline_;
  std::unique_ptr<TaskEnvironment> environment_;
  lake::ObjectStore* store_ = nullptr;
};

TEST_F(TransformTaskTest, EveryTableIsCleanedAndReportedInThePipelinesOrder) {
  PutRaw("a", 1, 3);
  PutRaw("b", 10, 2);
  // Past 4 MiB of raw bytes: a table that goes alone, between small ones.
  PutRaw("big", 1, 30'000, std::string(150, 'x'));
  PutRaw("c", 5, 1);
  Result<TaskOutcome> outcome = Clean();
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  ASSERT_EQ(outcome->items.size(), 4u);
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"a", 3}, {"b", 2}, {"big", 30'000}, {"c", 1}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome->items[i].item, expected[i].first);
    EXPECT_EQ(outcome->items[i].records, expected[i].second);
  }
  EXPECT_EQ(outcome->records_in, 30'006u);
  EXPECT_EQ(lake::GetString(*store_, "clean/api/b/ds=2025-03-15/part-00000.csv").value(),
            "id,name\n10,n10\n11,n11\n");
  EXPECT_TRUE(lake::GetString(*store_, "clean/api/big/ds=2025-03-15/schema.json"));
}

TEST_F(TransformTaskTest, AMalformedTableIsNamedAndTheSmallOnesBesideItFinish) {
  PutRaw("a", 1, 3);
  PutRawPart("b", R"([{"id": 1, "name": "x"}, {"id": )", 2);
  PutRaw("big", 1, 30'000, std::string(150, 'x'));
  PutRaw("c", 5, 1);
  Result<TaskOutcome> outcome = Clean();
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code(), Code::kDataLoss);
  EXPECT_NE(outcome.error().ToString().find("table b"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_NE(outcome.error().ToString().find("malformed JSON"), std::string::npos);
  // a ran beside b and is complete; the large table never started.
  EXPECT_TRUE(lake::GetString(*store_, "clean/api/a/ds=2025-03-15/schema.json"));
  EXPECT_FALSE(lake::GetString(*store_, "clean/api/big/ds=2025-03-15/schema.json"));
}

TEST_F(TransformTaskTest, AMissingRawPartitionIsNamedByItsTable) {
  PutRaw("a", 1, 3);
  PutRaw("b", 10, 2);
  PutRaw("big", 1, 10);
  Result<TaskOutcome> outcome = Clean();
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code(), Code::kNotFound);
  EXPECT_NE(outcome.error().ToString().find("table c"), std::string::npos)
      << outcome.error().ToString();
}

}  // namespace
}  // namespace sluice::operators
