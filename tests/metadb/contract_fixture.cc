#include "metadb/contract_fixture.h"

namespace sluice::metadb::testing {

std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

void MetaStoreContract::SetUp() {
  auto database = TestDatabase::Create(GetParam());
  if (!database) {
    if (database.error().code() == Code::kUnavailable && !RunningInCi()) {
      GTEST_SKIP() << "PostgreSQL unavailable: " << database.error().ToString();
    }
    FAIL() << database.error().ToString();
  }
  database_ = std::move(*database);
  auto store = OpenMetaStore(database_->url(), {.clock = &clock_});
  ASSERT_TRUE(store) << store.error().ToString();
  store_ = std::move(*store);
  ASSERT_OK(store_->Migrate());
}

std::unique_ptr<MetaStore> MetaStoreContract::OpenAnother() {
  auto store = OpenMetaStore(database_->url(), {.clock = &clock_});
  EXPECT_TRUE(store) << store.error().ToString();
  return store ? std::move(*store) : nullptr;
}

DagRecord MetaStoreContract::MakeDag(const std::string& dag_id, const std::string& hash) {
  DagRecord dag;
  dag.dag_id = dag_id;
  dag.file_path = "/pipelines/" + dag_id + ".yaml";
  dag.definition_hash = hash;
  dag.definition = R"({"dag_id":")" + dag_id + R"(","hash":")" + hash + R"("})";
  dag.schedule = "@daily";
  dag.timezone = "Europe/Berlin";
  dag.description = "test DAG " + dag_id;
  dag.tags = {"test", "etl"};
  return dag;
}

void MetaStoreContract::SyncDag(const std::string& dag_id, const std::string& hash) {
  DagSync sync;
  sync.dags.push_back(MakeDag(dag_id, hash));
  sync.complete = false;
  ASSERT_OK(store_->SyncDags(sync));
}

DagRun MetaStoreContract::CreateRun(const std::string& dag_id, const std::string& run_id,
                                    const std::vector<std::string>& task_ids,
                                    std::optional<TimePoint> logical_date) {
  NewRun new_run;
  new_run.run.dag_id = dag_id;
  new_run.run.run_id = run_id;
  new_run.run.run_type = RunType::kManual;
  new_run.run.logical_date = logical_date;
  new_run.run.run_after = clock_.Now();
  new_run.run.triggered_by = "test";
  for (const std::string& task_id : task_ids) {
    NewTaskInstance ti;
    ti.task_id = task_id;
    ti.retries = 2;
    new_run.task_instances.push_back(ti);
  }
  auto run = store_->CreateRun(new_run);
  EXPECT_TRUE(run) << run.error().ToString();
  return run ? *run : DagRun{};
}

TaskInstanceKey MetaStoreContract::Key(const std::string& run_id, const std::string& task_id,
                                       int map_index) {
  return TaskInstanceKey{dag_id_, run_id, task_id, map_index};
}

TaskInstance MetaStoreContract::Get(const TaskInstanceKey& key) {
  auto ti = store_->GetTaskInstance(key);
  EXPECT_TRUE(ti) << ti.error().ToString();
  return ti ? *ti : TaskInstance{};
}

void MetaStoreContract::Queue(const TaskInstanceKey& key) {
  TaskTransition transition;
  transition.key = key;
  transition.from = {TaskState::kNone, TaskState::kScheduled, TaskState::kUpForRetry};
  transition.to = TaskState::kQueued;
  transition.new_try = true;
  auto applied = TransitionTaskInstance(*store_, transition);
  ASSERT_TRUE(applied) << applied.error().ToString();
  ASSERT_TRUE(*applied);
}

}  // namespace sluice::metadb::testing
