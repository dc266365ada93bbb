// The MetaStore contract, part 2: task instance transitions, fencing, claims,
// heartbeats, lost workers and clears. Instantiated for both backends in
// meta_store_contract_test.cc.
#include <set>
#include <thread>

#include "metadb/contract_fixture.h"

namespace sluice::metadb::testing {
namespace {

using std::chrono::seconds;

TaskTransition Move(const TaskInstanceKey& key, TaskStateSet from, TaskState to,
                    std::optional<int> expected_try = std::nullopt) {
  TaskTransition transition;
  transition.key = key;
  transition.from = from;
  transition.to = to;
  transition.expected_try = expected_try;
  return transition;
}

ClaimRequest Claimer(const std::string& worker_id, int limit = 1) {
  return ClaimRequest{.worker_id = worker_id,
                      .hostname = "host-" + worker_id,
                      .pid = 4242,
                      .queues = {},
                      .limit = limit};
}

TEST_P(MetaStoreContract, TransitionsSetTriesTimesAndOutputs) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"extract"});
  TaskInstanceKey key = Key("r", "extract");
  ASSERT_OK_AND_ASSIGN(bool applied, TransitionTaskInstance(*store_, Move(key, {TaskState::kNone},
                                                                          TaskState::kScheduled)));
  EXPECT_TRUE(applied);
  clock_.Advance(seconds(1));
  Queue(key);
  TaskInstance ti = Get(key);
  EXPECT_EQ(ti.state, TaskState::kQueued);
  EXPECT_EQ(ti.try_number, 1);
  EXPECT_EQ(ti.queued_at, kStart + seconds(1));

  clock_.Advance(seconds(1));
  TaskTransition start = Move(key, {TaskState::kQueued}, TaskState::kRunning, 1);
  start.hostname = "local";
  start.pid = 99;
  start.log_location = "logs/etl/r/extract/1.log";
  ASSERT_OK_AND_ASSIGN(applied, TransitionTaskInstance(*store_, start));
  EXPECT_TRUE(applied);
  clock_.Advance(std::chrono::milliseconds(2500));
  TaskTransition done = Move(key, {TaskState::kRunning}, TaskState::kSuccess, 1);
  done.outputs = R"({"records": 10, "bytes": 2048})";
  ASSERT_OK_AND_ASSIGN(applied, TransitionTaskInstance(*store_, done));
  EXPECT_TRUE(applied);
  ti = Get(key);
  EXPECT_EQ(ti.state, TaskState::kSuccess);
  EXPECT_EQ(ti.start_date, kStart + seconds(2));
  EXPECT_EQ(ti.end_date, kStart + std::chrono::milliseconds(4500));
  EXPECT_EQ(ti.duration, std::chrono::microseconds(2500000));
  EXPECT_EQ(ti.hostname, "local");
  EXPECT_EQ(ti.pid, 99);
  EXPECT_EQ(ti.heartbeat_at, kStart + seconds(2));
  EXPECT_EQ(ti.log_location, "logs/etl/r/extract/1.log");
  EXPECT_EQ(ti.outputs, R"({"records": 10, "bytes": 2048})");
  EXPECT_EQ(ti.updated_at, kStart + std::chrono::milliseconds(4500));
}

TEST_P(MetaStoreContract, GuardsRefuseWrongStateAndStaleTryWithoutChangingAnything) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"t"});
  TaskInstanceKey key = Key("r", "t");
  Queue(key);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> claimed,
                       store_->ClaimTaskInstances(Claimer("w1")));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].try_number, 1);

  // w1 is declared lost; the scheduler retries the task as try 2 on w2.
  ASSERT_OK_AND_ASSIGN(
      bool applied,
      TransitionTaskInstance(*store_, Move(key, {TaskState::kRunning}, TaskState::kUpForRetry, 1)));
  EXPECT_TRUE(applied);
  Queue(key);
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimTaskInstances(Claimer("w2")));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].try_number, 2);
  TaskInstance before = Get(key);

  // w1 comes back and reports its try 1: fenced off.
  TaskTransition stale = Move(key, {TaskState::kRunning}, TaskState::kFailed, 1);
  stale.outputs = R"({"from": "w1"})";
  ASSERT_OK_AND_ASSIGN(applied, TransitionTaskInstance(*store_, stale));
  EXPECT_FALSE(applied);
  // A wrong expected state is refused the same way.
  ASSERT_OK_AND_ASSIGN(applied, TransitionTaskInstance(*store_, Move(key, {TaskState::kQueued},
                                                                     TaskState::kFailed, 2)));
  EXPECT_FALSE(applied);
  TaskInstance after = Get(key);
  EXPECT_EQ(after.state, TaskState::kRunning);
  EXPECT_EQ(after.worker_id, "w2");
  EXPECT_EQ(after.outputs, before.outputs);
  EXPECT_EQ(after.updated_at, before.updated_at);

  ASSERT_OK_AND_ASSIGN(applied, TransitionTaskInstance(*store_, Move(key, {TaskState::kRunning},
                                                                     TaskState::kSuccess, 2)));
  EXPECT_TRUE(applied);
}

TEST_P(MetaStoreContract, BatchTransitionsReportEachAndSkipMissingRows) {
  SyncDag(dag_id_);
  std::vector<std::string> tasks;
  for (int i = 0; i < 300; ++i) tasks.push_back(fmt::format("t{:03}", i));
  CreateRun(dag_id_, "r", tasks);
  std::vector<TaskTransition> batch;
  for (const std::string& task : tasks) {
    batch.push_back(Move(Key("r", task), {TaskState::kNone}, TaskState::kScheduled));
  }
  batch.push_back(Move(Key("r", "missing"), {}, TaskState::kScheduled));
  batch.push_back(
      Move(Key("r", "t000"), {TaskState::kNone}, TaskState::kSkipped));  // after t000 moved
  ASSERT_OK_AND_ASSIGN(std::vector<bool> applied, store_->TransitionTaskInstances(batch));
  ASSERT_EQ(applied.size(), 302u);
  for (size_t i = 0; i < 300; ++i) EXPECT_TRUE(applied[i]) << i;
  EXPECT_FALSE(applied[300]);
  EXPECT_FALSE(applied[301]);
  ASSERT_OK_AND_ASSIGN(
      Page<TaskInstance> scheduled,
      store_->ListTaskInstances(
          {.dag_id = dag_id_, .states = {TaskState::kScheduled}, .limit = 0, .count_total = true}));
  EXPECT_EQ(scheduled.total_entries, 300);
  EXPECT_TRUE(scheduled.items.empty());
}

// The four transitions a noop goes through, one by one.
std::vector<TaskTransition> NoopTransitions(const TaskInstanceKey& key, int try_number) {
  std::vector<TaskTransition> steps = {
      Move(key, {TaskState::kNone, TaskState::kScheduled}, TaskState::kScheduled),
      Move(key, {TaskState::kScheduled}, TaskState::kQueued),
      Move(key, {TaskState::kQueued}, TaskState::kRunning, try_number),
      Move(key, {TaskState::kRunning}, TaskState::kSuccess, try_number)};
  steps[1].new_try = true;
  steps[2].hostname = "sched-host";
  steps[2].pid = 77;
  steps[2].worker_id = "scheduler";
  return steps;
}

NoopFinish Noops(const std::string& dag_id, const std::string& run_id,
                 const std::vector<std::string>& task_ids) {
  NoopFinish finish{.dag_id = dag_id,
                    .run_id = run_id,
                    .hostname = "sched-host",
                    .pid = 77,
                    .worker_id = "scheduler"};
  for (const std::string& task_id : task_ids) finish.tasks.emplace_back(task_id, -1);
  return finish;
}

TEST_P(MetaStoreContract, FinishedNoopsEndAsTheirFourTransitionsWouldLeaveThem) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"by_steps", "at_once", "cleared_steps", "cleared_at_once"});
  // Two of them had a try before and were cleared: the try is kept.
  for (const char* task : {"cleared_steps", "cleared_at_once"}) {
    Queue(Key("r", task));
    ASSERT_OK(TransitionTaskInstance(
        *store_, Move(Key("r", task), {TaskState::kQueued}, TaskState::kFailed, 1)));
  }
  ASSERT_OK(store_->ClearTaskInstances(
      {.dag_id = dag_id_, .run_ids = {"r"}, .task_ids = {"cleared_steps", "cleared_at_once"}}));
  clock_.Advance(seconds(5));

  std::vector<TaskTransition> steps = NoopTransitions(Key("r", "by_steps"), 1);
  for (const TaskTransition& step : NoopTransitions(Key("r", "cleared_steps"), 2)) {
    steps.push_back(step);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<bool> applied, store_->TransitionTaskInstances(steps));
  EXPECT_EQ(applied, std::vector<bool>(8, true));
  ASSERT_OK_AND_ASSIGN(
      std::vector<TaskInstanceKey> finished,
      store_->FinishNoopTasks(Noops(dag_id_, "r", {"at_once", "cleared_at_once"})));
  ASSERT_EQ(finished.size(), 2u);
  std::set<std::string> finished_ids = {finished[0].task_id, finished[1].task_id};
  EXPECT_EQ(finished_ids, (std::set<std::string>{"at_once", "cleared_at_once"}));
  EXPECT_EQ(finished[0].dag_id, dag_id_);
  EXPECT_EQ(finished[0].run_id, "r");
  EXPECT_EQ(finished[0].map_index, -1);

  for (auto [stepped, at_once] :
       {std::pair{"by_steps", "at_once"}, std::pair{"cleared_steps", "cleared_at_once"}}) {
    TaskInstance expected = Get(Key("r", stepped));
    TaskInstance got = Get(Key("r", at_once));
    EXPECT_EQ(got.state, TaskState::kSuccess);
    EXPECT_EQ(got.try_number, expected.try_number) << at_once;
    EXPECT_EQ(got.max_tries, expected.max_tries);
    EXPECT_EQ(got.queued_at, expected.queued_at);
    EXPECT_EQ(got.start_date, expected.start_date);
    EXPECT_EQ(got.end_date, expected.end_date);
    EXPECT_EQ(got.duration, expected.duration);
    EXPECT_EQ(got.heartbeat_at, expected.heartbeat_at);
    EXPECT_EQ(got.next_retry_at, expected.next_retry_at);
    EXPECT_EQ(got.hostname, expected.hostname);
    EXPECT_EQ(got.pid, expected.pid);
    EXPECT_EQ(got.worker_id, expected.worker_id);
    EXPECT_EQ(got.log_location, expected.log_location);
    EXPECT_EQ(got.outputs, expected.outputs);
    EXPECT_EQ(got.updated_at, expected.updated_at);
    ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> tries, store_->ListTaskTries(Key("r", at_once)));
    ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> stepped_tries,
                         store_->ListTaskTries(Key("r", stepped)));
    ASSERT_EQ(tries.size(), stepped_tries.size()) << at_once;
    for (size_t i = 0; i < tries.size(); ++i) {
      EXPECT_EQ(tries[i].try_number, stepped_tries[i].try_number);
      EXPECT_EQ(tries[i].state, stepped_tries[i].state);
    }
  }
  EXPECT_EQ(Get(Key("r", "cleared_at_once")).try_number, 2);
}

TEST_P(MetaStoreContract, FinishingNoopsLeavesWhatNoLongerWaitsAndCrossesStatementSizes) {
  SyncDag(dag_id_);
  std::vector<std::string> tasks;
  for (int i = 0; i < 600; ++i) tasks.push_back(fmt::format("t{:03}", i));
  CreateRun(dag_id_, "r", tasks);
  CreateRun(dag_id_, "other", {"t000"});
  Queue(Key("r", "t001"));
  ASSERT_OK(TransitionTaskInstance(*store_, Move(Key("r", "t002"), {}, TaskState::kSkipped)));
  ASSERT_OK(TransitionTaskInstance(*store_, Move(Key("r", "t003"), {}, TaskState::kScheduled)));
  std::vector<std::string> asked = tasks;
  asked.push_back("missing");
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceKey> finished,
                       store_->FinishNoopTasks(Noops(dag_id_, "r", asked)));
  EXPECT_EQ(finished.size(), 598u);  // not t001 (queued) nor t002 (skipped)
  std::set<std::string> ids;
  for (const TaskInstanceKey& key : finished) ids.insert(key.task_id);
  EXPECT_EQ(ids.size(), 598u);
  EXPECT_TRUE(ids.count("t003"));
  EXPECT_FALSE(ids.count("t001"));
  EXPECT_FALSE(ids.count("missing"));
  EXPECT_EQ(Get(Key("r", "t001")).state, TaskState::kQueued);
  EXPECT_EQ(Get(Key("r", "t002")).state, TaskState::kSkipped);
  EXPECT_EQ(Get(Key("other", "t000")).state, TaskState::kNone);
  ASSERT_OK_AND_ASSIGN(
      Page<TaskInstance> succeeded,
      store_->ListTaskInstances(
          {.dag_id = dag_id_, .states = {TaskState::kSuccess}, .limit = 0, .count_total = true}));
  EXPECT_EQ(succeeded.total_entries, 598);

  ASSERT_OK_AND_ASSIGN(finished, store_->FinishNoopTasks(Noops(dag_id_, "r", tasks)));
  EXPECT_TRUE(finished.empty());  // each noop finishes once
  ASSERT_OK_AND_ASSIGN(finished, store_->FinishNoopTasks(Noops(dag_id_, "r", {})));
  EXPECT_TRUE(finished.empty());
}

TEST_P(MetaStoreContract, FinishingNoopsFindsMappedTaskInstancesByTheirIndexes) {
  SyncDag(dag_id_);
  NewRun new_run;
  new_run.run = {.dag_id = dag_id_, .run_id = "mapped", .run_type = RunType::kManual};
  new_run.run.run_after = clock_.Now();
  NoopFinish finish = Noops(dag_id_, "mapped", {"plain"});
  new_run.task_instances.push_back({.task_id = "plain"});
  for (int i = 0; i < 700; ++i) {
    new_run.task_instances.push_back({.task_id = "fan", .map_index = i});
    if (i != 3) finish.tasks.emplace_back("fan", i);
  }
  finish.tasks.emplace_back("fan", 700);  // no such index
  ASSERT_OK(store_->CreateRun(new_run));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceKey> finished, store_->FinishNoopTasks(finish));
  EXPECT_EQ(finished.size(), 700u);  // plain and 699 of the 700 indexes
  std::set<std::pair<std::string, int>> keys;
  for (const TaskInstanceKey& key : finished) keys.emplace(key.task_id, key.map_index);
  EXPECT_EQ(keys.size(), 700u);
  EXPECT_TRUE(keys.count({"plain", -1}));
  EXPECT_TRUE(keys.count({"fan", 699}));
  EXPECT_FALSE(keys.count({"fan", 3}));
  EXPECT_EQ(Get(Key("mapped", "fan", 3)).state, TaskState::kNone);
  EXPECT_EQ(Get(Key("mapped", "fan", 650)).state, TaskState::kSuccess);
  EXPECT_EQ(Get(Key("mapped", "fan", 650)).try_number, 1);
}

TEST_P(MetaStoreContract, ClaimsFollowQueuesPriorityAndAge) {
  SyncDag(dag_id_);
  NewRun run;
  run.run.dag_id = dag_id_;
  run.run.run_id = "r";
  run.run.run_after = kStart;
  run.task_instances = {{.task_id = "old", .queue = "default"},
                        {.task_id = "new", .queue = "default"},
                        {.task_id = "urgent", .queue = "default", .priority_weight = 10},
                        {.task_id = "load", .queue = "load"},
                        {.task_id = "idle", .queue = "default"}};
  ASSERT_OK(store_->CreateRun(run));
  for (const char* task : {"old", "new", "urgent", "load"}) {
    Queue(Key("r", task));
    clock_.Advance(seconds(1));
  }
  ClaimRequest loader = Claimer("near-db", 5);
  loader.queues = {"load"};
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> claimed, store_->ClaimTaskInstances(loader));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].key.task_id, "load");
  EXPECT_EQ(claimed[0].state, TaskState::kRunning);
  EXPECT_EQ(claimed[0].worker_id, "near-db");
  EXPECT_EQ(claimed[0].hostname, "host-near-db");
  EXPECT_EQ(claimed[0].pid, 4242);
  EXPECT_EQ(claimed[0].start_date, clock_.Now());
  EXPECT_EQ(claimed[0].heartbeat_at, clock_.Now());

  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimTaskInstances(Claimer("w", 2)));
  ASSERT_EQ(claimed.size(), 2u);
  std::set<std::string> first_two = {claimed[0].key.task_id, claimed[1].key.task_id};
  EXPECT_EQ(first_two, (std::set<std::string>{"urgent", "old"}));
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimTaskInstances(Claimer("w", 5)));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(claimed[0].key.task_id, "new");
  ASSERT_OK_AND_ASSIGN(claimed, store_->ClaimTaskInstances(Claimer("w", 5)));
  EXPECT_TRUE(claimed.empty());  // "idle" was never queued
  EXPECT_EQ(Get(Key("r", "urgent")).try_number, 1);

  EXPECT_EQ(store_->ClaimTaskInstances(Claimer("", 1)).error().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->ClaimTaskInstances(Claimer("w", 0)).error().code(), Code::kInvalidArgument);
}

TEST_P(MetaStoreContract, ClaimsFromManyThreadsHandEachTaskInstanceOnce) {
  SyncDag(dag_id_);
  constexpr int kTasks = 400;
  constexpr int kThreads = 6;
  NewRun run;
  run.run.dag_id = dag_id_;
  run.run.run_id = "r";
  run.run.run_after = kStart;
  for (int i = 0; i < kTasks; ++i) {
    run.task_instances.push_back({.task_id = "t", .map_index = i, .state = TaskState::kQueued});
  }
  ASSERT_OK(store_->CreateRun(run));
  std::vector<std::vector<TaskInstanceKey>> claimed_by(kThreads);
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half the threads share the fixture's store (one pool), half open their own.
      std::unique_ptr<MetaStore> own = t % 2 == 0 ? OpenAnother() : nullptr;
      MetaStore& store = own ? *own : *store_;
      std::string worker = fmt::format("w{}", t);
      for (;;) {
        auto claimed = store.ClaimTaskInstances(Claimer(worker, 3));
        if (!claimed) {
          errors[t] = claimed.error().ToString();
          return;
        }
        if (claimed->empty()) return;
        std::vector<TaskTransition> done;
        for (const TaskInstance& ti : *claimed) {
          claimed_by[t].push_back(ti.key);
          done.push_back(Move(ti.key, {TaskState::kRunning}, TaskState::kSuccess, ti.try_number));
          done.back().worker_id = worker;
        }
        auto applied = store.TransitionTaskInstances(done);
        if (!applied) errors[t] = applied.error().ToString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<TaskInstanceKey> seen;
  size_t total = 0;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    for (const TaskInstanceKey& key : claimed_by[t]) {
      EXPECT_TRUE(seen.insert(key).second) << key.task_id << "[" << key.map_index << "] twice";
      ++total;
      EXPECT_EQ(Get(key).worker_id, fmt::format("w{}", t));
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kTasks));
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> done,
                       store_->ListTaskInstances(
                           {.states = {TaskState::kSuccess}, .limit = 0, .count_total = true}));
  EXPECT_EQ(done.total_entries, kTasks);
}

TEST_P(MetaStoreContract, HeartbeatsKeepTriesAliveAndSilenceRevealsLostWorkers) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"a", "b"});
  Queue(Key("r", "a"));
  Queue(Key("r", "b"));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> w1_tis, store_->ClaimTaskInstances(Claimer("w1")));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> w2_tis, store_->ClaimTaskInstances(Claimer("w2")));
  ASSERT_EQ(w1_tis.size(), 1u);
  ASSERT_EQ(w2_tis.size(), 1u);
  WorkerRecord w1{.id = "w1", .hostname = "host-a", .pid = 1, .queues = {"default", "load"}};
  WorkerRecord w2{.id = "w2", .hostname = "host-b", .pid = 2};
  std::vector<TaskTryRef> w1_running = {{w1_tis[0].key, 1}};
  std::vector<TaskTryRef> w2_running = {{w2_tis[0].key, 1}};

  for (int beat = 0; beat < 3; ++beat) {
    clock_.Advance(seconds(10));
    ASSERT_OK_AND_ASSIGN(std::vector<bool> owned, store_->Heartbeat(w1, w1_running));
    EXPECT_EQ(owned, std::vector<bool>{true});
    if (beat == 0) {
      ASSERT_OK(store_->Heartbeat(w2, w2_running));  // then w2 falls silent
    }
  }
  TimePoint cutoff = clock_.Now() - seconds(15);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> lost, ListLostTaskInstances(*store_, cutoff));
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].key, w2_tis[0].key);
  EXPECT_EQ(lost[0].worker_id, "w2");
  EXPECT_EQ(lost[0].heartbeat_at, kStart + seconds(10));
  ASSERT_OK(store_->SetWorkerState("w2", WorkerState::kLost));
  EXPECT_EQ(store_->SetWorkerState("w9", WorkerState::kLost).error().code(), Code::kNotFound);

  ASSERT_OK_AND_ASSIGN(bool applied,
                       TransitionTaskInstance(*store_, Move(lost[0].key, {TaskState::kRunning},
                                                            TaskState::kUpForRetry, 1)));
  EXPECT_TRUE(applied);
  // w2 comes back: its try is no longer its own.
  ASSERT_OK_AND_ASSIGN(std::vector<bool> owned, store_->Heartbeat(w2, w2_running));
  EXPECT_EQ(owned, std::vector<bool>{false});
  EXPECT_EQ(Get(lost[0].key).heartbeat_at, kStart + seconds(10));

  ASSERT_OK_AND_ASSIGN(std::vector<WorkerRecord> workers, store_->ListWorkers("worker"));
  ASSERT_EQ(workers.size(), 2u);
  EXPECT_EQ(workers[0].id, "w1");
  EXPECT_EQ(workers[0].queues, (std::vector<std::string>{"default", "load"}));
  EXPECT_EQ(workers[0].started_at, kStart + seconds(10));
  EXPECT_EQ(workers[0].heartbeat_at, kStart + seconds(30));
  EXPECT_EQ(workers[1].state, WorkerState::kActive);  // its heartbeat revived it
  ASSERT_OK_AND_ASSIGN(workers, store_->ListWorkers("scheduler"));
  EXPECT_TRUE(workers.empty());
}

TEST_P(MetaStoreContract, ClearKeepsTryHistoryRequeuesRunAndFencesTheRunningTry) {
  SyncDag(dag_id_);
  CreateRun(dag_id_, "r", {"extract", "load"});
  TaskInstanceKey extract = Key("r", "extract");
  TaskInstanceKey load = Key("r", "load");
  // extract: try 1 fails and is retried, try 2 succeeds. load: running on w1.
  Queue(extract);
  ASSERT_OK(store_->ClaimTaskInstances(Claimer("w1")));
  TaskTransition retry = Move(extract, {TaskState::kRunning}, TaskState::kUpForRetry, 1);
  retry.next_retry_at = kStart + seconds(300);
  retry.log_location = "extract/1.log";
  ASSERT_OK(TransitionTaskInstance(*store_, retry));
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> due,
                       store_->ListTaskInstances({.next_retry_before = kStart + seconds(300)}));
  ASSERT_EQ(due.items.size(), 1u);
  Queue(extract);
  ASSERT_OK(store_->ClaimTaskInstances(Claimer("w1")));
  TaskTransition success = Move(extract, {TaskState::kRunning}, TaskState::kSuccess, 2);
  success.log_location = "extract/2.log";
  ASSERT_OK(TransitionTaskInstance(*store_, success));
  Queue(load);
  ASSERT_OK(store_->ClaimTaskInstances(Claimer("w1")));
  ASSERT_OK(store_->SetRunState(dag_id_, "r", DagRunState::kSuccess, std::nullopt));

  ClearRequest dry{.dag_id = dag_id_, .run_ids = {"r"}, .dry_run = true};
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> would, store_->ClearTaskInstances(dry));
  EXPECT_EQ(would.size(), 2u);
  EXPECT_EQ(Get(extract).state, TaskState::kSuccess);

  clock_.Advance(seconds(60));
  ClearRequest clear{.dag_id = dag_id_, .run_ids = {"r"}};
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> cleared, store_->ClearTaskInstances(clear));
  ASSERT_EQ(cleared.size(), 2u);
  EXPECT_EQ(cleared[0].state, TaskState::kSuccess);  // as it was
  TaskInstance now = Get(extract);
  EXPECT_EQ(now.state, TaskState::kNone);
  EXPECT_EQ(now.try_number, 2);
  EXPECT_EQ(now.max_tries, 4);  // try_number + retries
  EXPECT_TRUE(now.log_location.empty());
  EXPECT_FALSE(now.start_date.has_value());
  ASSERT_OK_AND_ASSIGN(DagRun run, store_->GetRun(dag_id_, "r"));
  EXPECT_EQ(run.state, DagRunState::kQueued);
  EXPECT_FALSE(run.end_date.has_value());

  // The worker still running load's try 1 loses it: heartbeat and writes refused.
  ASSERT_OK_AND_ASSIGN(std::vector<bool> owned,
                       store_->Heartbeat({.id = "w1"}, std::vector<TaskTryRef>{{load, 1}}));
  EXPECT_EQ(owned, std::vector<bool>{false});
  ASSERT_OK_AND_ASSIGN(
      bool applied,
      TransitionTaskInstance(*store_, Move(load, {TaskState::kRunning}, TaskState::kSuccess, 1)));
  EXPECT_FALSE(applied);

  Queue(extract);  // try 3
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> tries, store_->ListTaskTries(extract));
  ASSERT_EQ(tries.size(), 3u);
  EXPECT_EQ(tries[0].try_number, 1);
  EXPECT_EQ(tries[0].state, TaskState::kUpForRetry);
  EXPECT_EQ(tries[0].log_location, "extract/1.log");
  EXPECT_EQ(tries[0].next_retry_at, kStart + seconds(300));
  EXPECT_EQ(tries[1].try_number, 2);
  EXPECT_EQ(tries[1].state, TaskState::kSuccess);  // kept at the clear, not overwritten
  EXPECT_EQ(tries[1].log_location, "extract/2.log");
  EXPECT_EQ(tries[2].try_number, 3);
  EXPECT_EQ(tries[2].state, TaskState::kQueued);
}

TEST_P(MetaStoreContract, ClearSelectsByTaskStateAndLogicalDate) {
  SyncDag(dag_id_);
  for (int day = 0; day < 3; ++day) {
    CreateRun(dag_id_, fmt::format("d{}", day), {"a", "b"}, kStart + std::chrono::hours(24 * day));
  }
  for (int day = 0; day < 3; ++day) {
    ASSERT_OK(TransitionTaskInstance(
        *store_, Move(Key(fmt::format("d{}", day), "a"), {}, TaskState::kFailed)));
  }
  ASSERT_OK(TransitionTaskInstance(*store_, Move(Key("d1", "b"), {}, TaskState::kSuccess)));
  ClearRequest request;
  request.dag_id = dag_id_;
  request.only_states = {TaskState::kFailed, TaskState::kUpstreamFailed};
  request.logical_date_gte = kStart + std::chrono::hours(24);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstance> cleared, store_->ClearTaskInstances(request));
  ASSERT_EQ(cleared.size(), 2u);
  EXPECT_EQ(cleared[0].key, Key("d1", "a"));
  EXPECT_EQ(cleared[1].key, Key("d2", "a"));
  EXPECT_EQ(Get(Key("d0", "a")).state, TaskState::kFailed);
  EXPECT_EQ(Get(Key("d1", "b")).state, TaskState::kSuccess);

  request = ClearRequest{.dag_id = dag_id_, .task_ids = {"b"}};
  ASSERT_OK_AND_ASSIGN(cleared, store_->ClearTaskInstances(request));
  EXPECT_EQ(cleared.size(), 3u);
  EXPECT_EQ(Get(Key("d1", "b")).state, TaskState::kNone);
  EXPECT_EQ(store_->ClearTaskInstances({}).error().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sluice::metadb::testing
