// The lake browser and lineage against a file lake.
#include "server_fixture.h"

namespace sluice::server::testing {
namespace {

using json = nlohmann::json;

class LakeTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    StartServer();
    token_ = Token("viewer", kViewerPassword);
    ASSERT_TRUE(lake::PutString(*lake_, "raw/src/users/ds=2025-03-15/run=r1/part-00000.json",
                                R"([{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])")
                    .has_value());
    ASSERT_TRUE(lake::PutString(*lake_, "clean/src/users/ds=2025-03-15/part-00000.csv",
                                "id,name\n1,\"a, with comma\"\n2,b\n")
                    .has_value());
  }
  std::string token_;
};

TEST_F(LakeTest, ListsBucketsPrefixesAndObjects) {
  Response buckets = Get("/api/v2/sluice/lake/buckets", token_);
  ASSERT_EQ(buckets.status, 200) << buckets.body;
  EXPECT_EQ(buckets.json["buckets"].size(), 2u);
  Response root = Get("/api/v2/sluice/lake/list?prefix=raw/", token_);
  ASSERT_EQ(root.status, 200) << root.body;
  EXPECT_EQ(root.json["prefixes"], json({"raw/src/"}));
  Response deep =
      Get("/api/v2/sluice/lake/list?prefix=raw/src/users/ds%3D2025-03-15/run%3Dr1", token_);
  ASSERT_EQ(deep.status, 200) << deep.body;
  EXPECT_EQ(deep.json["objects"][0]["name"], "part-00000.json");
  EXPECT_EQ(deep.json["objects"][0]["kind"], "json");
}

TEST_F(LakeTest, PreviewsJsonRecordsAndCsvRows) {
  Response raw =
      Get("/api/v2/sluice/lake/preview?key=raw/src/users/ds%3D2025-03-15/run%3Dr1/"
          "part-00000.json&bytes=30",
          token_);
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_TRUE(raw.json["truncated"]);
  EXPECT_EQ(raw.json["records"], json::parse(R"([{"id": 1, "name": "a"}])"));
  Response csv =
      Get("/api/v2/sluice/lake/preview?key=clean/src/users/ds%3D2025-03-15/part-00000.csv", token_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.json["columns"], json({"id", "name"}));
  EXPECT_EQ(csv.json["rows"][0], json({"1", "a, with comma"}));
  Response download = Get(
      "/api/v2/sluice/lake/download?key=clean/src/users/ds%3D2025-03-15/part-00000.csv", token_);
  EXPECT_EQ(download.status, 200);
  EXPECT_EQ(download.body, "id,name\n1,\"a, with comma\"\n2,b\n");
  EXPECT_NE(download.Header("Content-Disposition").find("part-00000.csv"), std::string::npos);
}

TEST_F(LakeTest, RefusesHostileKeysWith400) {
  for (const char* query :
       {"key=raw/../../../etc/passwd", "key=/etc/passwd", "key=raw/%2E%2E/secret", "key=raw//x",
        "key=raw/a%00b", "key=..", "key=raw/a%0Ab"}) {
    SCOPED_TRACE(query);
    for (const char* endpoint : {"object", "preview", "download"}) {
      Response response = Get(std::string("/api/v2/sluice/lake/") + endpoint + "?" + query, token_);
      EXPECT_EQ(response.status, 400) << endpoint << ": " << response.body;
    }
  }
  EXPECT_EQ(Get("/api/v2/sluice/lake/list?prefix=raw/../..", token_).status, 400);
  EXPECT_EQ(Get("/api/v2/sluice/lake/object", token_).status, 422);
  EXPECT_EQ(Get("/api/v2/sluice/lake/object?key=raw/missing.json", token_).status, 404);
}

TEST_F(LakeTest, LineageOfARunWithoutDataSaysMissing) {
  std::string runs = std::string("/api/v2/dags/") + kDagId + "/dagRuns";
  ASSERT_EQ(Send("POST", runs, R"({"logical_date": null, "dag_run_id": "l"})", AdminToken()).status,
            200);
  Response lineage =
      Get(std::string("/api/v2/sluice/dags/") + kDagId + "/dagRuns/l/lineage", token_);
  ASSERT_EQ(lineage.status, 200) << lineage.body;
  EXPECT_EQ(lineage.json["tables"].size(), 6u);
  EXPECT_EQ(lineage.json["tables"][0]["raw"]["status"], "missing");
  EXPECT_TRUE(lineage.json["ok"].is_null());
}

}  // namespace
}  // namespace sluice::server::testing
