// LoadTable against a real PostgreSQL: idempotent upserts, exact values,
// and failures that leave the target exactly as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "warehouse/pg_fixture.h"
#include "warehouse/test_tables.h"

namespace sluice::warehouse::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Rows = std::vector<std::vector<std::string>>;

constexpr char kHeader[] = "id,name,amount,happened,flag,day,price,payload\n";

class LoadTest : public PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table_, 1)));
  }

  std::string Partition(std::string_view ds, const std::vector<std::string>& parts, int64_t rows) {
    auto key = WriteCleanPartition(*lake_, table_, ds, parts, rows);
    EXPECT_TRUE(key) << key.error().ToString();
    return key ? *key : std::string();
  }

  Result<LoadReport> Load(const std::string& manifest_key, const std::string& run_id) {
    return warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                             .schema = schema_,
                                             .table = table_,
                                             .manifest_key = manifest_key,
                                             .part_keys = {},
                                             .run_id = run_id,
                                             .manifest_text = std::nullopt});
  }

  Rows Snap() { return Snapshot(table_.name); }
  // "SELECT ... FROM {}" with this test's schema-qualified events table.
  Result<Rows> QueryEvents(std::string_view select) {
    return warehouse_->Query(fmt::format(fmt::runtime(select), schema_ + ".events"));
  }

  // Loads ids 1..3 and returns the table's rows afterwards.
  Rows LoadBaseline() {
    std::string key = Partition("2025-03-15",
                                {std::string(kHeader) + "1,one,1.5,,true,,,\n2,two,2.5,,,,,\n",
                                 std::string(kHeader) + "3,three,3.5,,,,,\n"},
                                3);
    auto report = Load(key, "run-1");
    EXPECT_TRUE(report) << report.error().ToString();
    return Snap();
  }

  TableSpec table_ = EventsTable();
};

TEST_F(LoadTest, LoadsEveryTypeExactly) {
  std::string csv = std::string(kHeader) +
                    "1,\"comma, \"\"quote\"\"\nnewline\",-37.3159,2025-03-15 10:30:00.123456+00,"
                    "true,2025-03-15,12345678901234567890.000000001,\"{\"\"a\"\": [1, {\"\"b\"\": "
                    "null}]}\"\n"
                    "2,\"\",0,,false,,,\n"
                    "3,,,,,,,\n";
  auto report = Load(Partition("2025-03-15", {csv}, 3), "run-1");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->table, schema_ + ".events");
  EXPECT_EQ(report->parts, 1u);
  EXPECT_EQ(report->rows_copied, 3);
  EXPECT_EQ(report->rows_inserted, 3);
  EXPECT_EQ(report->bytes, csv.size());

  auto rows = QueryEvents(
      "SELECT id, name, amount, happened, flag, day, price, payload, name IS NULL, _run_id, "
      "_loaded_at IS NOT NULL FROM {} ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(
      *rows,
      (Rows{{"1", "comma, \"quote\"\nnewline", "-37.3159", "2025-03-15 10:30:00.123456", "t",
             "2025-03-15", "12345678901234567890.000000001", "{\"a\": [1, {\"b\": null}]}", "f",
             "run-1", "t"},
            {"2", "", "0", "NULL", "f", "NULL", "NULL", "NULL", "f", "run-1", "t"},
            {"3", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "t", "run-1", "t"}}));
}

// An empty table takes the COPY itself, its bookkeeping columns filled by their
// defaults; one without those defaults (a user's own change) goes through
// staging and the merge fills them. Both give the same rows.
TEST_F(LoadTest, FirstLoadIsTheSameWithAndWithoutTheDefaults) {
  std::string key =
      Partition("2025-03-15", {std::string(kHeader) + "1,one,,,,,,\n2,two,,,,,,\n"}, 2);
  auto straight = Load(key, "run-1");
  ASSERT_TRUE(straight) << straight.error().ToString();
  EXPECT_EQ(straight->rows_inserted, 2);
  auto rows = QueryEvents(
      "SELECT id, name, _run_id, _loaded_at > now() - interval '1 hour' "
      "FROM {} ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().ToString();
  const Rows expected = {{"1", "one", "run-1", "t"}, {"2", "two", "run-1", "t"}};
  EXPECT_EQ(*rows, expected);
  // The setting lives only as long as the load's transaction.
  auto setting = warehouse_->Query("SELECT coalesce(current_setting('sluice.run_id', true), '')");
  ASSERT_TRUE(setting) << setting.error().ToString();
  EXPECT_EQ(*setting, (Rows{{""}}));

  ASSERT_TRUE(warehouse_->Execute(
      fmt::format("TRUNCATE {0}; ALTER TABLE {0} ALTER COLUMN _run_id DROP DEFAULT, "
                  "ALTER COLUMN _loaded_at DROP DEFAULT",
                  schema_ + ".events")));
  auto staged = Load(key, "run-1");
  ASSERT_TRUE(staged) << staged.error().ToString();
  EXPECT_EQ(staged->rows_inserted, 2);
  rows = QueryEvents(
      "SELECT id, name, _run_id, _loaded_at > now() - interval '1 hour' "
      "FROM {} ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, expected);
}

TEST_F(LoadTest, ReloadingTheSameDataChangesNothing) {
  std::string csv =
      std::string(kHeader) + "1,one,1.5,2025-03-15 00:00:00+00,true,,1.10,[1]\n" + "2,two,,,,,,\n";
  std::string key = Partition("2025-03-15", {csv}, 2);
  auto first = Load(key, "run-1");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->rows_inserted, 2);
  Rows before = Snap();
  ASSERT_EQ(before.size(), 2u);

  auto second = Load(key, "run-2");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(second->rows_copied, 2);
  EXPECT_EQ(second->rows_inserted, 0);
  EXPECT_EQ(second->rows_updated, 0);
  EXPECT_EQ(second->rows_unchanged, 2);
  // Every value, _run_id and _loaded_at included, is as it was.
  EXPECT_EQ(Snap(), before);
  EXPECT_THAT(before[0][0], HasSubstr("\"_run_id\": \"run-1\""));
}

TEST_F(LoadTest, SecondDayUpsertsOverlappingKeysWithoutDuplicates) {
  Rows day_one = LoadBaseline();
  ASSERT_EQ(day_one.size(), 3u);
  // id 2 changes, id 3 is the same, id 4 is new.
  std::string key = Partition(
      "2025-03-16",
      {std::string(kHeader) + "2,TWO,2.5,,,,,\n3,three,3.5,,,,,\n" + "4,four,4.5,,,,,\n"}, 3);
  auto report = Load(key, "run-2");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->rows_copied, 3);
  EXPECT_EQ(report->rows_inserted, 1);
  EXPECT_EQ(report->rows_updated, 1);
  EXPECT_EQ(report->rows_unchanged, 1);

  auto rows = QueryEvents("SELECT id, name, _run_id FROM {} ORDER BY id");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"1", "one", "run-1"},
                         {"2", "TWO", "run-2"},
                         {"3", "three", "run-1"},
                         {"4", "four", "run-2"}}));
  Rows after = Snap();
  EXPECT_EQ(after[0], day_one[0]);
  EXPECT_EQ(after[2], day_one[2]);
}

TEST_F(LoadTest, PartKeysWithoutManifestLoadTheirHeaderColumns) {
  std::string key = PartitionPrefix(table_.name, "2025-03-17") + "part-00000.csv";
  ASSERT_TRUE(lake::PutString(*lake_, key, "name,id\nalpha,7\nbeta,8"));  // no final newline
  auto report = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                                  .schema = schema_,
                                                  .table = table_,
                                                  .manifest_key = "",
                                                  .part_keys = {key, key},
                                                  .run_id = "run-x",
                                                  .manifest_text = std::nullopt});
  // The same part twice: each new key comes twice.
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(report.error().message(), HasSubstr("23505"));
  EXPECT_THAT(report.error().hint(), HasSubstr("primary key"));

  report = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                             .schema = schema_,
                                             .table = table_,
                                             .manifest_key = "",
                                             .part_keys = {key},
                                             .run_id = "run-x",
                                             .manifest_text = std::nullopt});
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->rows_inserted, 2);
  auto rows = QueryEvents("SELECT id, name, amount FROM {} ORDER BY id");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, (Rows{{"7", "alpha", "NULL"}, {"8", "beta", "NULL"}}));
}

TEST_F(LoadTest, BadValueFailsNamingPartRowAndColumnAndChangesNothing) {
  Rows before = LoadBaseline();
  std::string key = Partition("2025-03-16",
                              {std::string(kHeader) + "1,ONE,9,,,,,\n",
                               std::string(kHeader) + "5,five,,,,,,\n6,six,,,,,,\nabc,bad,,,,,,\n"},
                              4);
  auto report = Load(key, "run-2");
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(report.error().ToString(),
              AllOf(HasSubstr("load " + schema_ + ".events"),
                    HasSubstr("clean/src/events/ds=2025-03-16/part-00001.csv row 3"),
                    HasSubstr("column id"), HasSubstr("invalid input syntax for type bigint"),
                    HasSubstr("SQLSTATE 22P02"), Not(HasSubstr("\n"))));
  EXPECT_EQ(Snap(), before);
  // The connection is usable and the staging table gone.
  auto staging = warehouse_->Query("SELECT to_regclass('pg_temp._sluice_staging') IS NULL");
  ASSERT_TRUE(staging) << staging.error().ToString();
  EXPECT_EQ(*staging, (Rows{{"t"}}));
}

TEST_F(LoadTest, BrokenPartitionsFailAndChangeNothing) {
  Rows before = LoadBaseline();
  std::string prefix = PartitionPrefix(table_.name, "2025-03-18");
  std::string good = prefix + "part-00000.csv";
  std::string row = "2,changed,,,,,,\n";
  ASSERT_TRUE(lake::PutString(*lake_, good, std::string(kHeader) + row));
  struct Case {
    const char* name;
    std::string part;      // written to part-00001.csv ("" = not written)
    std::string manifest;  // schema.json text
    Code code;
    const char* want;
  } cases[] = {
      {"missing part", "", ManifestJson(table_, "d", {good, prefix + "part-00001.csv"}, 2),
       Code::kNotFound, "part-00001.csv"},
      {"row count", std::string(kHeader) + "9,nine,,,,,,\n",
       ManifestJson(table_, "d", {good, prefix + "part-00001.csv"}, 5), Code::kDataLoss,
       "lists 5 rows but its parts hold 2"},
      {"truncated quote", std::string(kHeader) + "9,\"nine,,,,,,\n",
       ManifestJson(table_, "d", {good, prefix + "part-00001.csv"}, 2), Code::kDataLoss,
       "ends inside a quoted field"},
      {"other header", "id,name\n9,nine\n",
       ManifestJson(table_, "d", {good, prefix + "part-00001.csv"}, 2), Code::kDataLoss,
       "header row is 'id,name'"},
      {"empty part", "-", ManifestJson(table_, "d", {good, prefix + "part-00001.csv"}, 2),
       Code::kDataLoss, "expected a CSV header row"},
      {"other table", "", ManifestJson(BigTable("events_x"), "d", {good}, 1),
       Code::kFailedPrecondition, "describes table events_x"},
      {"not json", "", "{\"table\": ", Code::kDataLoss, "not a JSON object"},
      {"field missing", "", "{\"table\": \"events\"}", Code::kDataLoss, "schema.json"},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string part_key = prefix + "part-00001.csv";
    ASSERT_TRUE(lake_->Delete(part_key));
    if (c.part == "-") {
      ASSERT_TRUE(lake::PutString(*lake_, part_key, ""));
    } else if (!c.part.empty()) {
      ASSERT_TRUE(lake::PutString(*lake_, part_key, c.part));
    }
    ASSERT_TRUE(lake::PutString(*lake_, prefix + "schema.json", c.manifest));
    auto report = Load(prefix + "schema.json", "run-bad");
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code(), c.code) << report.error().ToString();
    EXPECT_THAT(report.error().ToString(), AllOf(HasSubstr(c.want), Not(HasSubstr("\n"))));
    EXPECT_EQ(Snap(), before);
  }
}

TEST_F(LoadTest, CleanDataThatDoesNotFitTheDeclarationIsRefused) {
  Rows before = LoadBaseline();
  std::string prefix = PartitionPrefix(table_.name, "2025-03-19");
  std::string part = prefix + "part-00000.csv";
  TableSpec with_extra = EventsTable();
  with_extra.columns.push_back(with_extra.columns[1]);
  with_extra.columns.back().name = "extra";
  TableSpec retyped = EventsTable();
  retyped.columns[1].type = ColumnType::kBigint;
  TableSpec rekeyed = EventsTable();
  rekeyed.primary_key = {"name"};
  struct Case {
    const char* name;
    const TableSpec& written;
    const char* want;
  } cases[] = {
      {"undeclared column", with_extra, "column extra, not declared for table events"},
      {"other type", retyped, "types column name as bigint, the pipeline declares text"},
      {"other key", rekeyed, "primary key (name) is not the declared one (id)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(lake::PutString(*lake_, part, "id\n1\n"));
    ASSERT_TRUE(
        lake::PutString(*lake_, prefix + "schema.json", ManifestJson(c.written, "d", {part}, 1)));
    auto report = Load(prefix + "schema.json", "run-bad");
    ASSERT_FALSE(report);
    EXPECT_EQ(report.error().code(), Code::kFailedPrecondition);
    EXPECT_THAT(report.error().ToString(), HasSubstr(c.want));
  }
  EXPECT_EQ(Snap(), before);
}

TEST_F(LoadTest, LoadIntoAMissingTableSaysToCreateIt) {
  TableSpec missing = BigTable("never_created");
  auto key = WriteCleanPartition(*lake_, missing, "2025-03-15", {"id,name,amount\n1,a,1\n"}, 1);
  ASSERT_TRUE(key);
  auto report = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                                  .schema = schema_,
                                                  .table = missing,
                                                  .manifest_key = *key,
                                                  .part_keys = {},
                                                  .run_id = "r",
                                                  .manifest_text = std::nullopt});
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kNotFound);
  EXPECT_THAT(report.error().ToString(), AllOf(HasSubstr(schema_ + ".never_created"),
                                               HasSubstr("42P01"), HasSubstr("create_tables")));
}

TEST_F(LoadTest, EmptyPartitionLoadsNothing) {
  Rows before = LoadBaseline();
  auto report = Load(Partition("2025-03-20", {}, 0), "run-3");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->rows_copied, 0);
  EXPECT_EQ(report->rows_inserted, 0);
  auto header_only = Load(Partition("2025-03-21", {kHeader}, 0), "run-3");
  ASSERT_TRUE(header_only) << header_only.error().ToString();
  EXPECT_EQ(header_only->rows_copied, 0);
  EXPECT_EQ(Snap(), before);
}

TEST_F(LoadTest, ManyPartsAndChunksStreamInOrder) {
  // Rows cross the 1 MiB chunk boundary and quoted newlines span chunks.
  std::vector<std::string> parts;
  int64_t id = 0;
  for (int part = 0; part < 3; ++part) {
    std::string csv = kHeader;
    while (csv.size() < (3u << 19)) {
      ++id;
      csv += fmt::format("{},\"line one\nline, two {}\",{},,,,,\n", id, id, id);
    }
    parts.push_back(std::move(csv));
  }
  auto report = Load(Partition("2025-03-22", parts, id), "run-big");
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->rows_copied, id);
  EXPECT_EQ(report->rows_inserted, id);
  auto rows =
      QueryEvents("SELECT count(*), sum(amount)::bigint, min(name), count(DISTINCT name) FROM {}");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, (Rows{{std::to_string(id), std::to_string(id * (id + 1) / 2),
                          "line one\nline, two 1", std::to_string(id)}}));
}

TEST_F(LoadTest, CompositeAndKeyOnlyTablesMerge) {
  TableSpec pairs = BigTable("pairs");
  pairs.primary_key = {"name", "id"};
  TableSpec tags = BigTable("tags");
  tags.columns.pop_back();
  tags.primary_key = {"id", "name"};  // every column in the key
  const TableSpec tables[] = {pairs, tags};
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
  for (const TableSpec* table : {&pairs, &tags}) {
    SCOPED_TRACE(table->name);
    bool has_amount = table->columns.size() == 3;
    std::string header = has_amount ? "id,name,amount\n" : "id,name\n";
    std::string day1 = header + (has_amount ? "1,a,1\n1,b,2\n" : "1,a\n1,b\n");
    std::string day2 = header + (has_amount ? "1,b,3\n2,a,4\n" : "1,b\n2,a\n");
    auto key1 = WriteCleanPartition(*lake_, *table, "2025-03-15", {day1}, 2);
    auto key2 = WriteCleanPartition(*lake_, *table, "2025-03-16", {day2}, 2);
    ASSERT_TRUE(key1 && key2);
    auto load = [&](const std::string& key) {
      return warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                               .schema = schema_,
                                               .table = *table,
                                               .manifest_key = key,
                                               .part_keys = {},
                                               .run_id = "r",
                                               .manifest_text = std::nullopt});
    };
    auto first = load(*key1);
    ASSERT_TRUE(first) << first.error().ToString();
    EXPECT_EQ(first->rows_inserted, 2);
    auto second = load(*key2);
    ASSERT_TRUE(second) << second.error().ToString();
    EXPECT_EQ(second->rows_inserted, 1);
    EXPECT_EQ(second->rows_updated, has_amount ? 1 : 0);
    EXPECT_EQ(second->rows_unchanged, has_amount ? 0 : 1);
    auto count = warehouse_->CountRows(schema_, table->name);
    ASSERT_TRUE(count);
    EXPECT_EQ(*count, 3);
  }
}

TEST_F(LoadTest, ConcurrentLoadsOfOverlappingDaysBothCommitWithoutDuplicates) {
  std::string day1 = kHeader, day2 = kHeader;
  for (int id = 1; id <= 2000; ++id) day1 += fmt::format("{},first,,,,,,\n", id);
  for (int id = 1001; id <= 3000; ++id) day2 += fmt::format("{},second,,,,,,\n", id);
  std::string key1 = Partition("2025-03-15", {day1}, 2000);
  std::string key2 = Partition("2025-03-16", {day2}, 2000);
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  Result<LoadReport> first = LoadReport{};
  std::thread thread([&] {
    first = other->LoadTable(LoadRequest{.store = *lake_,
                                         .schema = schema_,
                                         .table = table_,
                                         .manifest_key = key1,
                                         .part_keys = {},
                                         .run_id = "one",
                                         .manifest_text = std::nullopt});
  });
  auto second = Load(key2, "two");
  thread.join();
  ASSERT_TRUE(first) << first.error().ToString();
  ASSERT_TRUE(second) << second.error().ToString();
  // Whichever merged last owns the overlap; every key is there once.
  EXPECT_EQ(first->rows_inserted + second->rows_inserted, 3000);
  auto rows = QueryEvents("SELECT count(*), count(DISTINCT id), min(id), max(id) FROM {}");
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"3000", "3000", "1", "3000"}}));
}

TEST_F(LoadTest, HostileIdentifiersAreQuotedThroughTheWholeLoad) {
  const std::string schema = schema_ + " we\"ird sch ema";
  DropAfterTest(schema);
  TableSpec table = BigTable("ta\"ble; DROP TABLE x");
  table.columns[1].name = "na\"me, col";
  ASSERT_TRUE(warehouse_->EnsureTables(schema, std::span(&table, 1)));
  std::string csv = "id,\"na\"\"me, col\",amount\n1,a,1\n2,b,2\n";
  auto key = WriteCleanPartition(*lake_, table, "2025-03-15", {csv}, 2);
  ASSERT_TRUE(key) << key.error().ToString();
  for (int round = 0; round < 2; ++round) {
    auto report = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                                    .schema = schema,
                                                    .table = table,
                                                    .manifest_key = *key,
                                                    .part_keys = {},
                                                    .run_id = "r",
                                                    .manifest_text = std::nullopt});
    ASSERT_TRUE(report) << report.error().ToString();
    EXPECT_EQ(report->rows_inserted, round == 0 ? 2 : 0);
    EXPECT_EQ(report->table, schema + "." + table.name);
  }
  auto count = warehouse_->CountRows(schema, table.name);
  ASSERT_TRUE(count) << count.error().ToString();
  EXPECT_EQ(*count, 2);
}

}  // namespace
}  // namespace sluice::warehouse::testing
