// The pure parts of a load: CSV header rows and schema.json, no server needed.
#include "warehouse/load_plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/pg_copy.h"
#include "warehouse/test_tables.h"

namespace sluice::warehouse::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseCsvHeader, SplitsQuotedAndPlainFields) {
  struct Case {
    const char* name;
    const char* line;
    std::vector<std::string> want;
  } cases[] = {
      {"plain", "id,name,amount", {"id", "name", "amount"}},
      {"crlf", "id,name\r", {"id", "name"}},
      {"quoted", "\"id\",\"a,b\",\"say \"\"hi\"\"\"", {"id", "a,b", "say \"hi\""}},
      {"empty fields", ",x,", {"", "x", ""}},
      {"one", "id", {"id"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto header = ParseCsvHeader(c.line);
    ASSERT_TRUE(header) << header.error().ToString();
    EXPECT_EQ(*header, c.want);
  }
  EXPECT_FALSE(ParseCsvHeader("id,\"open"));
}

TEST(ParseCleanManifest, ReadsColumnsPartsAndRows) {
  TableSpec table = EventsTable();
  std::string json = ManifestJson(table, "2025-03-15", {"clean/a/part-00000.csv"}, 7);
  auto plan = ParseCleanManifest(json, "clean/a/schema.json", table);
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_EQ(plan->columns.size(), table.columns.size());
  EXPECT_EQ(plan->columns[2], "amount");
  EXPECT_THAT(plan->part_keys, ElementsAre("clean/a/part-00000.csv"));
  EXPECT_EQ(plan->expected_rows, 7);
}

TEST(ParseCleanManifest, AcceptsPostgresTypeSpellings) {
  TableSpec table = BigTable();
  std::string json = R"({"table": "big", "columns": [{"name": "id", "type": "bigint"},
      {"name": "amount", "type": "double precision"}], "primary_key": ["id"], "parts": []})";
  auto plan = ParseCleanManifest(json, "k", table);
  ASSERT_TRUE(plan) << plan.error().ToString();
  EXPECT_THAT(plan->columns, ElementsAre("id", "amount"));
  EXPECT_FALSE(plan->expected_rows.has_value());
}

TEST(ParseCleanManifest, RefusesWhatDoesNotFit) {
  TableSpec table = BigTable();
  struct Case {
    const char* name;
    const char* json;
    Code code;
    const char* want;
  } cases[] = {
      {"not json", "[", Code::kDataLoss, "k: not a JSON object"},
      {"array", "[]", Code::kDataLoss, "not a JSON object"},
      {"no columns", R"({"table": "big", "parts": []})", Code::kDataLoss, "columns"},
      {"parts not strings", R"({"table": "big", "columns": [{"name": "id", "type": "bigint"}],
         "parts": [1]})",
       Code::kDataLoss, "type must be string"},
      {"unknown type", R"({"table": "big", "columns": [{"name": "id", "type": "int128"}],
         "parts": []})",
       Code::kFailedPrecondition, "types column id as int128"},
      {"key missing", R"({"table": "big", "columns": [{"name": "name", "type": "text"}],
         "parts": []})",
       Code::kFailedPrecondition, "lacks primary key column id"},
      {"twice", R"({"table": "big", "columns": [{"name": "id", "type": "bigint"},
         {"name": "id", "type": "bigint"}], "parts": []})",
       Code::kDataLoss, "column id twice"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto plan = ParseCleanManifest(c.json, "k", table);
    ASSERT_FALSE(plan);
    EXPECT_EQ(plan.error().code(), c.code) << plan.error().ToString();
    EXPECT_THAT(plan.error().ToString(), HasSubstr(c.want));
  }
}

TEST(PostgresTypeName, SpellsEveryTypeAsPostgresDoes) {
  EXPECT_EQ(PostgresTypeName(ColumnType::kDouble), "double precision");
  EXPECT_EQ(PostgresTypeName(ColumnType::kTimestamp), "timestamp");
  EXPECT_EQ(PostgresTypeName(ColumnType::kJsonb), "jsonb");
}

}  // namespace
}  // namespace sluice::warehouse::testing
