// The MetaStore contract, part 1: opening, schema, DAGs, runs, backfills and
// leases. Every test runs on SQLite and on PostgreSQL.
#include <thread>

#include "metadb/contract_fixture.h"

namespace sluice::metadb::testing {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_P(MetaStoreContract, MigrateIsIdempotentAndCheckPasses) {
  ASSERT_OK_AND_ASSIGN(int version, store_->SchemaVersion());
  EXPECT_EQ(version, store_->LatestSchemaVersion());
  EXPECT_GE(version, 1);
  ASSERT_OK(store_->Check());
  ASSERT_OK(store_->Migrate());
  ASSERT_OK(store_->Migrate());
  ASSERT_OK_AND_ASSIGN(version, store_->SchemaVersion());
  EXPECT_EQ(version, store_->LatestSchemaVersion());
}

TEST_P(MetaStoreContract, FreshDatabaseFailsCheckUntilMigratedFromSeveralProcessesAtOnce) {
  // A second, empty database: drop this test's tables by using a new one.
  auto fresh = TestDatabase::Create(GetParam());
  ASSERT_OK(fresh);
  auto empty_store = OpenMetaStore((*fresh)->url(), {.clock = &clock_});
  ASSERT_OK(empty_store);
  ASSERT_OK_AND_ASSIGN(int version, (*empty_store)->SchemaVersion());
  EXPECT_EQ(version, 0);
  Status check = (*empty_store)->Check();
  ASSERT_FALSE(check);
  EXPECT_EQ(check.error().code(), Code::kFailedPrecondition);
  EXPECT_NE(check.error().hint().find("sluice db migrate"), std::string::npos);
  auto dag = (*empty_store)->GetDag("anything");
  ASSERT_FALSE(dag);
  EXPECT_EQ(dag.error().code(), Code::kFailedPrecondition) << dag.error().ToString();

  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto store = OpenMetaStore((*fresh)->url(), {.clock = &clock_});
      results[i] = store ? (*store)->Migrate() : Status(store.error());
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) ASSERT_OK(result);
  ASSERT_OK((*empty_store)->Check());
}

TEST_P(MetaStoreContract, OpenRejectsBadUrlsWithoutLeakingPasswords) {
  auto unknown = OpenMetaStore(*Url::Parse("mysql://u@h/db"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), Code::kInvalidArgument);
  EXPECT_NE(unknown.error().message().find("unknown scheme"), std::string::npos);

  if (GetParam() == Backend::kSqlite) {
    auto relative = OpenMetaStore(*Url::Parse("sqlite://relative/meta.db"));
    ASSERT_FALSE(relative);
    EXPECT_EQ(relative.error().code(), Code::kInvalidArgument);
    auto missing_folder = OpenMetaStore(*Url::Parse("sqlite:///nonexistent-folder-xyz/meta.db"));
    ASSERT_FALSE(missing_folder);
    EXPECT_EQ(missing_folder.error().code(), Code::kUnavailable)
        << missing_folder.error().ToString();
    auto memory = OpenMetaStore(*Url::Parse("sqlite:///:memory:"));
    ASSERT_OK(memory);
    ASSERT_OK((*memory)->Migrate());
    ASSERT_OK((*memory)->Check());
    return;
  }
  Url wrong_password = database_->url();
  wrong_password.password = "Sekrit-pw-4711";
  wrong_password.has_password = true;
  wrong_password.user = "sluice_no_such_user";
  auto refused = OpenMetaStore(wrong_password);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kUnauthenticated) << refused.error().ToString();
  EXPECT_EQ(refused.error().ToString().find("Sekrit-pw-4711"), std::string::npos);

  Url missing_db = database_->url();
  missing_db.path = "/sluice_no_such_database_xyz";
  auto missing = OpenMetaStore(missing_db);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound) << missing.error().ToString();
}

TEST_P(MetaStoreContract, SyncDagsInsertsThenUpdatesKeepingPauseAndVersions) {
  DagRecord dag = MakeDag("etl");
  dag.is_paused = true;
  DagSync sync;
  sync.dags = {dag};
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK_AND_ASSIGN(DagRecord stored, store_->GetDag("etl"));
  EXPECT_EQ(stored.file_path, "/pipelines/etl.yaml");
  EXPECT_EQ(stored.definition, dag.definition);
  EXPECT_EQ(stored.timezone, "Europe/Berlin");
  EXPECT_EQ(stored.tags, (std::vector<std::string>{"test", "etl"}));
  EXPECT_TRUE(stored.is_paused);
  EXPECT_EQ(stored.version_number, 1);
  EXPECT_EQ(stored.last_parsed_at, kStart);

  ASSERT_OK(store_->SetDagPaused("etl", false));
  ASSERT_OK(store_->SyncDags(sync));  // same hash: no new version, pause kept
  ASSERT_OK_AND_ASSIGN(stored, store_->GetDag("etl"));
  EXPECT_FALSE(stored.is_paused);
  EXPECT_EQ(stored.version_number, 1);

  clock_.Advance(seconds(30));
  sync.dags[0] = MakeDag("etl", "h2");
  sync.dags[0].is_paused = true;  // ignored for a known DAG
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK_AND_ASSIGN(stored, store_->GetDag("etl"));
  EXPECT_EQ(stored.version_number, 2);
  EXPECT_EQ(stored.definition_hash, "h2");
  EXPECT_FALSE(stored.is_paused);
  EXPECT_EQ(stored.last_parsed_at, kStart + seconds(30));
  ASSERT_OK_AND_ASSIGN(DagVersion first, store_->GetDagVersion("etl", 1));
  EXPECT_EQ(first.definition_hash, "h1");
  EXPECT_EQ(first.created_at, kStart);
  auto absent = store_->GetDagVersion("etl", 3);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code(), Code::kNotFound);

  auto missing = store_->GetDag("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
  EXPECT_EQ(store_->SetDagPaused("nope", true).error().code(), Code::kNotFound);
}

TEST_P(MetaStoreContract, CompleteSyncMarksStaleDagsAndReplacesImportErrors) {
  DagSync sync;
  sync.dags = {MakeDag("a"), MakeDag("b"), MakeDag("c")};
  sync.import_errors = {{"/pipelines/broken.yaml", "broken.yaml:3:1: bad indent"}};
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK_AND_ASSIGN(std::vector<ImportError> errors, store_->ListImportErrors());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "broken.yaml:3:1: bad indent");

  // b's file now fails to parse: b keeps its last definition and stays; c is gone.
  sync.dags = {MakeDag("a")};
  sync.import_errors = {{"/pipelines/b.yaml", "b.yaml:1:1: oops"}};
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK_AND_ASSIGN(Page<DagRecord> active, store_->ListDags({}));
  std::vector<std::string> ids;
  for (const DagRecord& dag : active.items) ids.push_back(dag.dag_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  ASSERT_OK_AND_ASSIGN(DagRecord c, store_->GetDag("c"));
  EXPECT_TRUE(c.is_stale);
  ASSERT_OK_AND_ASSIGN(errors, store_->ListImportErrors());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].file_path, "/pipelines/b.yaml");

  // c comes back; a partial sync of b's fixed file clears b's error only.
  sync.dags = {MakeDag("a"), MakeDag("c")};
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK_AND_ASSIGN(c, store_->GetDag("c"));
  EXPECT_FALSE(c.is_stale);
  DagSync partial;
  partial.complete = false;
  partial.dags = {MakeDag("b")};
  ASSERT_OK(store_->SyncDags(partial));
  ASSERT_OK_AND_ASSIGN(errors, store_->ListImportErrors());
  EXPECT_TRUE(errors.empty());
}

TEST_P(MetaStoreContract, ListDagsFiltersPagesAndFindsDueDags) {
  DagSync sync;
  for (const char* id : {"alpha_etl", "beta_etl", "Gamma_ETL", "delta"}) {
    sync.dags.push_back(MakeDag(id));
  }
  ASSERT_OK(store_->SyncDags(sync));
  ASSERT_OK(store_->SetDagPaused("beta_etl", true));
  DagFilter filter;
  filter.dag_id_pattern = "etl";
  filter.count_total = true;
  filter.limit = 2;
  ASSERT_OK_AND_ASSIGN(Page<DagRecord> page, store_->ListDags(filter));
  EXPECT_EQ(page.total_entries, 3);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].dag_id, "Gamma_ETL");  // bytewise order: capitals first
  EXPECT_EQ(page.items[1].dag_id, "alpha_etl");
  filter.offset = 2;
  ASSERT_OK_AND_ASSIGN(page, store_->ListDags(filter));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].dag_id, "beta_etl");

  DagFilter paused;
  paused.is_paused = true;
  ASSERT_OK_AND_ASSIGN(page, store_->ListDags(paused));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].dag_id, "beta_etl");

  NextDagRun next{kStart, kStart, kStart + hours(24), kStart + hours(24)};
  ASSERT_OK(store_->SetNextDagRun("alpha_etl", next));
  ASSERT_OK(store_->SetNextDagRun("beta_etl", next));  // paused: never due
  DagFilter due;
  due.due_before = kStart + hours(23);
  ASSERT_OK_AND_ASSIGN(page, store_->ListDags(due));
  EXPECT_TRUE(page.items.empty());
  due.due_before = kStart + hours(24);
  ASSERT_OK_AND_ASSIGN(page, store_->ListDags(due));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].dag_id, "alpha_etl");
  EXPECT_EQ(page.items[0].next_dagrun.data_interval_end, kStart + hours(24));
}

TEST_P(MetaStoreContract, CreateRunStoresEverythingAndItsTaskInstances) {
  SyncDag(dag_id_);
  NewRun new_run;
  DagRun& run = new_run.run;
  run.dag_id = dag_id_;
  run.run_id = "scheduled__2025-03-14T00:00:00+00:00";
  run.run_type = RunType::kScheduled;
  run.logical_date = kStart - hours(30) + std::chrono::microseconds(123456);
  run.data_interval_start = run.logical_date;
  run.data_interval_end = *run.logical_date + hours(24);
  run.run_after = *run.data_interval_end;
  run.conf = R"({"full_refresh": true})";
  run.triggered_by = "scheduler";
  for (int i = 0; i < 120; ++i) {  // more than one insert chunk
    NewTaskInstance ti;
    ti.task_id = "extract";
    ti.map_index = i;
    ti.queue = "io";
    ti.retries = 3;
    new_run.task_instances.push_back(ti);
  }
  new_run.task_instances.push_back({.task_id = "load", .state = TaskState::kQueued});
  new_run.next_dagrun = NextDagRun{kStart, kStart, kStart + hours(24), kStart + hours(24)};
  ASSERT_OK_AND_ASSIGN(DagRun created, store_->CreateRun(new_run));
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.state, DagRunState::kQueued);
  EXPECT_EQ(created.queued_at, kStart);
  EXPECT_EQ(created.dag_version_number, 1);

  ASSERT_OK_AND_ASSIGN(DagRun got, store_->GetRun(dag_id_, run.run_id));
  EXPECT_EQ(got.id, created.id);
  EXPECT_EQ(got.run_type, RunType::kScheduled);
  EXPECT_EQ(got.logical_date, run.logical_date);  // microseconds survive
  EXPECT_EQ(got.data_interval_end, run.data_interval_end);
  EXPECT_EQ(got.run_after, run.run_after);
  EXPECT_EQ(got.conf, run.conf);
  EXPECT_EQ(got.triggered_by, "scheduler");
  EXPECT_FALSE(got.start_date.has_value());
  EXPECT_EQ(got.created_at, kStart);

  TaskInstanceFilter filter;
  filter.dag_id = dag_id_;
  filter.run_id = run.run_id;
  filter.count_total = true;
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> tis, store_->ListTaskInstances(filter));
  EXPECT_EQ(tis.total_entries, 121);
  ASSERT_EQ(tis.items.size(), 121u);
  EXPECT_EQ(tis.items[0].key.task_id, "extract");
  EXPECT_EQ(tis.items[0].key.map_index, 0);
  EXPECT_EQ(tis.items[0].state, TaskState::kNone);
  EXPECT_EQ(tis.items[0].try_number, 0);
  EXPECT_EQ(tis.items[0].max_tries, 3);
  EXPECT_EQ(tis.items[0].queue, "io");
  EXPECT_EQ(tis.items[120].key.task_id, "load");
  EXPECT_EQ(tis.items[120].state, TaskState::kQueued);
  EXPECT_EQ(tis.items[120].try_number, 1);

  ASSERT_OK_AND_ASSIGN(DagRecord dag, store_->GetDag(dag_id_));
  EXPECT_EQ(dag.next_dagrun.create_after, kStart + hours(24));
}

TEST_P(MetaStoreContract, DuplicateRunIdIsAlreadyExistsAndChangesNothing) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "manual__1", {"a"});
  NewRun again;
  again.run.dag_id = dag_id_;
  again.run.run_id = "manual__1";
  again.run.run_after = kStart;
  again.task_instances = {{.task_id = "b"}};
  again.next_dagrun = NextDagRun{kStart, kStart, kStart, kStart};
  auto duplicate = store_->CreateRun(again);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), Code::kAlreadyExists);
  EXPECT_NE(duplicate.error().message().find("manual__1"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> tis,
                       store_->ListTaskInstances({.dag_id = dag_id_, .run_id = "manual__1"}));
  ASSERT_EQ(tis.items.size(), 1u);
  EXPECT_EQ(tis.items[0].key.task_id, "a");
  ASSERT_OK_AND_ASSIGN(DagRecord dag, store_->GetDag(dag_id_));
  EXPECT_FALSE(dag.next_dagrun.create_after.has_value());  // rolled back with the run

  NewRun unknown_dag = again;
  unknown_dag.run.dag_id = "nope";
  EXPECT_EQ(store_->CreateRun(unknown_dag).error().code(), Code::kNotFound);
  NewRun twice = again;
  twice.run.run_id = "manual__2";
  twice.task_instances = {{.task_id = "x"}, {.task_id = "x"}};
  EXPECT_EQ(store_->CreateRun(twice).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->GetRun(dag_id_, "manual__2").error().code(), Code::kNotFound);
}

TEST_P(MetaStoreContract, ConcurrentCreatesOfOneRunLeaveExactlyOne) {
  SyncDag(dag_id_);
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, duplicates{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto store = OpenAnother();
      NewRun new_run;
      new_run.run.dag_id = dag_id_;
      new_run.run.run_id = "scheduled__x";
      new_run.run.run_after = kStart;
      new_run.task_instances = {{.task_id = "a"}, {.task_id = "b"}};
      auto run = store->CreateRun(new_run);
      if (run) ++created;
      if (!run && run.error().code() == Code::kAlreadyExists) ++duplicates;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicates.load(), 5);
}

TEST_P(MetaStoreContract, ListRunsFiltersOrdersAndPages) {
  SyncDag(dag_id_);
  SyncDag("other");
  for (int day = 0; day < 5; ++day) {
    clock_.Advance(seconds(1));
    CreateRun(dag_id_, fmt::format("run_{}", day), {"t"}, kStart + hours(24 * day));
  }
  CreateRun("other", "run_x", {"t"}, kStart);
  CreateRun(dag_id_, "no_logical_date", {"t"});
  ASSERT_OK_AND_ASSIGN(
      bool set, store_->SetRunState(dag_id_, "run_3", DagRunState::kRunning, DagRunState::kQueued));
  EXPECT_TRUE(set);

  RunFilter filter;
  filter.dag_id = dag_id_;
  filter.order_by = RunOrder::kLogicalDate;
  filter.descending = true;
  filter.limit = 3;
  filter.count_total = true;
  ASSERT_OK_AND_ASSIGN(Page<DagRun> page, store_->ListRuns(filter));
  EXPECT_EQ(page.total_entries, 6);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].run_id, "run_4");
  EXPECT_EQ(page.items[2].run_id, "run_2");
  filter.offset = 3;
  filter.limit.reset();
  ASSERT_OK_AND_ASSIGN(page, store_->ListRuns(filter));
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[2].run_id, "no_logical_date");  // nulls last

  RunFilter running;
  running.states = {DagRunState::kRunning};
  ASSERT_OK_AND_ASSIGN(page, store_->ListRuns(running));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].run_id, "run_3");

  RunFilter range;
  range.dag_id = dag_id_;
  range.logical_date_gte = kStart + hours(24);
  range.logical_date_lte = kStart + hours(48);
  ASSERT_OK_AND_ASSIGN(page, store_->ListRuns(range));
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].run_id, "run_1");
}

TEST_P(MetaStoreContract, SetRunStateIsACompareAndSetThatKeepsTimes) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"t"});
  ASSERT_OK_AND_ASSIGN(bool applied, store_->SetRunState(dag_id_, "r", DagRunState::kSuccess,
                                                         DagRunState::kRunning));
  EXPECT_FALSE(applied);
  clock_.Advance(seconds(5));
  ASSERT_OK_AND_ASSIGN(
      applied, store_->SetRunState(dag_id_, "r", DagRunState::kRunning, DagRunState::kQueued));
  EXPECT_TRUE(applied);
  clock_.Advance(seconds(10));
  ASSERT_OK_AND_ASSIGN(applied,
                       store_->SetRunState(dag_id_, "r", DagRunState::kFailed, std::nullopt));
  EXPECT_TRUE(applied);
  ASSERT_OK_AND_ASSIGN(DagRun run, store_->GetRun(dag_id_, "r"));
  EXPECT_EQ(run.state, DagRunState::kFailed);
  EXPECT_EQ(run.start_date, kStart + seconds(5));
  EXPECT_EQ(run.end_date, kStart + seconds(15));
  EXPECT_EQ(run.updated_at, kStart + seconds(15));
  auto missing = store_->SetRunState(dag_id_, "nope", DagRunState::kFailed, std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST_P(MetaStoreContract, AddTaskInstancesSkipsExistingAndDeleteRunRemovesAll) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"extract"});
  std::vector<NewTaskInstance> more = {{.task_id = "extract"},
                                       {.task_id = "load", .map_index = 0},
                                       {.task_id = "load", .map_index = 1}};
  ASSERT_OK_AND_ASSIGN(int added, store_->AddTaskInstances(dag_id_, "r", more));
  EXPECT_EQ(added, 2);
  EXPECT_EQ(store_->AddTaskInstances(dag_id_, "nope", more).error().code(), Code::kNotFound);
  Queue(Key("r", "extract"));
  TaskTransition second_try{.key = Key("r", "extract"), .to = TaskState::kQueued, .new_try = true};
  ASSERT_OK_AND_ASSIGN(bool applied, TransitionTaskInstance(*store_, second_try));
  EXPECT_TRUE(applied);  // the first try is now history
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> tries, store_->ListTaskTries(Key("r", "extract")));
  EXPECT_EQ(tries.size(), 2u);
  ASSERT_OK(store_->DeleteRun(dag_id_, "r"));
  EXPECT_EQ(store_->GetRun(dag_id_, "r").error().code(), Code::kNotFound);
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> tis, store_->ListTaskInstances({.dag_id = dag_id_}));
  EXPECT_TRUE(tis.items.empty());
  EXPECT_EQ(store_->DeleteRun(dag_id_, "r").error().code(), Code::kNotFound);
  CreateRun(dag_id_, "r", {"extract"});  // the id is free again, with no old tries
  ASSERT_OK_AND_ASSIGN(tries, store_->ListTaskTries(Key("r", "extract")));
  EXPECT_TRUE(tries.empty());
}

TEST_P(MetaStoreContract, ShippedTaskLogsReadBackInOrderAsValidText) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"extract"});
  TaskTryRef first{Key("r", "extract"), 1};
  TaskTryRef second{Key("r", "extract"), 2};
  ASSERT_OK_AND_ASSIGN(std::string none, store_->ReadTaskLog(first));
  EXPECT_EQ(none, "");
  ASSERT_OK(store_->AppendTaskLog(first, "line one\n"));
  ASSERT_OK(store_->AppendTaskLog(second, "other try\n"));
  ASSERT_OK(
      store_->AppendTaskLog(first, std::string("bad \xC3\x28 nul \0 end \xE2\x82\xAC\n", 21)));
  ASSERT_OK(store_->AppendTaskLog(first, ""));
  ASSERT_OK_AND_ASSIGN(std::string log, store_->ReadTaskLog(first));
  EXPECT_EQ(log, "line one\nbad \xEF\xBF\xBD( nul  end \xE2\x82\xAC\n");
  ASSERT_OK_AND_ASSIGN(log, store_->ReadTaskLog(second));
  EXPECT_EQ(log, "other try\n");
  ASSERT_OK(store_->DeleteRun(dag_id_, "r"));
  CreateRun(dag_id_, "r", {"extract"});
  ASSERT_OK_AND_ASSIGN(log, store_->ReadTaskLog(first));
  EXPECT_EQ(log, "");
}

TEST_P(MetaStoreContract, OneUnfinishedBackfillPerDag) {
  SyncDag(dag_id_);
  Backfill request;
  request.dag_id = dag_id_;
  request.from_date = kStart - hours(72);
  request.to_date = kStart;
  request.max_active_runs = 2;
  ASSERT_OK_AND_ASSIGN(Backfill created, store_->CreateBackfill(request));
  EXPECT_GT(created.id, 0);
  EXPECT_EQ(created.from_date, request.from_date);
  EXPECT_EQ(created.created_at, kStart);
  auto second = store_->CreateBackfill(request);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), Code::kAlreadyExists);
  EXPECT_NE(second.error().message().find(std::to_string(created.id)), std::string::npos);

  NewRun run;
  run.run.dag_id = dag_id_;
  run.run.run_id = "backfill__1";
  run.run.run_type = RunType::kBackfill;
  run.run.run_after = kStart;
  run.run.backfill_id = created.id;
  ASSERT_OK(store_->CreateRun(run));
  ASSERT_OK_AND_ASSIGN(Page<DagRun> runs, store_->ListRuns({.backfill_id = created.id}));
  ASSERT_EQ(runs.items.size(), 1u);
  EXPECT_EQ(runs.items[0].backfill_id, created.id);

  ASSERT_OK(store_->CompleteBackfill(created.id));
  ASSERT_OK(store_->CompleteBackfill(created.id));
  ASSERT_OK_AND_ASSIGN(std::vector<Backfill> active, store_->ListBackfills(dag_id_, false));
  EXPECT_TRUE(active.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<Backfill> all, store_->ListBackfills("", true));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].completed_at, kStart);
  ASSERT_OK(store_->CreateBackfill(request));
  EXPECT_EQ(store_->CompleteBackfill(999999).error().code(), Code::kNotFound);
  request.dag_id = "nope";
  EXPECT_EQ(store_->CreateBackfill(request).error().code(), Code::kNotFound);
}

TEST_P(MetaStoreContract, LeasesAreHeldByOneHolderUntilTheyExpire) {
  ASSERT_OK_AND_ASSIGN(bool held, store_->TryAcquireLease("parser", "scheduler-1", seconds(10)));
  EXPECT_TRUE(held);
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-2", seconds(10)));
  EXPECT_FALSE(held);
  clock_.Advance(seconds(5));
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-1", seconds(10)));
  EXPECT_TRUE(held);  // renewed until +15 s
  clock_.Advance(seconds(9));
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-2", seconds(10)));
  EXPECT_FALSE(held);
  clock_.Advance(seconds(2));
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-2", seconds(10)));
  EXPECT_TRUE(held);                                         // expired: taken over
  ASSERT_OK(store_->ReleaseLease("parser", "scheduler-1"));  // not the holder: no effect
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-1", seconds(10)));
  EXPECT_FALSE(held);
  ASSERT_OK(store_->ReleaseLease("parser", "scheduler-2"));
  ASSERT_OK_AND_ASSIGN(held, store_->TryAcquireLease("parser", "scheduler-1", milliseconds(10)));
  EXPECT_TRUE(held);
}

INSTANTIATE_TEST_SUITE_P(Backends, MetaStoreContract,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendParamName);

}  // namespace
}  // namespace sluice::metadb::testing
