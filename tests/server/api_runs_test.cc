// Runs and task instances: trigger, read, duplicate, validation, clear, mark,
// logs, grid.
#include <filesystem>
#include <fstream>

#include "server_fixture.h"

namespace sluice::server::testing {
namespace {

using json = nlohmann::json;

class RunsTest : public ServerTest {
 protected:
  std::string Runs() { return std::string("/api/v2/dags/") + kDagId + "/dagRuns"; }
  json Trigger(const std::string& body, int expected_status = 200) {
    Response response = Send("POST", Runs(), body, token_);
    EXPECT_EQ(response.status, expected_status) << response.body;
    return response.json;
  }
  void SetUp() override {
    ServerTest::SetUp();
    StartServer();
    token_ = Token("user", kUserPassword);
  }
  std::string token_;
};

TEST_F(RunsTest, TriggerCreatesAQueuedManualRunWithTaskInstances) {
  json run = Trigger(R"({"logical_date": "2025-03-15T10:07:00Z", "conf": {"k": 1},
                         "dag_run_id": "my_run"})");
  EXPECT_EQ(run["dag_run_id"], "my_run");
  EXPECT_EQ(run["state"], "queued");
  EXPECT_EQ(run["run_type"], "manual");
  EXPECT_EQ(run["triggered_by"], "rest_api");
  EXPECT_EQ(run["logical_date"], "2025-03-15T10:07:00Z");
  EXPECT_EQ(run["data_interval_start"], "2025-03-15T09:30:00Z");  // */30: the interval ended last
  EXPECT_EQ(run["data_interval_end"], "2025-03-15T10:00:00Z");
  EXPECT_EQ(run["conf"], json({{"k", 1}}));
  EXPECT_EQ(run["dag_versions"].size(), 1u);
  EXPECT_TRUE(run["run_after"].is_string());
  auto tis = store_->ListTaskInstances({.dag_id = kDagId, .run_id = "my_run"});
  ASSERT_TRUE(tis.has_value());
  EXPECT_EQ(tis->items.size(), 14u);  // collection and processing map over six items each
  Response listed = Get(Runs() + "/my_run/taskInstances", token_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json["total_entries"], 14);
  json ti;
  for (const json& candidate : listed.json["task_instances"]) {
    if (candidate["task_id"] == "raw_data_collection_task") ti = candidate;
  }
  ASSERT_FALSE(ti.is_null()) << listed.body;
  EXPECT_TRUE(ti["state"].is_null());  // "none" is null, as in Airflow
  EXPECT_EQ(ti["operator"], "http_extract");
  EXPECT_EQ(ti["run_after"], run["run_after"]);
  EXPECT_EQ(Get(Runs() + "/my_run", token_).json["dag_run_id"], "my_run");
  Response one = Get(Runs() + "/my_run/taskInstances/create_tables_task", token_);
  EXPECT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json["priority_weight"], 2);
}

TEST_F(RunsTest, NullLogicalDateMeansNow) {
  json run = Trigger(R"({"logical_date": null})");
  EXPECT_TRUE(run["dag_run_id"].get<std::string>().starts_with("manual__"));
  EXPECT_EQ(run["logical_date"], run["run_after"]);
}

TEST_F(RunsTest, DuplicateRunIdIs409AndChangesNothing) {
  Trigger(R"({"logical_date": null, "dag_run_id": "dup"})");
  json second = Trigger(R"({"logical_date": null, "dag_run_id": "dup", "conf": {"x": 2}})", 409);
  EXPECT_TRUE(second["detail"].is_string());
  EXPECT_EQ(store_->GetRun(kDagId, "dup")->conf, "{}");
}

TEST_F(RunsTest, RefusesBadTriggerBodiesAndCreatesNothing) {
  struct Case {
    const char* name;
    const char* body;
    const char* loc;
  } cases[] = {
      {"malformed", R"({"logical_date": )", nullptr},
      {"missing logical_date", R"({"conf": {}})", "logical_date"},
      {"naive time", R"({"logical_date": "2025-03-15T10:00:00"})", "logical_date"},
      {"not a time", R"({"logical_date": "yesterday"})", "logical_date"},
      {"conf not an object", R"({"logical_date": null, "conf": [1]})", "conf"},
      {"unknown field", R"({"logical_date": null, "bogus": 1})", "bogus"},
      {"run id with a slash", R"({"logical_date": null, "dag_run_id": "../x"})", "dag_run_id"},
      {"half an interval",
       R"({"logical_date": null, "data_interval_start": "2025-03-15T00:00:00Z"})", nullptr}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json error = Trigger(c.body, 422);
    ASSERT_TRUE(error["detail"].is_array());
    if (c.loc) {
      EXPECT_EQ(error["detail"][0]["loc"][1], c.loc);
    }
  }
  EXPECT_TRUE(store_->ListRuns({.dag_id = kDagId})->items.empty());
}

TEST_F(RunsTest, ListsRunsAcrossDagsWithTilde) {
  Trigger(R"({"logical_date": "2025-03-15T00:00:00Z", "dag_run_id": "a"})");
  Trigger(R"({"logical_date": "2025-03-16T00:00:00Z", "dag_run_id": "b"})");
  Response all = Get("/api/v2/dags/~/dagRuns?order_by=-logical_date", token_);
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json["total_entries"], 2);
  EXPECT_EQ(all.json["dag_runs"][0]["dag_run_id"], "b");
  EXPECT_EQ(Get(Runs() + "?state=queued&limit=1", token_).json["dag_runs"].size(), 1u);
  EXPECT_EQ(Get(Runs() + "?state=bogus", token_).status, 422);
  EXPECT_EQ(Get(Runs() + "/no_such_run", token_).status, 404);
}

TEST_F(RunsTest, ClearAndMarkChangeTaskInstances) {
  Trigger(R"({"logical_date": null, "dag_run_id": "r"})");
  Response marked = Send("PATCH", Runs() + "/r/taskInstances/create_tables_task",
                         R"({"new_state": "failed"})", token_);
  ASSERT_EQ(marked.status, 200) << marked.body;
  EXPECT_EQ(marked.json["task_instances"][0]["state"], "failed");
  std::string clear = std::string("/api/v2/dags/") + kDagId + "/clearTaskInstances";
  Response dry =
      Send("POST", clear, R"({"dag_run_id": "r", "task_ids": ["create_tables_task"],
                                         "include_downstream": true})",
           token_);
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json["total_entries"], 1);  // only_failed by default; dry run by default
  EXPECT_EQ(store_->GetTaskInstance({kDagId, "r", "create_tables_task", -1})->state,
            metadb::TaskState::kFailed);
  Response done = Send("POST", clear, R"({"dag_run_id": "r", "dry_run": false,
                                          "only_failed": false})",
                       token_);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.json["total_entries"], 14);
  EXPECT_EQ(store_->GetTaskInstance({kDagId, "r", "create_tables_task", -1})->state,
            metadb::TaskState::kNone);
  EXPECT_EQ(Send("POST", clear, R"({"dag_run_id": "nope", "dry_run": false})", token_).status, 404);
  EXPECT_EQ(Send("POST", clear, R"({"task_ids": "x"})", token_).status, 422);
}

TEST_F(RunsTest, ReadsTaskLogsAsStructuredLines) {
  Trigger(R"({"logical_date": null, "dag_run_id": "logs"})");
  metadb::TaskInstanceKey key{kDagId, "logs", "create_tables_task", -1};
  ASSERT_TRUE(store_
                  ->TransitionTaskInstances(std::vector<metadb::TaskTransition>{
                      {.key = key, .to = metadb::TaskState::kQueued, .new_try = true}})
                  .has_value());
  std::string folder = home_ + "/logs/dag_id=" + kDagId + "/run_id=logs/task_id=" + key.task_id;
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/attempt=1.log") << "[2025-03-15T10:00:00.000Z] fetching users\n"
                                              "plain line\n";
  std::string path = Runs() + "/logs/taskInstances/create_tables_task/logs/1";
  Response log = Get(path, token_);
  ASSERT_EQ(log.status, 200) << log.body;
  ASSERT_EQ(log.json["content"].size(), 2u);
  EXPECT_EQ(log.json["content"][0]["event"], "fetching users");
  EXPECT_EQ(log.json["content"][0]["timestamp"], "2025-03-15T10:00:00+00:00");
  EXPECT_EQ(log.json["content"][1]["event"], "plain line");
  std::string token = log.json["continuation_token"];
  std::ofstream(folder + "/attempt=1.log", std::ios::app) << "more\n";
  Response next = Get(path + "?token=" + token, token_);
  ASSERT_EQ(next.json["content"].size(), 1u);
  EXPECT_EQ(next.json["content"][0]["event"], "more");
  EXPECT_EQ(Get(path + "?token=garbage!", token_).status, 400);
  EXPECT_EQ(Get(Runs() + "/logs/taskInstances/create_tables_task/logs/7", token_).status,
            404);
  Response text = Get(path, token_, {{"Accept", "text/plain"}});
  EXPECT_EQ(text.body.substr(0, 1), "[");
}

TEST_F(RunsTest, GridShowsRunsByTask) {
  Trigger(R"({"logical_date": null, "dag_run_id": "g"})");
  Response grid = Get(std::string("/api/v2/sluice/dags/") + kDagId + "/grid", token_);
  ASSERT_EQ(grid.status, 200) << grid.body;
  EXPECT_EQ(grid.json["runs"][0]["dag_run_id"], "g");
  EXPECT_EQ(grid.json["runs"][0]["task_instances"]["create_tables_task"]["state"], "none");
  EXPECT_EQ(grid.json["tasks"].size(), 4u);
}

}  // namespace
}  // namespace sluice::server::testing
