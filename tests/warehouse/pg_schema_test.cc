// EnsureTables against a real PostgreSQL: create, extend, refuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "warehouse/pg_fixture.h"
#include "warehouse/test_tables.h"

namespace sluice::warehouse::testing {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

class EnsureTablesTest : public PgFixture {
 protected:
  Rows Columns(const std::string& schema, const std::string& table) {
    const std::string names[] = {schema, table};
    auto rows = warehouse_->Query(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
        names);
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : Rows{};
  }
  Rows PrimaryKey(const std::string& schema, const std::string& table) {
    const std::string names[] = {schema, table};
    auto rows = warehouse_->Query(
        "SELECT k.column_name FROM information_schema.table_constraints c "
        "JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name) "
        "WHERE c.table_schema = $1 AND c.table_name = $2 AND c.constraint_type = 'PRIMARY KEY' "
        "ORDER BY k.ordinal_position",
        names);
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : Rows{};
  }
};

TEST_F(EnsureTablesTest, CreatesSchemaAndTypedTablesWithKey) {
  std::vector<TableSpec> tables = {EventsTable(), BigTable()};
  const std::string schema = schema_ + "_new";
  DropAfterTest(schema);
  ASSERT_TRUE(warehouse_->EnsureTables(schema, tables));
  EXPECT_EQ(Columns(schema, "events"), (Rows{{"id", "bigint"},
                                             {"name", "text"},
                                             {"amount", "double precision"},
                                             {"happened", "timestamp without time zone"},
                                             {"flag", "boolean"},
                                             {"day", "date"},
                                             {"price", "numeric"},
                                             {"payload", "jsonb"},
                                             {"_run_id", "text"},
                                             {"_loaded_at", "timestamp with time zone"}}));
  EXPECT_EQ(PrimaryKey(schema, "events"), (Rows{{"id"}}));
  EXPECT_EQ(Columns(schema, "big").size(), 5u);
  // Idempotent: a second call changes nothing and fails on nothing.
  ASSERT_TRUE(warehouse_->EnsureTables(schema, tables));
  EXPECT_EQ(Columns(schema, "events").size(), 10u);
}

// Tables made before the defaults existed get them; a default of the user's own stays.
TEST_F(EnsureTablesTest, SetsTheBookkeepingDefaultsAndKeepsAUsersOwn) {
  const TableSpec tables[] = {EventsTable()};
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
  const std::string table = schema_ + ".events";
  ASSERT_TRUE(warehouse_->Execute(fmt::format(
      "ALTER TABLE {0} ALTER COLUMN _run_id DROP DEFAULT, ALTER COLUMN _loaded_at SET DEFAULT "
      "'2001-02-03 04:05:06+00'",
      table)));
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
  const std::string names[] = {schema_, "events"};
  auto defaults = warehouse_->Query(
      "SELECT column_name, column_default FROM information_schema.columns "
      "WHERE table_schema = $1 AND table_name = $2 AND column_name LIKE '\\_%' "
      "ORDER BY column_name",
      names);
  ASSERT_TRUE(defaults) << defaults.error().ToString();
  EXPECT_EQ(*defaults, (Rows{{"_loaded_at", "'2001-02-03 04:05:06+00'::timestamp with time zone"},
                             {"_run_id", "current_setting('sluice.run_id'::text, true)"}}));
}

TEST_F(EnsureTablesTest, CompositePrimaryKeyKeepsDeclaredOrder) {
  TableSpec table = BigTable("pairs");
  table.primary_key = {"name", "id"};
  const TableSpec tables[] = {table};
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
  EXPECT_EQ(PrimaryKey(schema_, "pairs"), (Rows{{"name"}, {"id"}}));
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
}

TEST_F(EnsureTablesTest, AddsDeclaredColumnAndKeepsData) {
  TableSpec table = BigTable();
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table, 1)));
  ASSERT_TRUE(warehouse_->Execute(
      fmt::format("INSERT INTO {}.big (id, name, amount) VALUES (1, 'a', 1.5)", schema_)));
  ColumnSpec added;
  added.name = "note";
  added.type = ColumnType::kText;
  table.columns.push_back(added);
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table, 1)));
  EXPECT_EQ(Columns(schema_, "big").back(), (std::vector<std::string>{"note", "text"}));
  auto rows = warehouse_->Query(fmt::format("SELECT id, name, amount, note FROM {}.big", schema_));
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"1", "a", "1.5", "NULL"}}));
}

TEST_F(EnsureTablesTest, RefusesTypeChangeWithClearMessage) {
  TableSpec table = BigTable();
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table, 1)));
  ASSERT_TRUE(
      warehouse_->Execute(fmt::format("INSERT INTO {}.big (id, name) VALUES (1, 'a')", schema_)));
  table.columns[1].type = ColumnType::kBigint;  // name: text -> bigint
  ColumnSpec added;
  added.name = "note";
  table.columns.push_back(added);
  Status status = warehouse_->EnsureTables(schema_, std::span(&table, 1));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Code::kFailedPrecondition);
  EXPECT_THAT(status.error().message(),
              AllOf(HasSubstr(schema_ + ".big"), HasSubstr("column name"),
                    HasSubstr("existing type text"), HasSubstr("declared type bigint")));
  EXPECT_THAT(status.error().hint(), HasSubstr("ALTER TABLE"));
  EXPECT_EQ(status.error().ToString().find('\n'), std::string::npos);
  // Nothing changed: the refused call added no column either.
  EXPECT_EQ(Columns(schema_, "big").size(), 5u);
  auto count = warehouse_->CountRows(schema_, "big");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 1);
}

TEST_F(EnsureTablesTest, RefusesPrimaryKeyChange) {
  TableSpec table = BigTable();
  ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table, 1)));
  table.primary_key = {"name"};
  Status status = warehouse_->EnsureTables(schema_, std::span(&table, 1));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Code::kFailedPrecondition);
  EXPECT_THAT(status.error().message(), HasSubstr("primary key is (id), declared (name)"));
}

TEST_F(EnsureTablesTest, RefusesAViewInTheWay) {
  ASSERT_TRUE(warehouse_->Execute(fmt::format("CREATE VIEW {}.big AS SELECT 1 AS id", schema_)));
  TableSpec table = BigTable();
  Status status = warehouse_->EnsureTables(schema_, std::span(&table, 1));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), Code::kFailedPrecondition);
  EXPECT_THAT(status.error().message(), HasSubstr("not a table"));
}

TEST_F(EnsureTablesTest, RejectsTablesPostgresCannotHold) {
  struct Case {
    const char* name;
    void (*edit)(TableSpec&);
    const char* want;
  } cases[] = {
      {"no key", [](TableSpec& t) { t.primary_key.clear(); }, "primary key"},
      {"key not declared", [](TableSpec& t) { t.primary_key = {"nope"}; }, "not declared"},
      {"reserved column", [](TableSpec& t) { t.columns[1].name = "_run_id"; }, "reserved"},
      {"duplicate column", [](TableSpec& t) { t.columns[2].name = "name"; }, "twice"},
      {"long column", [](TableSpec& t) { t.columns[2].name = std::string(64, 'c'); }, "63 bytes"},
      {"empty table name", [](TableSpec& t) { t.name.clear(); }, "table name"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TableSpec table = BigTable();
    c.edit(table);
    Status status = warehouse_->EnsureTables(schema_, std::span(&table, 1));
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code(), Code::kInvalidArgument);
    EXPECT_THAT(status.error().message(), HasSubstr(c.want));
  }
  auto tables = warehouse_->Query(
      fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = '{}'", schema_));
  ASSERT_TRUE(tables);
  EXPECT_EQ(*tables, (Rows{{"0"}}));  // refused before any statement ran
}

TEST_F(EnsureTablesTest, HostileIdentifiersAreQuoted) {
  const std::string schema = schema_ + " we\"ird sch ema";
  DropAfterTest(schema);
  TableSpec table = BigTable("ta\"ble; DROP TABLE x");
  table.columns[1].name = "na\"me col";
  ASSERT_TRUE(warehouse_->EnsureTables(schema, std::span(&table, 1)));
  ASSERT_TRUE(warehouse_->EnsureTables(schema, std::span(&table, 1)));
  EXPECT_EQ(Columns(schema, table.name)[1], (std::vector<std::string>{"na\"me col", "text"}));
  auto count = warehouse_->CountRows(schema, table.name);
  ASSERT_TRUE(count) << count.error().ToString();
  EXPECT_EQ(*count, 0);
}

TEST_F(EnsureTablesTest, ConcurrentCallsFromTwoConnectionsBothSucceed) {
  std::vector<TableSpec> tables = {EventsTable(), BigTable()};
  auto other = Connect();
  ASSERT_NE(other, nullptr);
  Status first, second;
  std::thread thread([&] { first = other->EnsureTables(schema_, tables); });
  second = warehouse_->EnsureTables(schema_, tables);
  thread.join();
  EXPECT_TRUE(first) << first.error().ToString();
  EXPECT_TRUE(second) << second.error().ToString();
  EXPECT_THAT(PrimaryKey(schema_, "events"), ElementsAre(ElementsAre("id")));
}

}  // namespace
}  // namespace sluice::warehouse::testing
