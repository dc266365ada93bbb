#include "scheduler/scheduler_fixture.h"

namespace sluice::scheduler::testing {
namespace {

using metadb::DagRunState;
using metadb::TaskState;

std::string DailyDag(const std::string& dag_id, bool catchup, int max_active_runs = 16,
                     const std::string& kind = "noop") {
  return fmt::format(R"(dag_id: {}
schedule:
  cron: "@daily"
  start_date: 2025-03-10
  catchup: {}
  max_active_runs: {}
tasks:
  first: {{kind: {}}}
  second: {{kind: noop, upstream: [first]}}
)",
                     dag_id, catchup ? "true" : "false", max_active_runs,
                     kind == "command" ? "command, command: \"true\"" : kind);
}

TEST_P(SchedulerTest, CatchupCreatesOneRunPerIntervalSinceStartDate) {
  WriteDag("daily", DailyDag("daily", true));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("daily");
  ASSERT_EQ(runs.size(), 3u);
  const char* days[] = {"2025-03-10", "2025-03-11", "2025-03-12"};
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].run_id, fmt::format("scheduled__{}T00:00:00+00:00", days[i]));
    EXPECT_EQ(runs[i].run_type, metadb::RunType::kScheduled);
    EXPECT_EQ(*runs[i].data_interval_start, At(days[i]));
    EXPECT_EQ(*runs[i].data_interval_end, At(days[i]) + std::chrono::hours(24));
    EXPECT_EQ(runs[i].state, DagRunState::kSuccess) << runs[i].run_id;
  }
  auto dag = store_->GetDag("daily");
  ASSERT_TRUE(dag);
  EXPECT_EQ(*dag->next_dagrun.logical_date, At("2025-03-13"));
  EXPECT_EQ(*dag->next_dagrun.create_after, At("2025-03-14"));

  // The next interval is created once it has ended, not before.
  clock_.Set(At("2025-03-13T23:59:59Z"));
  Settle(scheduler);
  EXPECT_EQ(Runs("daily").size(), 3u);
  clock_.Set(At("2025-03-14T00:00:01Z"));
  Settle(scheduler);
  EXPECT_EQ(Runs("daily").size(), 4u);
}

TEST_P(SchedulerTest, WithoutCatchupOnlyTheLatestCompleteIntervalRuns) {
  WriteDag("daily", DailyDag("daily", false));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("daily");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(*runs[0].logical_date, At("2025-03-12"));
  // Missed days are skipped after a pause of the scheduler too.
  clock_.Set(At("2025-03-20T05:00:00Z"));
  Settle(scheduler);
  runs = Runs("daily");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(*runs[1].logical_date, At("2025-03-19"));
}

TEST_P(SchedulerTest, MaxActiveRunsBoundsRunsInProgress) {
  // Command tasks stay queued: no worker runs here.
  WriteDag("busy", DailyDag("busy", true, 2, "command"));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("busy");
  ASSERT_EQ(runs.size(), 2u);
  for (const metadb::DagRun& run : runs) EXPECT_EQ(run.state, DagRunState::kRunning);
  EXPECT_EQ(Task("busy", runs[0].run_id, "first").state, TaskState::kQueued);
  EXPECT_EQ(Task("busy", runs[0].run_id, "first").try_number, 1);
  EXPECT_EQ(Task("busy", runs[0].run_id, "second").state, TaskState::kNone);
}

TEST_P(SchedulerTest, APausedDagGetsNoScheduledRunsUntilUnpaused) {
  WriteDag("daily", DailyDag("daily", true));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  SLUICE_ASSERT_OK(store_->SetDagPaused("daily", true));
  Settle(scheduler);
  EXPECT_TRUE(Runs("daily").empty());
  SLUICE_ASSERT_OK(store_->SetDagPaused("daily", false));
  Settle(scheduler);
  EXPECT_EQ(Runs("daily").size(), 3u);
}

TEST_P(SchedulerTest, AChainOfNoopsFinishesInOnePass) {
  std::string yaml = "dag_id: chain\ntasks:\n  step0: {kind: noop}\n";
  for (int i = 1; i < 30; ++i) {
    yaml += fmt::format("  step{}: {{kind: noop, upstream: [step{}]}}\n", i, i - 1);
  }
  WriteDag("chain", yaml);
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  metadb::DagRun run = Trigger(scheduler, "chain", At("2025-03-12"));
  auto first = scheduler.RunOnce();  // starts the run
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(first->runs_started, 1);
  EXPECT_EQ(first->runs_finished, 1);
  EXPECT_EQ(first->tasks_finished, 30);
  auto finished = store_->GetRun("chain", run.run_id);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->state, DagRunState::kSuccess);
  for (const metadb::TaskInstance& ti : Tasks("chain", run.run_id)) {
    EXPECT_EQ(ti.state, TaskState::kSuccess) << ti.key.task_id;
    EXPECT_EQ(ti.try_number, 1);
  }
}

// A worker's view, by hand: claim the queued try and end it as told.
void EndTry(metadb::MetaStore& store, const std::string& dag_id, const std::string& run_id,
            const std::string& task_id, TaskState to) {
  auto claimed = store.ClaimTaskInstances({.worker_id = "w", .hostname = "elsewhere", .pid = 1});
  ASSERT_TRUE(claimed) << claimed.error().ToString();
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_EQ((*claimed)[0].key.task_id, task_id);
  auto applied = metadb::TransitionTaskInstance(store, {.key = {dag_id, run_id, task_id, -1},
                                                        .from = {TaskState::kRunning},
                                                        .expected_try = (*claimed)[0].try_number,
                                                        .to = to});
  ASSERT_TRUE(applied && *applied);
}

TEST_P(SchedulerTest, TriggerRulesDecideWhatRunsAfterAFailure) {
  WriteDag("rules", R"(dag_id: rules
tasks:
  extract: {kind: command, command: "true"}
  on_failure: {kind: noop, upstream: [extract], trigger_rule: one_failed}
  on_success: {kind: noop, upstream: [extract]}
  all_failed: {kind: noop, upstream: [extract], trigger_rule: all_failed}
  none_failed: {kind: noop, upstream: [on_success], trigger_rule: none_failed}
  one_success: {kind: noop, upstream: [on_failure, on_success], trigger_rule: one_success}
  cleanup: {kind: noop, upstream: [none_failed, one_success, all_failed], trigger_rule: all_done}
)");
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  metadb::DagRun run = Trigger(scheduler, "rules", At("2025-03-12"));
  Settle(scheduler);
  EXPECT_EQ(Task("rules", run.run_id, "extract").state, TaskState::kQueued);
  EndTry(*store_, "rules", run.run_id, "extract", TaskState::kFailed);
  Settle(scheduler);
  EXPECT_EQ(Task("rules", run.run_id, "on_failure").state, TaskState::kSuccess);
  EXPECT_EQ(Task("rules", run.run_id, "on_success").state, TaskState::kUpstreamFailed);
  EXPECT_EQ(Task("rules", run.run_id, "all_failed").state, TaskState::kSuccess);
  EXPECT_EQ(Task("rules", run.run_id, "none_failed").state, TaskState::kUpstreamFailed);
  EXPECT_EQ(Task("rules", run.run_id, "one_success").state, TaskState::kSuccess);
  EXPECT_EQ(Task("rules", run.run_id, "cleanup").state, TaskState::kSuccess);
  // The only leaf succeeded: the run did, as in Airflow.
  EXPECT_EQ(store_->GetRun("rules", run.run_id)->state, DagRunState::kSuccess);
}

TEST_P(SchedulerTest, AFailedLeafFailsTheRunAndSkipsPropagate) {
  WriteDag("skips", R"(dag_id: skips
tasks:
  extract: {kind: command, command: "true"}
  only_on_failure: {kind: noop, upstream: [extract], trigger_rule: one_failed}
  after_skip: {kind: noop, upstream: [only_on_failure]}
  load: {kind: command, command: "true", upstream: [extract]}
)");
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  metadb::DagRun run = Trigger(scheduler, "skips", At("2025-03-12"));
  Settle(scheduler);
  EndTry(*store_, "skips", run.run_id, "extract", TaskState::kSuccess);
  Settle(scheduler);
  EXPECT_EQ(Task("skips", run.run_id, "only_on_failure").state, TaskState::kSkipped);
  EXPECT_EQ(Task("skips", run.run_id, "after_skip").state, TaskState::kSkipped);
  EXPECT_EQ(store_->GetRun("skips", run.run_id)->state, DagRunState::kRunning);
  EndTry(*store_, "skips", run.run_id, "load", TaskState::kFailed);
  Settle(scheduler);
  EXPECT_EQ(store_->GetRun("skips", run.run_id)->state, DagRunState::kFailed);
}

TEST_P(SchedulerTest, ATryWhoseWorkerStoppedHeartbeatingIsRetriedAfterTheDelay) {
  WriteDag("lost", R"(dag_id: lost
default_args: {retries: 1, retry_delay: 30s}
tasks:
  work: {kind: command, command: "true"}
)");
  Scheduler& scheduler = MakeScheduler({.task_heartbeat_timeout = std::chrono::seconds(60)});
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  metadb::DagRun run = Trigger(scheduler, "lost", At("2025-03-12"));
  Settle(scheduler);
  auto claimed = store_->ClaimTaskInstances({.worker_id = "w", .hostname = "elsewhere", .pid = 1});
  ASSERT_TRUE(claimed && claimed->size() == 1u);
  clock_.Advance(std::chrono::seconds(59));
  Settle(scheduler);
  EXPECT_EQ(Task("lost", run.run_id, "work").state, TaskState::kRunning);
  clock_.Advance(std::chrono::seconds(2));
  Settle(scheduler);
  EXPECT_EQ(Task("lost", run.run_id, "work").state, TaskState::kUpForRetry);
  clock_.Advance(std::chrono::seconds(31));
  Settle(scheduler);
  metadb::TaskInstance retried = Task("lost", run.run_id, "work");
  EXPECT_EQ(retried.state, TaskState::kQueued);
  EXPECT_EQ(retried.try_number, 2);
  // The lost worker's late write is refused.
  auto late = metadb::TransitionTaskInstance(*store_, {.key = retried.key,
                                                       .from = {TaskState::kRunning},
                                                       .expected_try = 1,
                                                       .to = TaskState::kSuccess});
  ASSERT_TRUE(late);
  EXPECT_FALSE(*late);
}

TEST_P(SchedulerTest, ABrokenFileIsAnImportErrorAndOtherDagsGoOn) {
  WriteDag("daily", DailyDag("daily", false));
  WriteDag("broken", "dag_id: broken\ntasks: [unclosed\n");
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  auto errors = store_->ListImportErrors();
  ASSERT_TRUE(errors);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_NE((*errors)[0].file_path.find("broken.yaml"), std::string::npos);
  Settle(scheduler);
  EXPECT_EQ(Runs("daily").size(), 1u);
  // Fixed without a restart: the next scan takes it.
  WriteDag("broken", "dag_id: broken\ntasks:\n  a: {kind: noop}\n");
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  EXPECT_TRUE(store_->ListImportErrors()->empty());
  EXPECT_TRUE(store_->GetDag("broken"));
}

TEST_P(SchedulerTest, CatchupAcrossTheSpringForwardFollowsTheWallClock) {
  WriteDag("berlin", R"(dag_id: berlin
schedule:
  cron: "30 2 * * *"
  timezone: Europe/Berlin
  start_date: 2025-03-28
  catchup: true
tasks:
  a: {kind: noop}
)");
  clock_.Set(At("2025-04-01T12:00:00Z"));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("berlin");
  // 02:30 CET is 01:30Z; on 30 March 02:30 does not exist and the run is at
  // 03:00 CEST (01:00Z); from then on 02:30 CEST is 00:30Z.
  std::vector<TimePoint> expected = {At("2025-03-28T01:30:00Z"), At("2025-03-29T01:30:00Z"),
                                     At("2025-03-30T01:00:00Z"), At("2025-03-31T00:30:00Z")};
  ASSERT_EQ(runs.size(), expected.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(*runs[i].logical_date, expected[i]) << i;
    if (i + 1 < runs.size()) {
      EXPECT_EQ(*runs[i].data_interval_end, expected[i + 1]) << i;
    }
  }
}

TEST_P(SchedulerTest, CatchupAcrossTheFallBackRunsTheRepeatedTimeOnce) {
  WriteDag("berlin", R"(dag_id: berlin
schedule:
  cron: "30 2 * * *"
  timezone: Europe/Berlin
  start_date: 2025-10-25
  catchup: true
tasks:
  a: {kind: noop}
)");
  clock_.Set(At("2025-10-28T12:00:00Z"));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("berlin");
  // 02:30 CEST is 00:30Z; on 26 October 02:30 happens twice and runs at its
  // first occurrence (still CEST); from then on 02:30 CET is 01:30Z.
  std::vector<TimePoint> expected = {At("2025-10-25T00:30:00Z"), At("2025-10-26T00:30:00Z"),
                                     At("2025-10-27T01:30:00Z")};
  ASSERT_EQ(runs.size(), expected.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(*runs[i].logical_date, expected[i]) << i;
  }
  EXPECT_EQ(*runs[1].data_interval_end - *runs[1].data_interval_start, std::chrono::hours(25));
}

TEST_P(SchedulerTest, WithoutAStartDateTheScheduleStartsWhenFirstSeen) {
  WriteDag("minutely", "dag_id: minutely\nschedule: \"* * * * *\"\ntasks:\n  a: {kind: noop}\n");
  clock_.Set(At("2025-03-13T12:00:30Z"));
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  auto dag = store_->GetDag("minutely");
  ASSERT_TRUE(dag);
  ASSERT_TRUE(dag->next_dagrun.create_after.has_value());
  EXPECT_LE(*dag->next_dagrun.create_after, At("2025-03-13T12:02:00Z"));
  clock_.Set(At("2025-03-13T12:03:00.5Z"));
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("minutely");
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(*runs.back().data_interval_end, At("2025-03-13T12:03:00Z"));
}

TEST_P(SchedulerTest, APassSaysWhenTheNextRunIsDueWithinThePollInterval) {
  WriteDag("minutely", "dag_id: minutely\nschedule: \"* * * * *\"\ntasks:\n  a: {kind: noop}\n");
  clock_.Set(At("2025-03-13T12:00:30Z"));
  Scheduler& scheduler = MakeScheduler({.poll_interval = std::chrono::seconds(1)});
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  Settle(scheduler);
  clock_.Set(At("2025-03-13T12:00:59.3Z"));  // due at 12:01:00, within the next poll
  auto report = scheduler.RunOnce();
  ASSERT_TRUE(report) << report.error().ToString();
  ASSERT_TRUE(report->next_run_due.has_value());
  EXPECT_EQ(*report->next_run_due, At("2025-03-13T12:01:00Z"));
  clock_.Set(At("2025-03-13T12:01:00.001Z"));  // due now: created in this pass, next is later
  report = scheduler.RunOnce();
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_EQ(report->runs_created, 1);
  EXPECT_FALSE(report->next_run_due.has_value());
  EXPECT_EQ(*Runs("minutely").back().data_interval_end, At("2025-03-13T12:01:00Z"));
}

TEST_P(SchedulerTest, BackfillRunsHonourTheirOwnMaxActiveRuns) {
  WriteDag("busy", DailyDag("busy", false, 16, "command"));
  Scheduler& scheduler = MakeScheduler({.create_scheduled_runs = false});
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  auto pipeline = scheduler.PipelineOf("busy");
  auto intervals = BackfillIntervals(*pipeline, At("2025-03-01"), At("2025-03-05"));
  ASSERT_TRUE(intervals);
  ASSERT_EQ(intervals->size(), 5u);
  auto backfill = store_->CreateBackfill({.dag_id = "busy",
                                          .from_date = At("2025-03-01"),
                                          .to_date = At("2025-03-05"),
                                          .max_active_runs = 2});
  ASSERT_TRUE(backfill) << backfill.error().ToString();
  for (const DataInterval& interval : *intervals) {
    metadb::NewRun new_run =
        BuildIntervalRun(*pipeline, metadb::RunType::kBackfill, interval.start, interval.end);
    new_run.run.backfill_id = backfill->id;
    ASSERT_TRUE(store_->CreateRun(new_run));
  }
  Settle(scheduler);
  std::vector<metadb::DagRun> runs = Runs("busy");
  ASSERT_EQ(runs.size(), 5u);
  EXPECT_EQ(runs[0].run_id, "backfill__2025-03-01T00:00:00+00:00");
  int running = 0;
  for (const metadb::DagRun& run : runs) running += run.state == DagRunState::kRunning ? 1 : 0;
  EXPECT_EQ(running, 2);
}

TEST_P(SchedulerTest, AMappedTaskHasOneInstancePerItemEachWithItsOwnState) {
  WriteDag("mapped", R"(dag_id: mapped
source:
  connection: api
  resources:
    users: {path: /users}
    posts: {path: /posts}
    todos: {path: /todos}
tasks:
  collect: {kind: http_extract, expand: resources}
  after: {kind: noop, upstream: [collect]}
)");
  Scheduler& scheduler = MakeScheduler();
  SLUICE_ASSERT_OK(scheduler.SyncDags());
  metadb::DagRun run = Trigger(scheduler, "mapped", At("2025-03-12"));
  Settle(scheduler);
  std::vector<metadb::TaskInstance> instances = Tasks("mapped", run.run_id);
  int mapped = 0;
  for (const metadb::TaskInstance& ti : instances) {
    if (ti.key.task_id != "collect") continue;
    EXPECT_EQ(ti.state, TaskState::kQueued);
    EXPECT_EQ(ti.key.map_index, mapped++);
  }
  EXPECT_EQ(mapped, 3);
}

INSTANTIATE_TEST_SUITE_P(Backends, SchedulerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres), BackendName);

}  // namespace
}  // namespace sluice::scheduler::testing
