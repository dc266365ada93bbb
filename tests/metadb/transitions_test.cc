// What a state change does to a task instance, without a database.
#include "metadb/transitions.h"

#include <gtest/gtest.h>

namespace sluice::metadb {
namespace {

using std::chrono::seconds;

const TimePoint kNow = TimePoint(seconds(1742018400));

TEST(TaskStateNames, RoundTripAndUnknownIsNullopt) {
  for (TaskState state : TaskStateSet{TaskState::kNone, TaskState::kScheduled, TaskState::kQueued,
                                      TaskState::kRunning, TaskState::kSuccess, TaskState::kFailed,
                                      TaskState::kUpForRetry, TaskState::kUpstreamFailed,
                                      TaskState::kSkipped, TaskState::kRemoved}
                             .ToVector()) {
    SCOPED_TRACE(TaskStateName(state));
    EXPECT_EQ(ParseTaskState(TaskStateName(state)), state);
  }
  EXPECT_EQ(TaskStateName(TaskState::kUpForRetry), "up_for_retry");
  EXPECT_FALSE(ParseTaskState("deferred").has_value());
  EXPECT_EQ(ParseRunType("backfill"), RunType::kBackfill);
  EXPECT_EQ(ParseDagRunState("success"), DagRunState::kSuccess);
  EXPECT_TRUE(IsFinished(TaskState::kSkipped));
  EXPECT_FALSE(IsFinished(TaskState::kUpForRetry));
}

TEST(Transitions, GuardChecksStateSetAndTry) {
  TaskInstance ti;
  ti.state = TaskState::kRunning;
  ti.try_number = 2;
  struct Case {
    const char* name;
    TaskStateSet from;
    std::optional<int> expected_try;
    bool holds;
  } cases[] = {
      {"any state, any try", {}, std::nullopt, true},
      {"state matches", {TaskState::kQueued, TaskState::kRunning}, std::nullopt, true},
      {"state differs", {TaskState::kQueued}, std::nullopt, false},
      {"try matches", {TaskState::kRunning}, 2, true},
      {"stale try", {TaskState::kRunning}, 1, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TaskTransition transition;
    transition.from = c.from;
    transition.expected_try = c.expected_try;
    EXPECT_EQ(GuardHolds(ti, transition), c.holds);
  }
}

TEST(Transitions, NewTryResetsPerTryFieldsAndFinishSetsDuration) {
  TaskInstance ti;
  ti.state = TaskState::kUpForRetry;
  ti.try_number = 1;
  ti.start_date = kNow - seconds(100);
  ti.end_date = kNow - seconds(90);
  ti.hostname = "old";
  ti.log_location = "1.log";
  ti.outputs = R"({"records":1})";
  TaskTransition queue;
  queue.to = TaskState::kQueued;
  queue.new_try = true;
  ApplyTransition(ti, queue, kNow);
  EXPECT_EQ(ti.try_number, 2);
  EXPECT_EQ(ti.queued_at, kNow);
  EXPECT_FALSE(ti.start_date.has_value());
  EXPECT_FALSE(ti.end_date.has_value());
  EXPECT_TRUE(ti.hostname.empty());
  EXPECT_TRUE(ti.log_location.empty());
  EXPECT_EQ(ti.outputs, "{}");

  TaskTransition skip;
  skip.to = TaskState::kSkipped;
  ApplyTransition(ti, skip, kNow + seconds(1));  // never started: starts and ends now
  EXPECT_EQ(ti.start_date, kNow + seconds(1));
  EXPECT_EQ(ti.end_date, kNow + seconds(1));
  EXPECT_EQ(ti.duration, std::chrono::microseconds(0));
}

TEST(Transitions, ClearGivesRetriesBackAndKeepsTheTryNumber) {
  TaskInstance ti;
  ti.state = TaskState::kFailed;
  ti.try_number = 3;
  ti.max_tries = 2;
  ti.retries = 2;
  ti.worker_id = "w";
  ApplyClear(ti, kNow);
  EXPECT_EQ(ti.state, TaskState::kNone);
  EXPECT_EQ(ti.try_number, 3);
  EXPECT_EQ(ti.max_tries, 5);
  EXPECT_TRUE(ti.worker_id.empty());
  EXPECT_EQ(ti.updated_at, kNow);
}

}  // namespace
}  // namespace sluice::metadb
