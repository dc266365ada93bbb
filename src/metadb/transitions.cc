#include "metadb/transitions.h"

namespace sluice::metadb {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

TimePoint Truncate(TimePoint time) { return std::chrono::floor<microseconds>(time); }

// The fields that belong to one try; a new try or a clear starts them afresh.
void ResetTryFields(TaskInstance& ti) {
  ti.start_date.reset();
  ti.end_date.reset();
  ti.duration.reset();
  ti.hostname.clear();
  ti.pid.reset();
  ti.worker_id.clear();
  ti.heartbeat_at.reset();
  ti.next_retry_at.reset();
  ti.log_location.clear();
  ti.outputs = "{}";
}

void Finish(TaskInstance& ti, TimePoint now) {
  if (!ti.start_date) ti.start_date = now;
  ti.end_date = now;
  ti.duration = duration_cast<microseconds>(now - *ti.start_date);
}

}  // namespace

bool GuardHolds(const TaskInstance& ti, const TaskTransition& transition) {
  if (!transition.from.empty() && !transition.from.contains(ti.state)) return false;
  if (transition.expected_try && *transition.expected_try != ti.try_number) return false;
  return true;
}

void ApplyTransition(TaskInstance& ti, const TaskTransition& transition, TimePoint now) {
  now = Truncate(now);
  if (transition.new_try) {
    ++ti.try_number;
    ResetTryFields(ti);
  }
  ti.state = transition.to;
  switch (transition.to) {
    case TaskState::kQueued:
      ti.queued_at = now;
      break;
    case TaskState::kRunning:
      ti.start_date = now;
      ti.heartbeat_at = now;
      ti.end_date.reset();
      ti.duration.reset();
      break;
    case TaskState::kUpForRetry:
    case TaskState::kSuccess:
    case TaskState::kFailed:
    case TaskState::kSkipped:
    case TaskState::kUpstreamFailed:
    case TaskState::kRemoved:
      Finish(ti, now);
      break;
    case TaskState::kNone:
    case TaskState::kScheduled:
      break;
  }
  if (transition.next_retry_at) ti.next_retry_at = Truncate(*transition.next_retry_at);
  if (transition.outputs) ti.outputs = *transition.outputs;
  if (transition.log_location) ti.log_location = *transition.log_location;
  if (transition.hostname) ti.hostname = *transition.hostname;
  if (transition.pid) ti.pid = *transition.pid;
  if (transition.worker_id) ti.worker_id = *transition.worker_id;
  ti.updated_at = now;
}

void ApplyClaim(TaskInstance& ti, const ClaimRequest& request, TimePoint now) {
  TaskTransition transition;
  transition.to = TaskState::kRunning;
  transition.hostname = request.hostname;
  transition.pid = request.pid;
  transition.worker_id = request.worker_id;
  ApplyTransition(ti, transition, now);
}

void ApplyClear(TaskInstance& ti, TimePoint now) {
  ResetTryFields(ti);
  ti.state = TaskState::kNone;
  ti.max_tries = ti.try_number + ti.retries;
  ti.queued_at.reset();
  ti.updated_at = Truncate(now);
}

bool IsFinished(DagRunState state) {
  return state == DagRunState::kSuccess || state == DagRunState::kFailed;
}

}  // namespace sluice::metadb
