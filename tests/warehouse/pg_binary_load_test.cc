// A table of bigint, text, double precision and boolean columns loads
// through COPY's binary format (warehouse/pg_binary.h); one with another
// column type loads as CSV. Against a real PostgreSQL, both paths must give
// the same values, the same NULLs and the same failures for the same CSV.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "warehouse/pg_fixture.h"
#include "warehouse/test_tables.h"

namespace sluice::warehouse::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Rows = std::vector<std::vector<std::string>>;

ColumnSpec Column(std::string name, ColumnType type) {
  ColumnSpec column;
  column.name = name;
  column.source_field = std::move(name);
  column.type = type;
  return column;
}

// The converted types only (binary), and the same with a numeric column
// that keeps the table on CSV.
TableSpec Typed(std::string name, bool with_numeric) {
  TableSpec table;
  table.name = std::move(name);
  table.resource = "typed";
  table.columns = {Column("id", ColumnType::kBigint), Column("t", ColumnType::kText),
                   Column("d", ColumnType::kDouble), Column("b", ColumnType::kBoolean),
                   Column("n", ColumnType::kBigint)};
  if (with_numeric) table.columns.push_back(Column("x", ColumnType::kNumeric));
  table.primary_key = {"id"};
  return table;
}

class BinaryLoadTest : public PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const TableSpec tables[] = {binary_, csv_};
    ASSERT_TRUE(warehouse_->EnsureTables(schema_, tables));
  }

  // Loads body (rows of id,t,d,b,n without a header) into table; the CSV
  // table's part gets an empty x column.
  Result<LoadReport> LoadInto(const TableSpec& table, const std::string& rows, int part) {
    const bool is_csv = &table == &csv_;
    std::string body = is_csv ? "id,t,d,b,n,x\n" : "id,t,d,b,n\n";
    if (is_csv) {
      // Every row ends with an empty x column, before its CR LF or LF.
      bool in_quotes = false;
      for (char c : rows) {
        if (c == '"') in_quotes = !in_quotes;
        if (c == '\n' && !in_quotes) {
          body.insert(body.size() - (body.ends_with('\r') ? 1 : 0), ",");
        }
        body += c;
      }
      if (!rows.ends_with('\n')) body += ',';
    } else {
      body += rows;
    }
    const std::string key =
        fmt::format("clean/src/{}/ds=2025-03-15/part-{:05d}.csv", table.name, part);
    EXPECT_TRUE(lake::PutString(*lake_, key, body));
    return warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                             .schema = schema_,
                                             .table = table,
                                             .manifest_key = "",
                                             .part_keys = {key},
                                             .run_id = "run-1",
                                             .manifest_text = std::nullopt});
  }

  Rows Values(const TableSpec& table) {
    auto rows = warehouse_->Query(fmt::format(
        "SELECT id, t, t IS NULL, d, d IS NULL, b, b IS NULL, n, n IS NULL, _run_id FROM {}.{} "
        "ORDER BY id",
        schema_, table.name));
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : Rows{};
  }

  void Empty(const TableSpec& table) {
    ASSERT_TRUE(warehouse_->Execute(fmt::format("TRUNCATE {}.{}", schema_, table.name)));
  }

  TableSpec binary_ = Typed("typed_binary", false);
  TableSpec csv_ = Typed("typed_csv", true);
};

TEST_F(BinaryLoadTest, RowsLoadTheSameAsFromCsv) {
  const std::string rows =
      "1,plain,1.5,true,42\n"
      "2,\"comma, \"\"quote\"\"\nnewline\",-37.3159,false,-9223372036854775808\n"
      "3,\"\",0,t,9223372036854775807\n"  // quoted empty text is '', not NULL
      "4,,,,\n"                           // unquoted empty: NULL
      "5,mid\"dle, quoted\"end,  12.5e-3 ,  yes ,  +7  \n"
      "6,\"\r\n inside\",NaN,off,0\n"
      "7,\"line\rbreaks\r\n\",-Infinity,ON,1\n"
      "8,caf\xc3\xa9 \xf0\x9f\x98\x80,4.9e-324,1,-0\n"
      "9,\" \",1e308,0,00012\n"
      "10,\\.,inf,F,1\n"
      "11,last row without a line end,0x1p3,N,3";
  for (int round = 0; round < 2; ++round) {  // into empty targets, then merged into full ones
    auto from_binary = LoadInto(binary_, rows, 0);
    ASSERT_TRUE(from_binary) << from_binary.error().ToString();
    auto from_csv = LoadInto(csv_, rows, 0);
    ASSERT_TRUE(from_csv) << from_csv.error().ToString();
    EXPECT_EQ(from_binary->rows_copied, 11);
    EXPECT_EQ(from_csv->rows_copied, 11);
    EXPECT_EQ(from_binary->rows_inserted, round == 0 ? 11 : 0);
    EXPECT_EQ(from_binary->rows_unchanged, round == 0 ? 0 : 11);
    const Rows values = Values(binary_);
    EXPECT_EQ(values, Values(csv_));
    ASSERT_EQ(values.size(), 11u);
    EXPECT_EQ(values[1][1], "comma, \"quote\"\nnewline");
    EXPECT_EQ(values[2][1], "");
    EXPECT_EQ(values[2][2], "f");
    EXPECT_EQ(values[3][2], "t");
    EXPECT_EQ(values[4][1], "middle, quotedend");
    EXPECT_EQ(values[9][1], "\\.");
  }
}

TEST_F(BinaryLoadTest, LinesEndAsTheFirstOneDoes) {
  struct Case {
    const char* rows;
    bool loads;
  } cases[] = {
      {"1,a,1,true,1\r\n2,b,2,false,2\r\n", true},
      {"1,a,1,true,1\r\n2,b,2,false,2", false},  // the last row's LF comes from the load
      {"1,a,1,true,1\r\n2,b,2,false,2\n", false},
      {"1,a,1,true,1\n2,b,2,false,2\r\n", false},
      {"1,\"a\r\n\",1,true,1\n2,b,2,false,2\n", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rows);
    Empty(binary_);
    Empty(csv_);
    auto from_binary = LoadInto(binary_, c.rows, 0);
    auto from_csv = LoadInto(csv_, c.rows, 0);
    ASSERT_EQ(static_cast<bool>(from_csv), c.loads)
        << (from_csv ? "" : from_csv.error().ToString());
    ASSERT_EQ(static_cast<bool>(from_binary), c.loads)
        << (from_binary ? "" : from_binary.error().ToString());
    if (c.loads) {
      EXPECT_EQ(Values(binary_), Values(csv_));
    } else {
      EXPECT_THAT(from_binary.error().ToString(), HasSubstr("SQLSTATE 22P04"));
    }
  }
}

TEST_F(BinaryLoadTest, BadValuesFailAsFromCsv) {
  struct Case {
    const char* row;
    const char* sqlstate;  // "" when the row loads
  } cases[] = {
      {"1,a,1,true,abc", "22P02"},
      {"1,a,1,true,9223372036854775808", "22003"},
      {"1,a,1,true,-9223372036854775809", "22003"},
      {"1,a,1,true,1.5", "22P02"},
      {"1,a,1,true,\"\"", "22P02"},
      {"1,a,1,true,- 1", "22P02"},
      {"1,a,1e400,true,1", "22003"},
      {"1,a,-1e400,true,1", "22003"},
      {"1,a,1e-400,true,1", "22003"},
      {"1,a,1.5x,true,1", "22P02"},
      {"1,a,nan(123),true,1", ""},
      {"1,a,+Infinity,true,1", ""},
      {"1,a,1,o,1", "22P02"},
      {"1,a,1,of,1", ""},
      {"1,a,1,truee,1", "22P02"},
      {"1,a,1,2,1", "22P02"},
      {"1,a,1, TRU ,1", ""},
      {"1,a,1,true", "22P04"},
      {"1,a,1,true,1,2", "22P04"},
      {"1,a\rb,1,true,1", "22P04"},
      {"1,\"a\rb\",1,true,1", ""},
  };
  int part = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.row);
    Empty(binary_);
    Empty(csv_);
    auto from_binary = LoadInto(binary_, std::string(c.row) + "\n", part);
    auto from_csv = LoadInto(csv_, std::string(c.row) + "\n", part);
    ++part;
    if (*c.sqlstate == '\0') {
      ASSERT_TRUE(from_binary) << from_binary.error().ToString();
      ASSERT_TRUE(from_csv) << from_csv.error().ToString();
      EXPECT_EQ(Values(binary_), Values(csv_));
      continue;
    }
    ASSERT_FALSE(from_binary);
    ASSERT_FALSE(from_csv);
    const std::string want = fmt::format("SQLSTATE {}", c.sqlstate);
    EXPECT_THAT(from_csv.error().ToString(), HasSubstr(want));
    EXPECT_THAT(from_binary.error().ToString(),
                AllOf(HasSubstr(want), HasSubstr("typed_binary/ds=2025-03-15/part-"),
                      HasSubstr(" row 1"), Not(HasSubstr("\n")), Not(HasSubstr("\r"))));
    EXPECT_EQ(from_binary.error().code(), from_csv.error().code());
    EXPECT_TRUE(Values(binary_).empty());
  }
}

TEST_F(BinaryLoadTest, ABadRowNamesItsPartRowAndColumn) {
  auto loaded = LoadInto(binary_, "1,a,1,true,1\n2,b,2,false,2\n3,c,3,yes,three\n", 0);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), Code::kInvalidArgument);
  EXPECT_THAT(loaded.error().ToString(),
              AllOf(HasSubstr("load " + schema_ + ".typed_binary"),
                    HasSubstr("typed_binary/ds=2025-03-15/part-00000.csv row 3, column n"),
                    HasSubstr("invalid input syntax for type bigint: \"three\""),
                    HasSubstr("SQLSTATE 22P02")));
  EXPECT_TRUE(Values(binary_).empty());
}

TEST_F(BinaryLoadTest, ATruncatedPartIsDataLoss) {
  auto loaded = LoadInto(binary_, "1,a,1,true,1\n2,\"b,2,false,2\n", 0);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), Code::kDataLoss);
  EXPECT_THAT(loaded.error().ToString(), HasSubstr("ends inside a quoted field"));
}

TEST_F(BinaryLoadTest, ManyRowsAcrossChunksLoadWhole) {
  std::string rows;
  for (int id = 1; rows.size() < 3 * (size_t{1} << 20); ++id) {
    rows += fmt::format("{},\"row {}\nwith, a line\",{}.25,{},{}\n", id, id, id, id % 2 == 0, -id);
  }
  auto loaded = LoadInto(binary_, rows, 0);
  ASSERT_TRUE(loaded) << loaded.error().ToString();
  auto counted = warehouse_->Query(
      fmt::format("SELECT count(*), sum(n), count(*) FILTER (WHERE t LIKE 'row %\nwith, a line') "
                  "FROM {}.typed_binary",
                  schema_));
  ASSERT_TRUE(counted) << counted.error().ToString();
  const int64_t n = loaded->rows_copied;
  EXPECT_EQ(*counted,
            (Rows{{std::to_string(n), std::to_string(-n * (n + 1) / 2), std::to_string(n)}}));
}

}  // namespace
}  // namespace sluice::warehouse::testing
