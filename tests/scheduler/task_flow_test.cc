#include <gtest/gtest.h>

#include "scheduler/scheduler.h"

namespace sluice::scheduler {
namespace {

UpstreamStates States(int total, int success, int failed, int skipped, int done) {
  return {.total = total, .success = success, .failed = failed, .skipped = skipped, .done = done};
}

TEST(EvaluateTest, NoUpstreamRunsAtOnceWhateverTheRule) {
  for (TriggerRule rule :
       {TriggerRule::kAllSuccess, TriggerRule::kAllDone, TriggerRule::kAllFailed,
        TriggerRule::kOneSuccess, TriggerRule::kOneFailed, TriggerRule::kNoneFailed}) {
    EXPECT_EQ(Evaluate(rule, {}), Readiness::kRun) << TriggerRuleName(rule);
  }
}

TEST(EvaluateTest, AllSuccess) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, States(2, 2, 0, 0, 2)), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, States(2, 1, 0, 0, 1)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, States(2, 0, 1, 0, 1)), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, States(2, 1, 0, 1, 2)), Readiness::kSkip);
}

TEST(EvaluateTest, AllDoneWaitsForEveryUpstreamWhateverItsOutcome) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllDone, States(3, 1, 1, 0, 2)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAllDone, States(3, 1, 1, 1, 3)), Readiness::kRun);
}

TEST(EvaluateTest, AllFailed) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, States(2, 0, 2, 0, 2)), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, States(2, 0, 1, 0, 1)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, States(2, 1, 1, 0, 2)), Readiness::kSkip);
}

TEST(EvaluateTest, OneSuccessRunsOnTheFirstSuccess) {
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, States(3, 1, 0, 0, 1)), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, States(3, 0, 1, 0, 1)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, States(2, 0, 2, 0, 2)), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, States(2, 0, 0, 2, 2)), Readiness::kSkip);
}

TEST(EvaluateTest, OneFailedRunsOnTheFirstFailure) {
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, States(3, 0, 1, 0, 1)), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, States(3, 1, 0, 0, 1)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, States(2, 2, 0, 0, 2)), Readiness::kSkip);
}

TEST(EvaluateTest, NoneFailedAcceptsSkips) {
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, States(2, 1, 0, 1, 2)), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, States(2, 1, 0, 0, 1)), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, States(2, 0, 1, 0, 1)), Readiness::kUpstreamFailed);
}

metadb::TaskInstance Running(int try_number, int max_tries) {
  metadb::TaskInstance instance;
  instance.key = {"d", "r", "t", -1};
  instance.state = metadb::TaskState::kRunning;
  instance.try_number = try_number;
  instance.max_tries = max_tries;
  return instance;
}

TEST(FailedTryTest, RetriesWhileTriesAreLeftThenFails) {
  TaskSpec task;
  task.retry_delay = std::chrono::seconds(60);
  TimePoint now{};
  metadb::TaskTransition first = FailedTry(Running(1, 2), task, now);
  EXPECT_EQ(first.to, metadb::TaskState::kUpForRetry);
  EXPECT_EQ(*first.next_retry_at, now + std::chrono::seconds(60));
  EXPECT_EQ(first.expected_try, 1);
  EXPECT_TRUE(first.from.contains(metadb::TaskState::kRunning));
  EXPECT_EQ(FailedTry(Running(2, 2), task, now).to, metadb::TaskState::kUpForRetry);
  metadb::TaskTransition last = FailedTry(Running(3, 2), task, now);
  EXPECT_EQ(last.to, metadb::TaskState::kFailed);
  EXPECT_FALSE(last.next_retry_at.has_value());
}

TEST(FailedTryTest, ExponentialBackoffDoublesTheDelayPerTry) {
  TaskSpec task;
  task.retry_delay = std::chrono::seconds(10);
  task.retry_exponential_backoff = true;
  TimePoint now{};
  EXPECT_EQ(*FailedTry(Running(1, 5), task, now).next_retry_at, now + std::chrono::seconds(10));
  EXPECT_EQ(*FailedTry(Running(2, 5), task, now).next_retry_at, now + std::chrono::seconds(20));
  EXPECT_EQ(*FailedTry(Running(4, 5), task, now).next_retry_at, now + std::chrono::seconds(80));
}

TEST(FinishedRunStateTest, LeavesDecideAndUnfinishedTasksKeepTheRunOpen) {
  Pipeline pipeline;
  pipeline.tasks.resize(3);
  pipeline.tasks[0].id = "extract";
  pipeline.tasks[1].id = "load";
  pipeline.tasks[1].upstream = {"extract"};
  pipeline.tasks[2].id = "cleanup";  // all_done after load
  pipeline.tasks[2].upstream = {"load"};
  auto instance = [](std::string task_id, metadb::TaskState state) {
    metadb::TaskInstance ti;
    ti.key = {"d", "r", std::move(task_id), -1};
    ti.state = state;
    return ti;
  };
  using S = metadb::TaskState;
  EXPECT_FALSE(
      FinishedRunState(pipeline, {instance("extract", S::kSuccess), instance("load", S::kRunning),
                                  instance("cleanup", S::kNone)}));
  EXPECT_EQ(
      FinishedRunState(pipeline, {instance("extract", S::kSuccess), instance("load", S::kFailed),
                                  instance("cleanup", S::kSuccess)}),
      metadb::DagRunState::kSuccess);
  EXPECT_EQ(FinishedRunState(pipeline,
                             {instance("extract", S::kFailed), instance("load", S::kUpstreamFailed),
                              instance("cleanup", S::kUpstreamFailed)}),
            metadb::DagRunState::kFailed);
}

TEST(RunIdTest, AirflowCharactersOnly) {
  EXPECT_TRUE(IsValidRunId("manual__2025-03-15T00:00:00+00:00"));
  EXPECT_FALSE(IsValidRunId("../etc"));
  EXPECT_FALSE(IsValidRunId(""));
  EXPECT_FALSE(IsValidRunId(std::string(251, 'a')));
}

}  // namespace
}  // namespace sluice::scheduler
