// TransformTable against the filesystem lake: the partition it writes, the
// counts it reconciles, quarantine, dedupe, part rolling and replacement.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

class TransformTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sluice-transform-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
    Result<std::unique_ptr<lake::ObjectStore>> store = lake::OpenObjectStore("file://" + root_);
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    pipeline_.source.name = "jsonplaceholder";
    pipeline_.lake.clean_bucket = "clean";
    TableSpec users;
    users.name = "users";
    users.resource = "users";
    users.columns = {{"id", ColumnType::kBigint, "id", true},
                     {"name", ColumnType::kText, "name", true},
                     {"email", ColumnType::kText, "email", false},
                     {"address_geo_lat", ColumnType::kDouble, "address_geo_lat", false},
                     {"company_catch_phrase", ColumnType::kText, "company_catch_phrase", false}};
    users.primary_key = {"id"};
    pipeline_.tables.push_back(users);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string PutRaw(int part, std::string_view json) {
    const std::string key =
        fmt::format("raw/jsonplaceholder/users/ds=2025-03-15/run=r1/part-{:05}.json", part);
    EXPECT_TRUE(lake::PutString(*store_, key, json));
    return key;
  }

  TransformRequest Request(std::vector<std::string> keys, std::optional<uint64_t> expected) {
    return Request(pipeline_.tables[0], std::move(keys), expected);
  }
  TransformRequest Request(const TableSpec& table, std::vector<std::string> keys,
                           std::optional<uint64_t> expected) {
    TransformRequest request(*store_, pipeline_, table);
    request.ds = "2025-03-15";
    request.run_id = "run-2";
    request.raw_run_id = "r1";
    request.raw_part_keys = std::move(keys);
    request.records_expected = expected;
    return request;
  }

  std::string Get(std::string_view key) {
    Result<std::string> text = lake::GetString(*store_, key);
    EXPECT_TRUE(text) << text.error().message();
    return text ? *text : "";
  }

  std::vector<std::string> Keys(std::string_view prefix) {
    Result<std::vector<lake::ObjectInfo>> list = store_->List(prefix);
    EXPECT_TRUE(list) << list.error().message();
    std::vector<std::string> keys;
    if (list) {
      for (const auto& info : *list) keys.push_back(info.key);
    }
    return keys;
  }

  static constexpr std::string_view kPrefix = "clean/jsonplaceholder/users/ds=2025-03-15/";
  std::string root_;
  std::unique_ptr<lake::ObjectStore> store_;
  Pipeline pipeline_;
};

constexpr std::string_view kUsersPart0 = R"([
  {"id": 1, "name": "Leanne Graham", "username": "Bret", "email": "Sincere@april.biz",
   "address": {"street": "Kulas Light", "geo": {"lat": "-37.3159", "lng": "81.1496"}},
   "company": {"name": "Romaguera-Crona", "catchPhrase": "Multi-layered client-server neural-net"}},
  {"id": "2", "name": "Ervin, \"the\" Howell", "email": null},
  {"id": "abc", "name": "Bad Id"},
  {"id": 1, "name": "Leanne again"}
])";
constexpr std::string_view kUsersPart1 = R"([
  {"id": 3, "name": ""},
  {"id": 4},
  17,
  {"id": 2, "name": "dup of two"},
  {"id": 5, "name": "Geo", "address": {"geo": {"lat": "north"}}}
])";

TEST_F(TransformTableTest, WritesCsvQuarantineAndSchemaThatReconcile) {
  const std::vector<std::string> keys = {PutRaw(0, kUsersPart0), PutRaw(1, kUsersPart1)};
  Result<TransformReport> report = TransformTable(Request(keys, 9));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->table, "users");
  EXPECT_EQ(report->records_in, 9u);
  EXPECT_EQ(report->rows_out, 3u);
  EXPECT_EQ(report->duplicates, 2u);  // second id 1 and second id 2: first kept
  EXPECT_EQ(report->quarantined, 4u);
  EXPECT_EQ(report->records_in, report->rows_out + report->duplicates + report->quarantined);
  EXPECT_EQ(report->bytes_in, kUsersPart0.size() + kUsersPart1.size());
  EXPECT_EQ(report->parts, (std::vector<std::string>{std::string(kPrefix) + "part-00000.csv"}));
  EXPECT_EQ(report->quarantine_parts,
            (std::vector<std::string>{std::string(kPrefix) + "quarantine/part-00000.jsonl"}));
  EXPECT_EQ(report->schema_key, std::string(kPrefix) + "schema.json");

  EXPECT_EQ(Get(report->parts[0]),
            "id,name,email,address_geo_lat,company_catch_phrase\n"
            "1,Leanne Graham,Sincere@april.biz,-37.3159,Multi-layered client-server neural-net\n"
            "2,\"Ervin, \"\"the\"\" Howell\",,,\n"
            "3,\"\",,,\n");

  const std::string quarantine = Get(report->quarantine_parts[0]);
  std::vector<nlohmann::json> lines;
  for (size_t start = 0, end; (end = quarantine.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(nlohmann::json::parse(quarantine.substr(start, end - start)));
  }
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["reason"], "column id: expected bigint, got string \"abc\"");
  EXPECT_EQ(lines[0]["raw_key"], keys[0]);
  EXPECT_EQ(lines[0]["index"], 2);
  EXPECT_EQ(lines[0]["record"], nlohmann::json::parse(R"({"id": "abc", "name": "Bad Id"})"));
  EXPECT_EQ(lines[1]["reason"], "required column name is missing");
  EXPECT_EQ(lines[1]["raw_key"], keys[1]);
  EXPECT_EQ(lines[1]["index"], 1);
  EXPECT_EQ(lines[2]["reason"], "the record is a scalar, not an object");
  EXPECT_EQ(lines[2]["record"], 17);
  EXPECT_EQ(lines[3]["reason"], "column address_geo_lat: expected double, got string \"north\"");

  const nlohmann::json schema = nlohmann::json::parse(Get(report->schema_key));
  EXPECT_EQ(schema["table"], "users");
  EXPECT_EQ(schema["source"], "jsonplaceholder");
  EXPECT_EQ(schema["ds"], "2025-03-15");
  EXPECT_EQ(schema["run_id"], "run-2");
  EXPECT_EQ(schema["raw_run_id"], "r1");
  EXPECT_EQ(schema["columns"][0], nlohmann::json::parse(R"({"name":"id","type":"bigint","required":true})"));
  EXPECT_EQ(schema["columns"][3]["type"], "double precision");  // PostgreSQL's spelling
  EXPECT_EQ(schema["primary_key"], nlohmann::json::parse(R"(["id"])"));
  EXPECT_EQ(schema["parts"], nlohmann::json(report->parts));
  EXPECT_EQ(schema["rows"], 3);
  EXPECT_EQ(schema["records_in"], 9);
  EXPECT_EQ(schema["duplicates"], 2);
  EXPECT_EQ(schema["quarantined"], 4);
  EXPECT_EQ(schema["ignored_fields"],
            nlohmann::json::parse(R"(["address_geo_lng","address_street","company_name","username"])"));

  Result<CleanSchema> parsed = ReadCleanSchema(*store_, report->schema_key);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->parts, report->parts);
  EXPECT_EQ(parsed->columns.size(), 5u);
  EXPECT_EQ(parsed->columns[3].type, ColumnType::kDouble);
  EXPECT_EQ(parsed->rows, 3u);
}

TEST_F(TransformTableTest, ManifestCountMismatchFailsWithoutSchema) {
  const std::vector<std::string> keys = {PutRaw(0, kUsersPart0)};
  Result<TransformReport> report = TransformTable(Request(keys, 5));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kDataLoss);
  EXPECT_EQ(report.error().message(),
            "transform table users ds 2025-03-15: read 4 records from 1 raw parts of run r1, its "
            "manifest says 5");
  Result<CleanSchema> schema = ReadCleanSchema(*store_, std::string(kPrefix) + "schema.json");
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error().code(), Code::kNotFound);
}

TEST_F(TransformTableTest, MalformedRawPartFailsAndNamesIt) {
  const std::string key = PutRaw(0, R"([{"id": 1, "name": "a"}, {"id": 2, "name": "b")");
  Result<TransformReport> report = TransformTable(Request({key}, std::nullopt));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kDataLoss);
  EXPECT_NE(report.error().message().find(key + ": malformed JSON"), std::string::npos)
      << report.error().message();
}

TEST_F(TransformTableTest, MissingRawPartIsNotFound) {
  Result<TransformReport> report =
      TransformTable(Request({"raw/jsonplaceholder/users/ds=2025-03-15/run=r1/part-00009.json"},
                             std::nullopt));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kNotFound);
}

TEST_F(TransformTableTest, RollsPartsAndReplacesThePartitionOnRerun) {
  std::string json = "[";
  for (int i = 1; i <= 25; ++i) json += fmt::format("{}{{\"id\":{},\"name\":\"n{}\"}}", i > 1 ? "," : "", i, i);
  json += ",{\"id\":\"x\",\"name\":\"q\"}]";
  const std::string key = PutRaw(0, json);
  TransformRequest request = Request({key}, 26);
  request.options.max_rows_per_part = 10;
  Result<TransformReport> first = TransformTable(request);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->parts.size(), 3u);
  EXPECT_EQ(first->rows_out, 25u);
  EXPECT_EQ(first->quarantined, 1u);
  std::string all;
  for (const std::string& part : first->parts) {
    const std::string text = Get(part);
    ASSERT_EQ(text.rfind("id,name,email,address_geo_lat,company_catch_phrase\n", 0), 0u);
    all += text;
  }
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 25 + 3);

  // An object of an older, larger run that no schema lists.
  ASSERT_TRUE(lake::PutString(*store_, std::string(kPrefix) + "part-00007.csv", "stale"));

  // Re-run on fewer records: bigger parts, no quarantine; everything else goes.
  const std::string smaller = PutRaw(0, R"([{"id":1,"name":"a"},{"id":2,"name":"b"}])");
  Result<TransformReport> second = TransformTable(Request({smaller}, 2));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->parts, (std::vector<std::string>{std::string(kPrefix) + "part-00000.csv"}));
  EXPECT_TRUE(second->quarantine_parts.empty());
  EXPECT_EQ(Keys(kPrefix), (std::vector<std::string>{std::string(kPrefix) + "part-00000.csv",
                                                     std::string(kPrefix) + "schema.json"}));
  EXPECT_EQ(second->deleted_keys.size(), 4u);  // parts 1, 2, 7 and the old quarantine
  EXPECT_EQ(Get(std::string(kPrefix) + "part-00000.csv"),
            "id,name,email,address_geo_lat,company_catch_phrase\n1,a,,,\n2,b,,,\n");
}

TEST_F(TransformTableTest, NoRecordsWritesSchemaWithoutParts) {
  const std::string key = PutRaw(0, "[]");
  Result<TransformReport> report = TransformTable(Request({key}, 0));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->parts.empty());
  EXPECT_EQ(report->rows_out, 0u);
  EXPECT_EQ(Keys(kPrefix), (std::vector<std::string>{std::string(kPrefix) + "schema.json"}));
}

TEST_F(TransformTableTest, CompositeKeyDedupesOnAllColumns) {
  TableSpec table;
  table.name = "memberships";
  table.resource = "memberships";
  table.columns = {{"user_id", ColumnType::kBigint, "user_id", true},
                   {"group", ColumnType::kText, "group", true},
                   {"since", ColumnType::kTimestamp, "since", false}};
  table.primary_key = {"user_id", "group"};
  pipeline_.tables.push_back(table);
  const std::string key = PutRaw(0, R"([
    {"userId": 1, "group": "a,b", "since": "2025-01-01T00:00:00Z"},
    {"userId": 1, "group": "a", "since": "2025-01-02T00:00:00Z"},
    {"userId": "1", "group": "a,b", "since": "2025-01-03T00:00:00Z"},
    {"userId": 2, "group": "a,b"}
  ])");
  Result<TransformReport> report = TransformTable(Request(pipeline_.tables[1], {key}, 4));
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->rows_out, 3u);
  EXPECT_EQ(report->duplicates, 1u);
  EXPECT_EQ(Get(report->parts[0]),
            "user_id,group,since\n1,\"a,b\",2025-01-01 00:00:00+00\n1,a,2025-01-02 00:00:00+00\n"
            "2,\"a,b\",\n");
}

TEST_F(TransformTableTest, RejectsBadRequests) {
  TransformRequest request = Request({}, std::nullopt);
  request.ds = "2025-3-15";
  Result<TransformReport> report = TransformTable(request);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
  EXPECT_NE(report.error().message().find("is not a date YYYY-MM-DD"), std::string::npos);

  TransformRequest no_run = Request({}, std::nullopt);
  no_run.run_id = "";
  EXPECT_FALSE(TransformTable(no_run));

  report = TransformTable(Request({"raw/../etc/passwd"}, std::nullopt));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::transform
