// The load task against a real PostgreSQL: every table of a run loaded on up
// to two connections, reported in the pipeline's order, and a failing table
// named with no table half loaded.
#include <gtest/gtest.h>

#include "operators/operators.h"
#include "operators/raw_parts.h"
#include "warehouse/pg_fixture.h"

namespace sluice::operators {
namespace {

constexpr std::string_view kPipeline = R"(
dag_id: loads
source:
  name: api
  connection: api
  resources:
    a: {{path: /a}}
    b: {{path: /b}}
    big: {{path: /big}}
    c: {{path: /c}}
lake: {{connection: lake, raw_bucket: raw, clean_bucket: clean}}
warehouse: {{connection: warehouse, schema: {schema}}}
tables:
  a: {{resource: a, primary_key: [id], columns: {{id: bigint, name: text}}}}
  b: {{resource: b, primary_key: [id], columns: {{id: bigint, name: text}}}}
  big: {{resource: big, primary_key: [id], columns: {{id: bigint, name: text}}}}
  c: {{resource: c, primary_key: [id], columns: {{id: bigint, name: text}}}}
tasks:
  clean: {{kind: transform}}
  create: {{kind: create_tables, upstream: [clean]}}
  load: {{kind: postgres_load, upstream: [create]}}
)";

class LoadTaskTest : public warehouse::testing::PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    Result<Pipeline> pipeline =
        ParsePipeline(fmt::format(kPipeline, fmt::arg("schema", schema_)), "loads.yaml");
    ASSERT_TRUE(pipeline) << pipeline.error().ToString();
    pipeline_ = std::move(*pipeline);
    environment_ = std::make_unique<TaskEnvironment>(
        [this](const Pipeline&, const std::string& connection) {
          return Url::Parse(connection == "warehouse" ? url_ : "file://" + lake_root_.string());
        },
        clock_);
  }

  Result<TaskOutcome> Run(const std::string& task_id) {
    const TaskSpec* task = nullptr;
    for (const TaskSpec& candidate : pipeline_.tasks) {
      if (candidate.id == task_id) task = &candidate;
    }
    EXPECT_NE(task, nullptr) << task_id;
    TaskRun run{
        .pipeline = pipeline_, .task = *task, .ds = testing::kRawDs, .run_id = testing::kRawRunId};
    return RunTask(*environment_, run);
  }

  // Raw parts cleaned and the tables created: what the load starts from.
  void Prepare() {
    for (const auto& [resource, count] :
         {std::pair<std::string, int>{"a", 3}, {"b", 20}, {"big", 50'000}, {"c", 1}}) {
      testing::PutRawRecords(*lake_, resource, 1, count);
    }
    for (const char* task : {"clean", "create"}) {
      Result<TaskOutcome> outcome = Run(task);
      ASSERT_TRUE(outcome) << task << ": " << outcome.error().ToString();
    }
  }

  int64_t Rows(const std::string& table) {
    Result<int64_t> rows = warehouse_->CountRows(schema_, table);
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows.value_or(-1);
  }

  SystemClock clock_;
  Pipeline pipeline_;
  std::unique_ptr<TaskEnvironment> environment_;
};

TEST_F(LoadTaskTest, EveryTableIsLoadedAndReportedInThePipelinesOrder) {
  Prepare();
  Result<TaskOutcome> outcome = Run("load");
  ASSERT_TRUE(outcome) << outcome.error().ToString();
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"a", 3}, {"b", 20}, {"big", 50'000}, {"c", 1}};
  ASSERT_EQ(outcome->items.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcome->items[i].item, expected[i].first);
    EXPECT_EQ(outcome->items[i].records, expected[i].second);
    EXPECT_EQ(Rows(expected[i].first), static_cast<int64_t>(expected[i].second));
  }
  EXPECT_EQ(outcome->records_in, 50'024u);
  EXPECT_EQ(outcome->items[2].detail, "inserted 50000, updated 0, unchanged 0");

  // Loaded again, every row is unchanged.
  Result<TaskOutcome> again = Run("load");
  ASSERT_TRUE(again) << again.error().ToString();
  EXPECT_EQ(again->items[2].detail, "inserted 0, updated 0, unchanged 50000");
  EXPECT_EQ(Rows("big"), 50'000);
}

TEST_F(LoadTaskTest, AFailingTableIsNamedAndNoTableIsHalfLoaded) {
  Prepare();
  // b's clean part now says less than its schema.json counts.
  ASSERT_TRUE(
      lake::PutString(*lake_, "clean/api/b/ds=2025-03-15/part-00000.csv", "id,name\n1,n1\n"));
  Result<TaskOutcome> outcome = Run("load");
  ASSERT_FALSE(outcome);
  EXPECT_NE(outcome.error().ToString().find("table b"), std::string::npos)
      << outcome.error().ToString();
  EXPECT_EQ(Rows("b"), 0);
  // Each table is its own transaction: loaded whole, or not at all.
  for (const auto& [table, count] :
       {std::pair<std::string, int64_t>{"a", 3}, {"big", 50'000}, {"c", 1}}) {
    const int64_t rows = Rows(table);
    EXPECT_TRUE(rows == 0 || rows == count) << table << ": " << rows;
  }
  // The largest go first: big and b start at once, one on each connection;
  // after b fails, the smaller a and c never start.
  EXPECT_EQ(Rows("a"), 0);
  EXPECT_EQ(Rows("c"), 0);
}

}  // namespace
}  // namespace sluice::operators
