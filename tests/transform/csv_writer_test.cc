// CSV encoding, and PostgreSQL's COPY (FORMAT csv, HEADER) reading it back.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>

#include "transform/string_sink.h"
#include "transform/transform.h"

namespace sluice::transform {
namespace {

using testing::StringObjectWriter;

TEST(AppendCsvField, QuotesOnlyWhatNeedsIt) {
  const struct {
    const char* name;
    std::string field;
    const char* want;
  } cases[] = {
      {"plain", "Leanne Graham", "Leanne Graham"},
      {"empty string is quoted", "", "\"\""},
      {"comma", "a,b", "\"a,b\""},
      {"quote doubled", "say \"hi\"", "\"say \"\"hi\"\"\""},
      {"only quotes", "\"\"", "\"\"\"\"\"\""},
      {"LF", "a\nb", "\"a\nb\""},
      {"CR", "a\rb", "\"a\rb\""},
      {"leading space", " a", "\" a\""},
      {"trailing space", "a ", "\"a \""},
      {"leading tab", "\ta", "\"\ta\""},
      {"end-of-data marker", "\\.", "\"\\.\""},
      {"backslash is plain", "a\\b", "a\\b"},
      {"inner space", "a b", "a b"},
      {"UTF-8", "Gwenborough \xc3\xa9", "Gwenborough \xc3\xa9"},
      {"json", "{\"a\":[1,2]}", "\"{\"\"a\"\":[1,2]}\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out;
    AppendCsvField(out, c.field);
    EXPECT_EQ(out, c.want);
  }
}

TEST(AppendCsvField, FindsASpecialByteAtAnyPositionOfALongField) {
  for (const char special : {',', '"', '\n', '\r'}) {
    for (size_t at = 1; at < 19; ++at) {
      std::string field(20, 'a');
      field[at] = special;
      SCOPED_TRACE(::testing::Message() << "byte " << int{special} << " at " << at);
      std::string out;
      AppendCsvField(out, field);
      std::string want = field;
      if (special == '"') want.insert(at, 1, '"');
      EXPECT_EQ(out, "\"" + want + "\"");
    }
  }
  std::string out;
  AppendCsvField(out, std::string(20, 'a') + "\x80\xff;\t|");  // high bytes are not special
  EXPECT_EQ(out, std::string(20, 'a') + "\x80\xff;\t|");
}

std::vector<ColumnSpec> Columns() {
  return {{"id", ColumnType::kBigint, "id", true},
          {"name", ColumnType::kText, "name", false},
          {"note", ColumnType::kText, "note", false}};
}

std::vector<Cell> RowOf(std::vector<std::optional<std::string>> fields) {
  std::vector<Cell> cells;
  for (auto& field : fields) cells.push_back(field ? Cell{false, *field} : Cell{});
  return cells;
}

TEST(CsvWriter, HeaderRowsNullAndEmptyString) {
  StringObjectWriter sink;
  CsvWriter csv(sink);
  ASSERT_TRUE(csv.WriteHeader(Columns()));
  ASSERT_TRUE(csv.WriteRow(RowOf({"1", "Leanne", std::nullopt})));
  ASSERT_TRUE(csv.WriteRow(RowOf({"2", "", "a,\"b\"\nc"})));
  EXPECT_EQ(sink.data, "");  // buffered until Flush
  ASSERT_TRUE(csv.Flush());
  EXPECT_EQ(sink.data, "id,name,note\n1,Leanne,\n2,\"\",\"a,\"\"b\"\"\nc\"\n");
  EXPECT_EQ(csv.rows(), 2u);
  EXPECT_EQ(csv.bytes(), sink.data.size());
}

TEST(CsvWriter, FlushesInChunksOfTheBufferSize) {
  StringObjectWriter sink;
  CsvWriter csv(sink, 64);
  ASSERT_TRUE(csv.WriteHeader(Columns()));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(csv.WriteRow(RowOf({std::to_string(i), "name", "note"})));
  }
  EXPECT_GT(sink.writes, 10);
  EXPECT_LT(sink.data.size(), csv.bytes() + 1);
  ASSERT_TRUE(csv.Flush());
  EXPECT_EQ(sink.data.size(), csv.bytes());
  EXPECT_EQ(std::count(sink.data.begin(), sink.data.end(), '\n'), 101);
}

// ---- PostgreSQL reads what CsvWriter writes.

std::string PostgresUrl() {
  const char* url = std::getenv("SLUICE_TEST_PG_URL");
  return url != nullptr ? url : "postgresql://postgres@127.0.0.1:5432/postgres";
}

class CsvCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = PQconnectdb(PostgresUrl().c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = PQerrorMessage(conn_);
      const char* ci = std::getenv("CI");
      if (ci != nullptr && std::string_view(ci) == "true") FAIL() << "PostgreSQL: " << why;
      GTEST_SKIP() << "PostgreSQL unreachable (set SLUICE_TEST_PG_URL): " << why;
    }
  }
  void TearDown() override { PQfinish(conn_); }

  void Exec(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(result);
    EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(result);
  }

  // COPY table FROM STDIN (FORMAT csv, HEADER true) with csv as the data.
  std::string Copy(const std::string& table, const std::string& csv) {
    PGresult* result =
        PQexec(conn_, ("COPY " + table + " FROM STDIN (FORMAT csv, HEADER true)").c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_COPY_IN) << PQerrorMessage(conn_);
    PQclear(result);
    EXPECT_EQ(PQputCopyData(conn_, csv.data(), static_cast<int>(csv.size())), 1);
    EXPECT_EQ(PQputCopyEnd(conn_, nullptr), 1);
    result = PQgetResult(conn_);
    std::string error = PQresultStatus(result) == PGRES_COMMAND_OK ? "" : PQerrorMessage(conn_);
    PQclear(result);
    while ((result = PQgetResult(conn_)) != nullptr) PQclear(result);
    return error;
  }

  // Each row as "v1|v2|...", NULL as "<null>".
  std::vector<std::string> Rows(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    EXPECT_EQ(PQresultStatus(result), PGRES_TUPLES_OK) << PQerrorMessage(conn_);
    std::vector<std::string> rows;
    for (int r = 0; r < PQntuples(result); ++r) {
      std::string row;
      for (int c = 0; c < PQnfields(result); ++c) {
        if (c > 0) row += "|";
        row += PQgetisnull(result, r, c) ? "<null>" : PQgetvalue(result, r, c);
      }
      rows.push_back(row);
    }
    PQclear(result);
    return rows;
  }

  PGconn* conn_ = nullptr;
};

TEST_F(CsvCopyTest, PostgresReadsNullsQuotesNewlinesAndMarkers) {
  Exec("CREATE TEMP TABLE t (id bigint, name text, note text)");
  StringObjectWriter sink;
  CsvWriter csv(sink);
  ASSERT_TRUE(csv.WriteHeader(Columns()));
  const std::vector<std::vector<std::optional<std::string>>> rows = {
      {"1", "plain", std::nullopt},
      {"2", "", " lead and trail "},
      {"3", "a,b", "say \"hi\""},
      {"4", "line1\nline2\r\nline3", "\\."},
      {"5", "\\N", "\xc3\xa9\xe2\x82\xac"},
      {"6", std::nullopt, "tab\there"},
  };
  for (const auto& row : rows) ASSERT_TRUE(csv.WriteRow(RowOf(row)));
  ASSERT_TRUE(csv.Flush());
  ASSERT_EQ(Copy("t", sink.data), "");
  std::vector<std::string> want;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i].value_or("<null>");
    want.push_back(line);
  }
  EXPECT_EQ(Rows("SELECT id, name, note FROM t ORDER BY id"), want);
}

TEST_F(CsvCopyTest, SingleColumnNullAndEndOfDataMarker) {
  Exec("CREATE TEMP TABLE one (v text)");
  StringObjectWriter sink;
  CsvWriter csv(sink);
  const std::vector<ColumnSpec> columns = {{"v", ColumnType::kText, "v", false}};
  ASSERT_TRUE(csv.WriteHeader(columns));
  ASSERT_TRUE(csv.WriteRow(RowOf({std::nullopt})));
  ASSERT_TRUE(csv.WriteRow(RowOf({"\\."})));
  ASSERT_TRUE(csv.WriteRow(RowOf({""})));
  ASSERT_TRUE(csv.WriteRow(RowOf({"after"})));
  ASSERT_TRUE(csv.Flush());
  ASSERT_EQ(Copy("one", sink.data), "");
  EXPECT_EQ(Rows("SELECT v FROM one"),
            (std::vector<std::string>{"<null>", "\\.", "", "after"}));
}

TEST_F(CsvCopyTest, PostgresAcceptsEveryCastType) {
  Exec("CREATE TEMP TABLE typed (b bigint, d double precision, n numeric, t text, f boolean, "
       "ts timestamptz, dt date, j jsonb)");
  std::vector<ColumnSpec> columns;
  for (const auto& [name, type] : std::vector<std::pair<const char*, ColumnType>>{
           {"b", ColumnType::kBigint},
           {"d", ColumnType::kDouble},
           {"n", ColumnType::kNumeric},
           {"t", ColumnType::kText},
           {"f", ColumnType::kBoolean},
           {"ts", ColumnType::kTimestamp},
           {"dt", ColumnType::kDate},
           {"j", ColumnType::kJsonb}}) {
    columns.push_back({name, type, name, false});
  }
  const std::vector<JsonValue> values = {
      {JsonKind::kString, "-9223372036854775808"},
      {JsonKind::kString, "-37.3159"},
      {JsonKind::kNumber, "12345678901234567890.000000000001"},
      {JsonKind::kNumber, "1.50"},
      {JsonKind::kString, "true"},
      {JsonKind::kString, "2025-03-15T01:30:00.25+02:00"},
      {JsonKind::kString, "2024-02-29"},
      {JsonKind::kString, "a \"quoted\"\n string"},
  };
  std::vector<Cell> cells(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_TRUE(CastValue(columns[i].type, values[i], cells[i]));
  }
  StringObjectWriter sink;
  CsvWriter csv(sink);
  ASSERT_TRUE(csv.WriteHeader(columns));
  ASSERT_TRUE(csv.WriteRow(cells));
  for (Cell& cell : cells) cell = Cell{};
  ASSERT_TRUE(csv.WriteRow(cells));
  ASSERT_TRUE(csv.Flush());
  Exec("SET TIME ZONE 'UTC'");
  ASSERT_EQ(Copy("typed", sink.data), "");
  EXPECT_EQ(Rows("SELECT b, d, n, t, f, ts, dt, j #>> '{}' FROM typed ORDER BY b NULLS LAST"),
            (std::vector<std::string>{
                "-9223372036854775808|-37.3159|12345678901234567890.000000000001|1.50|t|"
                "2025-03-14 23:30:00.25+00|2024-02-29|a \"quoted\"\n string",
                "<null>|<null>|<null>|<null>|<null>|<null>|<null>|<null>"}));
}

}  // namespace
}  // namespace sluice::transform
