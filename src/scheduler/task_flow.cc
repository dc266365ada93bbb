// Trigger rules, retries and run outcomes: pure decisions over task states.
#include <set>

#include "scheduler/scheduler.h"

namespace sluice::scheduler {

Readiness Evaluate(TriggerRule rule, const UpstreamStates& up) {
  if (up.total == 0) return Readiness::kRun;
  bool all_done = up.done == up.total;
  switch (rule) {
    case TriggerRule::kAllSuccess:
      if (up.failed > 0) return Readiness::kUpstreamFailed;
      if (up.skipped > 0) return Readiness::kSkip;
      return up.success == up.total ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllDone:
      return all_done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllFailed:
      if (up.success > 0 || up.skipped > 0) return Readiness::kSkip;
      return up.failed == up.total ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kOneSuccess:
      if (up.success > 0) return Readiness::kRun;
      if (!all_done) return Readiness::kWait;
      return up.failed > 0 ? Readiness::kUpstreamFailed : Readiness::kSkip;
    case TriggerRule::kOneFailed:
      if (up.failed > 0) return Readiness::kRun;
      return all_done ? Readiness::kSkip : Readiness::kWait;
    case TriggerRule::kNoneFailed:
      if (up.failed > 0) return Readiness::kUpstreamFailed;
      return all_done ? Readiness::kRun : Readiness::kWait;
  }
  return Readiness::kWait;
}

metadb::TaskTransition FailedTry(const metadb::TaskInstance& instance, const TaskSpec& task,
                                 TimePoint now, std::optional<std::string> outputs) {
  metadb::TaskTransition transition{.key = instance.key,
                                    .from = {metadb::TaskState::kRunning},
                                    .expected_try = instance.try_number,
                                    .to = metadb::TaskState::kFailed,
                                    .outputs = std::move(outputs)};
  if (instance.try_number <= instance.max_tries) {
    auto delay = std::chrono::duration_cast<std::chrono::microseconds>(task.retry_delay);
    if (task.retry_exponential_backoff) {
      int doublings = std::clamp(instance.try_number - 1, 0, 20);
      delay *= int64_t{1} << doublings;
      delay = std::min<std::chrono::microseconds>(delay, std::chrono::hours(24));
    }
    transition.to = metadb::TaskState::kUpForRetry;
    transition.next_retry_at = now + delay;
  }
  return transition;
}

std::optional<metadb::DagRunState> FinishedRunState(
    const Pipeline& pipeline, const std::vector<metadb::TaskInstance>& instances) {
  std::set<std::string> has_downstream;
  for (const TaskSpec& task : pipeline.tasks) {
    has_downstream.insert(task.upstream.begin(), task.upstream.end());
  }
  bool failed = false;
  for (const metadb::TaskInstance& instance : instances) {
    if (!metadb::IsFinished(instance.state)) return std::nullopt;
    bool is_leaf = !has_downstream.count(instance.key.task_id);
    if (is_leaf && (instance.state == metadb::TaskState::kFailed ||
                    instance.state == metadb::TaskState::kUpstreamFailed)) {
      failed = true;
    }
  }
  return failed ? metadb::DagRunState::kFailed : metadb::DagRunState::kSuccess;
}

}  // namespace sluice::scheduler
