// DAG endpoints: shapes, filters, pause, 404 and 422.
#include "server_fixture.h"

namespace sluice::server::testing {
namespace {

using json = nlohmann::json;

TEST_F(ServerTest, ListsDagsWithAirflowFields) {
  StartServer();
  Response response = Get("/api/v2/dags", AdminToken());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json["total_entries"], 1);
  const json& dag = response.json["dags"][0];
  EXPECT_EQ(dag["dag_id"], kDagId);
  EXPECT_EQ(dag["is_paused"], false);
  EXPECT_EQ(dag["timetable_summary"], "*/30 * * * *");
  EXPECT_EQ(dag["max_active_runs"], 1);
  EXPECT_EQ(dag["tags"][0]["name"], "company");
  for (const char* field :
       {"dag_display_name", "is_stale", "fileloc", "file_token", "owners", "has_import_errors",
        "has_task_concurrency_limits", "is_backfillable", "max_active_tasks",
        "max_consecutive_failed_dag_runs", "timetable_partitioned", "timetable_periodic"}) {
    EXPECT_TRUE(dag.contains(field)) << field;
  }
}

TEST_F(ServerTest, FiltersDags) {
  StartServer();
  std::string token = AdminToken();
  EXPECT_EQ(Get("/api/v2/dags?dag_id_pattern=%25JSONPLACEHOLDER%25", token).json["total_entries"],
            1);
  EXPECT_EQ(Get("/api/v2/dags?dag_id_pattern=nothing", token).json["total_entries"], 0);
  EXPECT_EQ(Get("/api/v2/dags?paused=true", token).json["total_entries"], 0);
  EXPECT_EQ(Get("/api/v2/dags?paused=false", token).json["total_entries"], 1);
  Response page = Get("/api/v2/dags?limit=0", token);
  EXPECT_TRUE(page.json["dags"].empty());
  EXPECT_EQ(page.json["total_entries"], 1);
  EXPECT_EQ(Get("/api/v2/dags?limit=abc", token).status, 422);
  EXPECT_EQ(Get("/api/v2/dags?paused=maybe", token).status, 422);
}

TEST_F(ServerTest, PausesAndUnpauses) {
  StartServer();
  std::string token = Token("user", kUserPassword);
  std::string dag = std::string("/api/v2/dags/") + kDagId;
  Response paused = Send("PATCH", dag, R"({"is_paused": true})", token);
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(paused.json["is_paused"], true);
  EXPECT_TRUE(store_->GetDag(kDagId)->is_paused);
  EXPECT_EQ(Send("PATCH", dag + "?update_mask=is_paused", R"({"is_paused": false})", token)
                .json["is_paused"],
            false);
}

TEST_F(ServerTest, PatchRefusesBadBodiesAndChangesNothing) {
  StartServer();
  std::string token = AdminToken();
  std::string dag = std::string("/api/v2/dags/") + kDagId;
  struct Case {
    const char* name;
    const char* body;
  } cases[] = {{"malformed JSON", R"({"is_paused": tru)"},
               {"missing field", R"({})"},
               {"wrong type", R"({"is_paused": "yes"})"},
               {"unknown field", R"({"is_paused": true, "owner": "x"})"},
               {"not an object", R"([true])"},
               {"deeply nested", nullptr}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string body = c.body ? c.body : std::string(100, '[') + std::string(100, ']');
    Response response = Send("PATCH", dag, body, token);
    EXPECT_EQ(response.status, 422) << response.body;
    EXPECT_TRUE(response.json["detail"].is_array());
  }
  EXPECT_FALSE(store_->GetDag(kDagId)->is_paused);
}

TEST_F(ServerTest, UnknownDagIs404WithDetail) {
  StartServer();
  std::string token = AdminToken();
  Response response = Get("/api/v2/dags/no_such_dag", token);
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(response.json["detail"].is_string());
  EXPECT_EQ(Get("/api/v2/dags/no_such_dag/dagRuns", token).status, 404);
  EXPECT_EQ(Send("PATCH", "/api/v2/dags/no_such_dag", R"({"is_paused": true})", token).status, 404);
  EXPECT_EQ(Get("/api/v2/no/such/route", token).status, 404);
  EXPECT_EQ(Send("DELETE", "/api/v2/dags", "", token).status, 405);
}

TEST_F(ServerTest, ListsImportErrors) {
  metadb::DagSync sync{.import_errors = {{dir_ + "/dags/broken.yaml", "broken.yaml:3:1: bad"}},
                       .complete = false};
  ASSERT_TRUE(store_->SyncDags(sync).has_value());
  StartServer();
  Response response = Get("/api/v2/importErrors", AdminToken());
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.json["total_entries"], 1);
  EXPECT_EQ(response.json["import_errors"][0]["stack_trace"], "broken.yaml:3:1: bad");
  EXPECT_EQ(response.json["import_errors"][0]["import_error_id"], 1);
}

TEST_F(ServerTest, GraphListsTasksAndEdges) {
  StartServer();
  Response response = Get(std::string("/api/v2/sluice/dags/") + kDagId + "/graph", AdminToken());
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json["tasks"].size(), 4u);
  EXPECT_EQ(response.json["edges"].size(), 3u);
  EXPECT_EQ(response.json["tasks"][0]["task_id"], "raw_data_collection_task");
  EXPECT_EQ(response.json["tasks"][0]["downstream"], json({"raw_data_processing_task"}));
}

}  // namespace
}  // namespace sluice::server::testing
