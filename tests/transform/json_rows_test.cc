// JsonRowReader on crafted raw parts: flattening, renaming, arrays, record
// text, malformed input.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

// A record as strings: column -> "kind:text".
using Row = std::map<std::string, std::string>;

struct ReadResult {
  std::vector<Row> rows;
  std::vector<std::string> raw;
  std::vector<std::string> problems;
  Status status;
};

// A part as an ObjectReader giving at most read_bytes a read; counts what it gave.
class PartReader final : public lake::ObjectReader {
 public:
  PartReader(std::string_view bytes, size_t read_bytes) : bytes_(bytes), read_bytes_(read_bytes) {}
  Result<size_t> Read(char* buffer, size_t capacity) override {
    const size_t n = std::min({capacity, read_bytes_, bytes_.size() - given_});
    std::copy_n(bytes_.data() + given_, n, buffer);
    given_ += n;
    return n;
  }
  uint64_t size() const override { return bytes_.size(); }
  size_t given() const { return given_; }

 private:
  std::string_view bytes_;
  size_t read_bytes_;
  size_t given_ = 0;
};

// read_bytes 0: the part in memory; else streamed from a PartReader.
ReadResult ReadWithWindow(const TableSpec& table, std::string_view json, size_t window_bytes,
                          size_t read_bytes = 0) {
  ReadResult result;
  Result<RowSchema> schema = RowSchema::Make(table);
  EXPECT_TRUE(schema) << schema.error().message();
  JsonRowReader reader(*schema, window_bytes);
  PartReader streamed(json, read_bytes);
  auto on_record = [&](const JsonRecord& record) {
    EXPECT_EQ(record.index, result.rows.size());
    Row row;
    for (size_t i = 0; i < record.values.size(); ++i) {
      const JsonValue& value = record.values[i];
      if (value.kind == JsonKind::kAbsent) continue;
      row[table.columns[i].name] =
          std::string(JsonKindName(value.kind)) + ":" + std::string(value.text);
    }
    result.rows.push_back(row);
    result.raw.emplace_back(record.raw_json);
    result.problems.emplace_back(record.problem);
    return OkStatus();
  };
  result.status = read_bytes == 0
                      ? reader.ReadPart("raw/test/part-00000.json", json, on_record)
                      : reader.ReadPart("raw/test/part-00000.json", streamed, on_record);
  if (read_bytes != 0 && result.status) {
    EXPECT_EQ(reader.bytes_read(), json.size());
  }
  return result;
}

// A read in windows must give the records, raw text and error of the whole read.
void CompareWithWhole(const ReadResult& whole, const ReadResult& windowed) {
  if (whole.status) {
    // A malformed part may fail before its first record whole (simdjson checks
    // the structure first) and after some records in windows: only its error is
    // compared.
    EXPECT_EQ(windowed.rows, whole.rows);
    EXPECT_EQ(windowed.raw, whole.raw);
    EXPECT_EQ(windowed.problems, whole.problems);
  }
  EXPECT_EQ(static_cast<bool>(windowed.status), static_cast<bool>(whole.status))
      << (whole.status ? windowed.status.error().ToString() : whole.status.error().ToString());
  if (!whole.status && !windowed.status) {
    EXPECT_EQ(windowed.status.error().code(), whole.status.error().code());
  }
}

// Every part is read whole, and cut into windows of one record each, in
// memory and streamed a few bytes at a time, and streamed in default windows.
ReadResult ReadAll(const TableSpec& table, std::string_view json) {
  ReadResult whole = ReadWithWindow(table, json, JsonRowReader::kWindowBytes);
  for (const auto& [window_bytes, read_bytes] :
       {std::pair<size_t, size_t>{1, 0}, {1, 3}, {JsonRowReader::kWindowBytes, 5}}) {
    SCOPED_TRACE(fmt::format("window {}, reads of {}", window_bytes, read_bytes));
    CompareWithWhole(whole, ReadWithWindow(table, json, window_bytes, read_bytes));
  }
  return whole;
}

TableSpec Table(std::vector<ColumnSpec> columns) {
  TableSpec table;
  table.name = "t";
  table.resource = "t";
  table.columns = std::move(columns);
  return table;
}

TEST(JsonRowReader, FlattensNestedObjectsAndRenamesCamelCase) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true},
                                 {"user_id", ColumnType::kBigint, "user_id", false},
                                 {"lat", ColumnType::kDouble, "address_geo_lat", false},
                                 {"catch_phrase", ColumnType::kText, "company_catch_phrase", false},
                                 {"thumbnail_url", ColumnType::kText, "thumbnail_url", false},
                                 {"server", ColumnType::kText, "http_server2_id", false}});
  const ReadResult got = ReadAll(table, R"([
    {"id": 1, "userId": 7, "address": {"street": "Kulas Light", "geo": {"lat": "-37.3159", "lng": "81.1496"}},
     "company": {"name": "Romaguera-Crona", "catchPhrase": "Multi-layered"},
     "thumbnailUrl": "https://via.placeholder.com/150/92c952", "HTTPServer2Id": "a"}
  ])");
  ASSERT_TRUE(got.status) << got.status.error().message();
  ASSERT_EQ(got.rows.size(), 1u);
  const Row want = {{"id", "number:1"},
                    {"user_id", "number:7"},
                    {"lat", "string:-37.3159"},
                    {"catch_phrase", "string:Multi-layered"},
                    {"thumbnail_url", "string:https://via.placeholder.com/150/92c952"},
                    {"server", "string:a"}};
  EXPECT_EQ(got.rows[0], want);
  EXPECT_EQ(got.problems[0], "");
}

TEST(JsonRowReader, ArraysAndObjectsFeedingAColumnAreMinifiedJson) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true},
                                 {"tags", ColumnType::kJsonb, "tags", false},
                                 {"address", ColumnType::kJsonb, "address", false},
                                 {"city", ColumnType::kText, "address_city", false}});
  const ReadResult got = ReadAll(table, R"([{"id": 1, "tags": [ "a", {"b" : null}, 2.50, true ],
      "address": { "city": "Gwenborough", "geo": {"lat": "-37.3"}, "note": "tab\there \u00e9" }}])");
  ASSERT_TRUE(got.status) << got.status.error().message();
  ASSERT_EQ(got.rows.size(), 1u);
  EXPECT_EQ(got.rows[0].at("tags"), R"(array:["a",{"b":null},2.50,true])");
  EXPECT_EQ(got.rows[0].at("address"),
            "object:{\"city\":\"Gwenborough\",\"geo\":{\"lat\":\"-37.3\"},\"note\":\"tab\\there "
            "\xc3\xa9\"}");
  // The object feeds the whole-value column and its children at once.
  EXPECT_EQ(got.rows[0].at("city"), "string:Gwenborough");
}

TEST(JsonRowReader, ScalarKindsNullAndAbsent) {
  const TableSpec table = Table({{"a", ColumnType::kText, "a", false},
                                 {"b", ColumnType::kText, "b", false},
                                 {"c", ColumnType::kText, "c", false},
                                 {"d", ColumnType::kText, "d", false},
                                 {"e", ColumnType::kText, "e", false}});
  const ReadResult got =
      ReadAll(table, R"([{"a": "x\"y\\z", "b": -1.5E+3 , "c": false, "d": null}])");
  ASSERT_TRUE(got.status) << got.status.error().message();
  const Row want = {
      {"a", "string:x\"y\\z"}, {"b", "number:-1.5E+3"}, {"c", "boolean:false"}, {"d", "null:"}};
  EXPECT_EQ(got.rows[0], want);
}

TEST(JsonRowReader, TopLevelObjectIsOneRecord) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  const ReadResult got = ReadAll(table, "\n  {\"id\": 5, \"x\": [1]}\n\n");
  ASSERT_TRUE(got.status) << got.status.error().message();
  ASSERT_EQ(got.rows.size(), 1u);
  EXPECT_EQ(got.rows[0].at("id"), "number:5");
  EXPECT_EQ(got.raw[0], "{\"id\": 5, \"x\": [1]}");
}

TEST(JsonRowReader, EmptyArrayHasNoRecords) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  const ReadResult got = ReadAll(table, " [ ] ");
  ASSERT_TRUE(got.status) << got.status.error().message();
  EXPECT_TRUE(got.rows.empty());
}

TEST(JsonRowReader, RawTextOfEachRecordAsInThePart) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  const ReadResult got = ReadAll(table,
                                 "[\n  {\n    \"id\": 1,\n    \"s\": \"a,]}\"\n  },\n"
                                 "  {\"id\": 2, \"n\": {\"deep\": [1, {\"x\": 2}]}} ,\n"
                                 "  7,\n  [1, 2],\n  \"text\",\n  {\"id\": 3}\n]\n");
  ASSERT_TRUE(got.status) << got.status.error().message();
  ASSERT_EQ(got.raw.size(), 6u);
  EXPECT_EQ(got.raw[0], "{\n    \"id\": 1,\n    \"s\": \"a,]}\"\n  }");
  EXPECT_EQ(got.raw[1], "{\"id\": 2, \"n\": {\"deep\": [1, {\"x\": 2}]}}");
  EXPECT_EQ(got.raw[2], "7");
  EXPECT_EQ(got.raw[3], "[1, 2]");
  EXPECT_EQ(got.raw[4], "\"text\"");
  EXPECT_EQ(got.raw[5], "{\"id\": 3}");
  EXPECT_EQ(got.problems[0], "");
  EXPECT_EQ(got.problems[2], "the record is a scalar, not an object");
  EXPECT_EQ(got.problems[3], "the record is an array, not an object");
  EXPECT_EQ(got.problems[4], "the record is a scalar, not an object");
  EXPECT_EQ(got.problems[5], "");
}

TEST(JsonRowReader, FieldGivenTwiceIsAProblem) {
  const TableSpec table =
      Table({{"id", ColumnType::kBigint, "id", true}, {"a_b", ColumnType::kText, "a_b", false}});
  const ReadResult got =
      ReadAll(table, R"([{"id": 1, "id": 2}, {"id": 3, "a_b": "x", "a": {"b": "y"}},
                                           {"id": 4, "aB": "x", "a_b": "y"}, {"id": 5}])");
  ASSERT_TRUE(got.status) << got.status.error().message();
  ASSERT_EQ(got.problems.size(), 4u);
  EXPECT_EQ(got.problems[0],
            "field id is given twice (a repeated key, or a flattened name met twice)");
  EXPECT_EQ(got.problems[1],
            "field a_b is given twice (a repeated key, or a flattened name met twice)");
  EXPECT_EQ(got.problems[2],
            "field a_b is given twice (a repeated key, or a flattened name met twice)");
  EXPECT_EQ(got.problems[3], "");
}

TEST(JsonRowReader, TwoColumnsMayReadOneField) {
  const TableSpec table =
      Table({{"id", ColumnType::kBigint, "id", true}, {"id_text", ColumnType::kText, "id", false}});
  const ReadResult got = ReadAll(table, R"([{"id": 9}])");
  ASSERT_TRUE(got.status) << got.status.error().message();
  EXPECT_EQ(got.rows[0].at("id"), "number:9");
  EXPECT_EQ(got.rows[0].at("id_text"), "number:9");
}

TEST(JsonRowReader, CountsAndNamesIgnoredFields) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true},
                                 {"lat", ColumnType::kDouble, "address_geo_lat", false}});
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  JsonRowReader reader(*schema);
  Status read = reader.ReadPart(
      "p", R"([{"id": 1, "website": "x", "address": {"city": "c", "geo": {"lat": "1", "lng": "2"}},
               "tags": [1], "company": {"name": "n"}}, {"id": 2, "website": "y"}])",
      [](const JsonRecord&) { return OkStatus(); });
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(reader.ignored_field_count(), 6u);
  EXPECT_EQ(
      reader.ignored_field_names(),
      (std::vector<std::string>{"address_city", "address_geo_lng", "company", "tags", "website"}));
}

TEST(JsonRowReader, IgnoredNamesAreBounded) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  std::string json = "[";
  for (int i = 0; i < 500; ++i)
    json += fmt::format("{}{{\"id\":{},\"f{}\":1}}", i ? "," : "", i, i);
  json += "]";
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  JsonRowReader reader(*schema);
  ASSERT_TRUE(reader.ReadPart("p", json, [](const JsonRecord&) { return OkStatus(); }));
  EXPECT_EQ(reader.ignored_field_count(), 500u);
  EXPECT_EQ(reader.ignored_field_names().size(), JsonRowReader::kMaxIgnoredNames);
}

TEST(JsonRowReader, MalformedPartsAreDataLossNamingThePart) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true},
                                 {"s", ColumnType::kText, "s", false},
                                 {"j", ColumnType::kJsonb, "j", false}});
  const struct {
    const char* name;
    std::string json;
    const char* want;  // in the message
  } cases[] = {
      {"empty", "", "malformed JSON"},
      {"blank", "   \n", "malformed JSON"},
      {"truncated array", R"([{"id": 1}, {"id": 2)", "malformed JSON"},
      {"truncated string", R"([{"id": 1, "s": "abc)", "malformed JSON"},
      {"missing comma", R"([{"id": 1} {"id": 2}])", "malformed JSON"},
      {"bad number in a column", R"([{"id": 12abc}])", "malformed JSON"},
      {"bad literal", R"([{"id": 1, "s": nul}])", "malformed JSON"},
      {"bad literal in jsonb", R"([{"id": 1, "j": [tru]}])", "malformed JSON"},
      {"trailing content", R"([{"id": 1}] [])", "malformed JSON"},
      {"trailing after object", R"({"id": 1} x)", "malformed JSON"},
      {"top-level scalar", "42", "the top level is not an array of records nor one object"},
      {"top-level string", "\"x\"", "the top level is not an array of records nor one object"},
      {"invalid UTF-8", std::string("[{\"id\": 1, \"s\": \"\xff\xfe\"}]"), "malformed JSON"},
      {"raw newline in string", "[{\"id\": 1, \"s\": \"a\nb\"}]", "malformed JSON"},
      {"bad escape", R"([{"id": 1, "s": "\q"}])", "malformed JSON"},
      {"lone surrogate", R"([{"id": 1, "s": "\ud800"}])", "malformed JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const ReadResult got = ReadAll(table, c.json);
    ASSERT_FALSE(got.status);
    EXPECT_EQ(got.status.error().code(), Code::kDataLoss);
    EXPECT_NE(got.status.error().message().find("raw/test/part-00000.json: "), std::string::npos)
        << got.status.error().message();
    EXPECT_NE(got.status.error().message().find(c.want), std::string::npos)
        << got.status.error().message();
  }
}

TEST(JsonRowReader, ALargeArrayReadInWindowsGivesTheSameRecords) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true},
                                 {"s", ColumnType::kText, "s", false},
                                 {"lat", ColumnType::kDouble, "geo_lat", false},
                                 {"j", ColumnType::kJsonb, "j", false}});
  // Strings full of the characters a cut looks for, escaped quotes and
  // backslashes before a closing quote, nesting, and whitespace between records.
  const char* strings[] = {R"(a, b)",       R"([not] {an} array)", R"(say \"hi\", ok)",
                           R"(ends in \\)", R"(\\\"],{)",          "caf\xc3\xa9 \\u00e9"};
  std::string json = " \n[";
  for (int i = 0; i < 300; ++i) {
    if (i) json += i % 7 ? "," : " ,\n ";
    json += fmt::format(
        R"({{"id": {}, "s": "{}", "geo": {{"lat": "{}.5", "x": [1, [2, {{"y": "]"}}]]}}, "j": {{"k": [{}, "}}"]}}}})",
        i, strings[i % 6], i, i);
  }
  json += "]\n";
  const ReadResult whole = ReadWithWindow(table, json, json.size());
  ASSERT_TRUE(whole.status) << whole.status.error().ToString();
  ASSERT_EQ(whole.rows.size(), 300u);
  EXPECT_EQ(whole.rows[4].at("s"), R"(string:\"],{)");
  EXPECT_EQ(whole.rows[3].at("s"), R"(string:ends in \)");
  // The same part with invalid UTF-8 in its last record fails at once whole
  // (simdjson validates the encoding first); read in windows, the records of
  // the windows before the last come first, which shows that the cuts fell
  // between records.
  std::string broken = json;
  broken.insert(broken.rfind("}]\n"), ", \"z\": \"\xff\"");
  ASSERT_EQ(ReadWithWindow(table, broken, broken.size()).rows.size(), 0u);
  for (size_t window : {size_t{1}, size_t{7}, size_t{100}, size_t{4096}, json.size() - 1}) {
    SCOPED_TRACE(window);
    const ReadResult windowed = ReadWithWindow(table, json, window);
    ASSERT_TRUE(windowed.status) << windowed.status.error().ToString();
    EXPECT_EQ(windowed.rows, whole.rows);
    EXPECT_EQ(windowed.raw, whole.raw);
    if (window < json.size() / 2) {
      const ReadResult failed = ReadWithWindow(table, broken, window);
      ASSERT_FALSE(failed.status);
      ASSERT_GT(failed.rows.size(), 0u);
      if (window == 1) {
        EXPECT_EQ(failed.rows.size(), 299u);
      }
      EXPECT_TRUE(std::equal(failed.rows.begin(), failed.rows.end(), whole.rows.begin()));
    }
  }
}

TEST(JsonRowReader, AnErrorInALaterWindowNamesItsByteInThePart) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  const std::string json = R"([{"id": 1}, {"id": 2}, {"id": 3, "x": [1, 2}])";
  const ReadResult whole = ReadWithWindow(table, json, json.size());
  const ReadResult windowed = ReadWithWindow(table, json, 1);
  ASSERT_FALSE(whole.status);
  ASSERT_FALSE(windowed.status);
  EXPECT_EQ(windowed.rows.size(), 2u);
  EXPECT_EQ(windowed.status.error().message(), whole.status.error().message());
}

// A part streamed from a reader is parsed as it arrives: its first records
// come before most of it was read, and the messages of its errors name the
// byte in the part, as a whole read does.
TEST(JsonRowReader, AStreamedPartGivesRecordsBeforeItIsReadWhole) {
  const TableSpec table =
      Table({{"id", ColumnType::kBigint, "id", true}, {"s", ColumnType::kText, "s", false}});
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  std::string json = "[";
  uint64_t written = 0;
  for (int i = 0; json.size() < (size_t{8} << 20); ++i, ++written) {
    json +=
        fmt::format("{}{{\"id\":{},\"s\":\"{}\"}}", i ? ",\n" : "", i, std::string(i % 90, 'x'));
  }
  json += "]\n";
  JsonRowReader reader(*schema);
  PartReader part(json, 64 << 10);
  size_t given_at_first_record = 0;
  uint64_t records = 0;
  ASSERT_TRUE(reader.ReadPart("big", part, [&](const JsonRecord& record) {
    if (records++ == 0) given_at_first_record = part.given();
    EXPECT_EQ(record.index + 1, records);
    EXPECT_EQ(record.values[1].text.size(), record.index % 90);
    return OkStatus();
  }));
  EXPECT_LT(given_at_first_record, 2 * JsonRowReader::kWindowBytes);
  EXPECT_EQ(part.given(), json.size());
  EXPECT_EQ(records, written);

  for (const auto& [broken, what] :
       {std::pair<std::string, std::string>{json.substr(0, json.size() - 2), "incomplete"},
        {json + " x", "content after the array"},
        {json.substr(0, json.size() / 2) + ",," + json.substr(json.size() / 2), "near byte"}}) {
    SCOPED_TRACE(what);
    const ReadResult whole = ReadWithWindow(table, broken, JsonRowReader::kWindowBytes);
    const ReadResult streamed =
        ReadWithWindow(table, broken, JsonRowReader::kWindowBytes, 64 << 10);
    ASSERT_FALSE(whole.status);
    ASSERT_FALSE(streamed.status);
    EXPECT_EQ(streamed.status.error().code(), Code::kDataLoss);
    EXPECT_NE(streamed.status.error().message().find("part-00000.json"), std::string::npos)
        << streamed.status.error().message();
  }
}

TEST(JsonRowReader, CallbackErrorStopsTheRead) {
  const TableSpec table = Table({{"id", ColumnType::kBigint, "id", true}});
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  JsonRowReader reader(*schema);
  int calls = 0;
  Status read = reader.ReadPart("p", R"([{"id":1},{"id":2},{"id":3}])", [&](const JsonRecord&) {
    return ++calls == 2 ? Status(Error::Unavailable("store down")) : OkStatus();
  });
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().message(), "store down");
  EXPECT_EQ(calls, 2);
}

TEST(JsonRowReader, ReusesItselfAcrossPartsOfDifferentSizes) {
  const TableSpec table =
      Table({{"id", ColumnType::kBigint, "id", true}, {"s", ColumnType::kText, "s", false}});
  Result<RowSchema> schema = RowSchema::Make(table);
  ASSERT_TRUE(schema);
  JsonRowReader reader(*schema);
  std::string big = "[";
  for (int i = 0; i < 10000; ++i) {
    big += fmt::format("{}{{\"id\":{},\"s\":\"{}\"}}", i ? "," : "", i, std::string(i % 50, 'x'));
  }
  big += "]";
  uint64_t records = 0;
  auto count = [&](const JsonRecord& record) {
    EXPECT_EQ(record.values[1].text.size(), record.index % 50);
    ++records;
    return OkStatus();
  };
  ASSERT_TRUE(reader.ReadPart("small", R"([{"id":0,"s":""}])", count));
  ASSERT_TRUE(reader.ReadPart("big", big, count));
  ASSERT_TRUE(reader.ReadPart("small", R"([{"id":0,"s":""}])", count));
  EXPECT_EQ(records, 10002u);
  EXPECT_EQ(reader.bytes_read(), big.size() + 2 * std::string_view(R"([{"id":0,"s":""}])").size());
}

}  // namespace
}  // namespace sluice::transform
