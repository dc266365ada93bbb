// CastValue and CastRecord on crafted values: one table per behaviour.
#include <gtest/gtest.h>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

struct CastCase {
  const char* name;
  ColumnType type;
  JsonKind kind;
  const char* text;
  const char* want;  // nullptr: NULL
};

struct FailCase {
  const char* name;
  ColumnType type;
  JsonKind kind;
  const char* text;
  const char* want_message;
};

constexpr JsonKind kStr = JsonKind::kString;
constexpr JsonKind kNum = JsonKind::kNumber;
constexpr JsonKind kBool = JsonKind::kBoolean;
constexpr JsonKind kObj = JsonKind::kObject;
constexpr JsonKind kArr = JsonKind::kArray;

TEST(CastValue, AcceptsAndNormalises) {
  const CastCase cases[] = {
      {"bigint from integer", ColumnType::kBigint, kNum, "42", "42"},
      {"bigint negative", ColumnType::kBigint, kNum, "-7", "-7"},
      {"bigint min", ColumnType::kBigint, kNum, "-9223372036854775808", "-9223372036854775808"},
      {"bigint max", ColumnType::kBigint, kStr, "9223372036854775807", "9223372036854775807"},
      {"bigint from string", ColumnType::kBigint, kStr, "12", "12"},
      {"bigint string leading zeros", ColumnType::kBigint, kStr, "007", "7"},
      {"bigint negative zero string", ColumnType::kBigint, kStr, "-0", "0"},
      {"bigint negative zero", ColumnType::kBigint, kNum, "-0", "0"},
      {"bigint zero", ColumnType::kBigint, kNum, "0", "0"},
      {"bigint 18 digits", ColumnType::kBigint, kNum, "-123456789012345678", "-123456789012345678"},
      {"bigint 19 digits", ColumnType::kBigint, kNum, "1234567890123456789", "1234567890123456789"},
      {"double from number", ColumnType::kDouble, kNum, "1.5e3", "1.5e3"},
      {"double from geo string", ColumnType::kDouble, kStr, "-37.3159", "-37.3159"},
      {"double from integer", ColumnType::kDouble, kNum, "3", "3"},
      {"double NaN", ColumnType::kDouble, kStr, "NaN", "NaN"},
      {"double -Infinity", ColumnType::kDouble, kStr, "-Infinity", "-Infinity"},
      {"numeric keeps digits", ColumnType::kNumeric, kNum, "12345678901234567890.000000000001",
       "12345678901234567890.000000000001"},
      {"numeric from string", ColumnType::kNumeric, kStr, "-0.10", "-0.10"},
      {"text string", ColumnType::kText, kStr, "hello, \"world\"\n", "hello, \"world\"\n"},
      {"text empty string", ColumnType::kText, kStr, "", ""},
      {"text from number", ColumnType::kText, kNum, "1.50", "1.50"},
      {"text from boolean", ColumnType::kText, kBool, "true", "true"},
      {"text from object", ColumnType::kText, kObj, "{\"a\":1}", "{\"a\":1}"},
      {"boolean true", ColumnType::kBoolean, kBool, "true", "true"},
      {"boolean from string", ColumnType::kBoolean, kStr, "false", "false"},
      {"timestamp Z", ColumnType::kTimestamp, kStr, "2025-03-15T10:20:30Z",
       "2025-03-15 10:20:30+00"},
      {"timestamp offset to UTC", ColumnType::kTimestamp, kStr, "2025-03-15T01:30:00+02:00",
       "2025-03-14 23:30:00+00"},
      {"timestamp compact offset", ColumnType::kTimestamp, kStr, "2025-03-15T01:30:00-0530",
       "2025-03-15 07:00:00+00"},
      {"timestamp hour offset", ColumnType::kTimestamp, kStr, "2025-12-31T23:00:00-01",
       "2026-01-01 00:00:00+00"},
      {"timestamp no offset is UTC", ColumnType::kTimestamp, kStr, "2025-03-15 08:00",
       "2025-03-15 08:00:00+00"},
      {"timestamp millis", ColumnType::kTimestamp, kStr, "2025-03-15T08:00:00.5Z",
       "2025-03-15 08:00:00.500000+00"},
      {"timestamp nanos cut", ColumnType::kTimestamp, kStr, "2025-03-15T08:00:00.123456789Z",
       "2025-03-15 08:00:00.123456+00"},
      {"timestamp zero fraction", ColumnType::kTimestamp, kStr, "2025-03-15T08:00:00.000Z",
       "2025-03-15 08:00:00+00"},
      {"timestamp date only", ColumnType::kTimestamp, kStr, "2024-02-29", "2024-02-29 00:00:00+00"},
      {"date", ColumnType::kDate, kStr, "2024-02-29", "2024-02-29"},
      {"date from date-time as written", ColumnType::kDate, kStr, "2024-02-29T23:30:00-05:00",
       "2024-02-29"},
      {"jsonb object", ColumnType::kJsonb, kObj, "{\"a\":[1,2]}", "{\"a\":[1,2]}"},
      {"jsonb array", ColumnType::kJsonb, kArr, "[1,\"x\"]", "[1,\"x\"]"},
      {"jsonb string re-escaped", ColumnType::kJsonb, kStr, "say \"hi\"\n",
       "\"say \\\"hi\\\"\\n\""},
      {"jsonb number", ColumnType::kJsonb, kNum, "-1.0", "-1.0"},
      {"jsonb boolean", ColumnType::kJsonb, kBool, "false", "false"},
  };
  for (const CastCase& c : cases) {
    SCOPED_TRACE(c.name);
    Cell cell;
    Status cast = CastValue(c.type, JsonValue{c.kind, c.text}, cell);
    ASSERT_TRUE(cast) << cast.error().message();
    ASSERT_FALSE(cell.is_null);
    EXPECT_EQ(cell.text, c.want);
    // What is written without the quoting check must be what the check would write.
    const bool may_need_quotes = c.type == ColumnType::kText || c.type == ColumnType::kJsonb;
    EXPECT_EQ(cell.is_plain, !may_need_quotes);
    if (cell.is_plain) {
      std::string field;
      AppendCsvField(field, cell.text);
      EXPECT_EQ(field, cell.text);
    }
  }
}

TEST(CastValue, NullAndAbsentAreNullForEveryType) {
  for (ColumnType type :
       {ColumnType::kBigint, ColumnType::kDouble, ColumnType::kText, ColumnType::kBoolean,
        ColumnType::kTimestamp, ColumnType::kDate, ColumnType::kNumeric, ColumnType::kJsonb}) {
    SCOPED_TRACE(ColumnTypeName(type));
    for (JsonKind kind : {JsonKind::kNull, JsonKind::kAbsent}) {
      Cell cell{false, "stale"};
      ASSERT_TRUE(CastValue(type, JsonValue{kind, {}}, cell));
      EXPECT_TRUE(cell.is_null);
      EXPECT_EQ(cell.text, "");
    }
  }
}

TEST(CastValue, RejectsWithReason) {
  const FailCase cases[] = {
      {"bigint from word", ColumnType::kBigint, kStr, "abc", "expected bigint, got string \"abc\""},
      {"bigint overflow", ColumnType::kBigint, kNum, "9223372036854775808",
       "expected bigint, got number 9223372036854775808 (out of range)"},
      {"bigint underflow string", ColumnType::kBigint, kStr, "-9223372036854775809",
       "expected bigint, got string \"-9223372036854775809\" (out of range)"},
      {"bigint fraction", ColumnType::kBigint, kNum, "1.5", "expected bigint, got number 1.5"},
      {"bigint exponent", ColumnType::kBigint, kNum, "1e3", "expected bigint, got number 1e3"},
      {"bigint plus sign", ColumnType::kBigint, kStr, "+5", "expected bigint, got string \"+5\""},
      {"bigint spaces", ColumnType::kBigint, kStr, " 5", "expected bigint, got string \" 5\""},
      {"bigint empty string", ColumnType::kBigint, kStr, "", "expected bigint, got string \"\""},
      {"bigint lone minus", ColumnType::kBigint, kStr, "-", "expected bigint, got string \"-\""},
      {"bigint from boolean", ColumnType::kBigint, kBool, "true",
       "expected bigint, got boolean true"},
      {"bigint from object", ColumnType::kBigint, kObj, "{\"a\":1}",
       "expected bigint, got object {\"a\":1}"},
      {"double from word", ColumnType::kDouble, kStr, "north",
       "expected double, got string \"north\""},
      {"double out of range", ColumnType::kDouble, kNum, "1e400",
       "expected double, got number 1e400 (out of range)"},
      {"double hex string", ColumnType::kDouble, kStr, "0x10",
       "expected double, got string \"0x10\""},
      {"double trailing dot", ColumnType::kDouble, kStr, "1.",
       "expected double, got string \"1.\""},
      {"numeric from word", ColumnType::kNumeric, kStr, "12 apples",
       "expected numeric, got string \"12 apples\""},
      {"numeric infinity", ColumnType::kNumeric, kStr, "Infinity",
       "expected numeric, got string \"Infinity\""},
      {"boolean from string yes", ColumnType::kBoolean, kStr, "yes",
       "expected boolean, got string \"yes\""},
      {"boolean from number", ColumnType::kBoolean, kNum, "1", "expected boolean, got number 1"},
      {"boolean capitalised", ColumnType::kBoolean, kStr, "True",
       "expected boolean, got string \"True\""},
      {"timestamp garbage", ColumnType::kTimestamp, kStr, "yesterday",
       "expected timestamp, got string \"yesterday\""},
      {"timestamp month 13", ColumnType::kTimestamp, kStr, "2025-13-01T00:00:00Z",
       "expected timestamp, got string \"2025-13-01T00:00:00Z\""},
      {"timestamp Feb 30", ColumnType::kTimestamp, kStr, "2025-02-30",
       "expected timestamp, got string \"2025-02-30\""},
      {"timestamp Feb 29 non-leap", ColumnType::kTimestamp, kStr, "2025-02-29T00:00:00Z",
       "expected timestamp, got string \"2025-02-29T00:00:00Z\""},
      {"timestamp hour 24", ColumnType::kTimestamp, kStr, "2025-03-15T24:00:00Z",
       "expected timestamp, got string \"2025-03-15T24:00:00Z\""},
      {"timestamp trailing junk", ColumnType::kTimestamp, kStr, "2025-03-15T10:00:00Zjunk",
       "expected timestamp, got string \"2025-03-15T10:00:00Zjunk\""},
      {"timestamp bad offset", ColumnType::kTimestamp, kStr, "2025-03-15T10:00:00+25:00",
       "expected timestamp, got string \"2025-03-15T10:00:00+25:00\""},
      {"timestamp empty fraction", ColumnType::kTimestamp, kStr, "2025-03-15T10:00:00.Z",
       "expected timestamp, got string \"2025-03-15T10:00:00.Z\""},
      {"timestamp before year 1", ColumnType::kTimestamp, kStr, "0001-01-01T00:30:00+01:00",
       "expected timestamp, got string \"0001-01-01T00:30:00+01:00\""},
      {"timestamp from epoch number", ColumnType::kTimestamp, kNum, "1700000000",
       "expected timestamp, got number 1700000000"},
      {"date garbage", ColumnType::kDate, kStr, "15/03/2025",
       "expected date, got string \"15/03/2025\""},
      {"date year 0", ColumnType::kDate, kStr, "0000-01-01",
       "expected date, got string \"0000-01-01\""},
      {"text with NUL", ColumnType::kText, kStr, "",
       "expected text, got string \"a\\u0000b\" (U+0000 cannot be stored in PostgreSQL text)"},
  };
  for (const FailCase& c : cases) {
    SCOPED_TRACE(c.name);
    Cell cell;
    JsonValue value{c.kind, c.text};
    std::string with_nul;
    if (std::string_view(c.name) == "text with NUL") {
      with_nul = std::string("a\0b", 3);
      value.text = with_nul;
      value.has_nul = true;
    }
    Status cast = CastValue(c.type, value, cell);
    ASSERT_FALSE(cast);
    EXPECT_EQ(cast.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(cast.error().message(), c.want_message);
  }
}

TEST(CastValue, JsonbRejectsNulInsideAndLongValuesAreCutInMessages) {
  Cell cell;
  Status cast = CastValue(ColumnType::kJsonb, JsonValue{kObj, "{\"a\":\"\\u0000\"}", true}, cell);
  ASSERT_FALSE(cast);
  EXPECT_NE(cast.error().message().find("U+0000 cannot be stored in PostgreSQL jsonb"),
            std::string::npos);

  const std::string long_text(500, 'x');
  cast = CastValue(ColumnType::kBigint, JsonValue{kStr, long_text}, cell);
  ASSERT_FALSE(cast);
  EXPECT_LT(cast.error().message().size(), 120u);
  EXPECT_NE(cast.error().message().find("xxx...\""), std::string::npos);
}

TEST(CastValue, ErrorMessagesStayOneLine) {
  Cell cell;
  Status cast = CastValue(ColumnType::kBigint, JsonValue{kStr, "1\n2\r3"}, cell);
  ASSERT_FALSE(cast);
  EXPECT_EQ(cast.error().message(), "expected bigint, got string \"1\\n2\\r3\"");
}

TableSpec UsersTable() {
  TableSpec table;
  table.name = "users";
  table.resource = "users";
  table.columns = {{"id", ColumnType::kBigint, "", true},
                   {"name", ColumnType::kText, "", true},
                   {"lat", ColumnType::kDouble, "address_geo_lat", false}};
  table.primary_key = {"id"};
  return table;
}

TEST(CastRecord, ReportsEveryFailingColumn) {
  Result<RowSchema> schema = RowSchema::Make(UsersTable());
  ASSERT_TRUE(schema);
  struct Case {
    const char* name;
    std::vector<JsonValue> values;
    const char* want;  // nullptr: success
  } cases[] = {
      {"ok", {{kNum, "1"}, {kStr, "Leanne"}, {kStr, "-37.3159"}}, nullptr},
      {"optional absent", {{kNum, "1"}, {kStr, "Leanne"}, {}}, nullptr},
      {"required missing", {{kNum, "1"}, {}, {}}, "required column name is missing"},
      {"required null", {{kNum, "1"}, {JsonKind::kNull, ""}, {}}, "required column name is null"},
      {"bad type",
       {{kStr, "abc"}, {kStr, "x"}, {}},
       "column id: expected bigint, got string \"abc\""},
      {"two reasons",
       {{kStr, "abc"}, {}, {kStr, "north"}},
       "column id: expected bigint, got string \"abc\"; required column name is missing; "
       "column lat: expected double, got string \"north\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    JsonRecord record;
    record.values = c.values;
    std::vector<Cell> cells;
    Status cast = CastRecord(*schema, record, cells);
    if (c.want == nullptr) {
      ASSERT_TRUE(cast) << cast.error().message();
      ASSERT_EQ(cells.size(), 3u);
      EXPECT_EQ(cells[0].text, "1");
    } else {
      ASSERT_FALSE(cast);
      EXPECT_EQ(cast.error().message(), c.want);
    }
  }
}

TEST(CastRecord, ProblemOfTheRecordIsTheReason) {
  Result<RowSchema> schema = RowSchema::Make(UsersTable());
  ASSERT_TRUE(schema);
  std::vector<JsonValue> values(3);
  JsonRecord record;
  record.values = values;
  record.problem = "the record is a scalar, not an object";
  std::vector<Cell> cells;
  Status cast = CastRecord(*schema, record, cells);
  ASSERT_FALSE(cast);
  EXPECT_EQ(cast.error().message(), "the record is a scalar, not an object");
}

TEST(RowSchema, PrimaryKeyColumnsBecomeRequiredAndMissingKeyIsAnError) {
  TableSpec table = UsersTable();
  table.columns[0].required = false;
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema->table().columns[0].required);
  EXPECT_EQ(schema->ColumnOfField("address_geo_lat"), 2);
  EXPECT_EQ(schema->ColumnOfField("name"), 1);
  EXPECT_EQ(schema->ColumnOfField("lat"), -1);
  EXPECT_TRUE(schema->IsParentOfField("address"));
  EXPECT_TRUE(schema->IsParentOfField("address_geo"));
  EXPECT_FALSE(schema->IsParentOfField("address_geo_lat"));

  table.primary_key = {"uid"};
  Result<RowSchema> bad = RowSchema::Make(table);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "table users: primary key column uid is not declared");

  table.columns.clear();
  table.primary_key.clear();
  EXPECT_FALSE(RowSchema::Make(table));
}

}  // namespace
}  // namespace sluice::transform
