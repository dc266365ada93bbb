// Private to scheduler: what the scheduler loop counts in the process's
// metrics registry (core/metrics.h), for GET /metrics.
#pragma once

#include <chrono>
#include <string>

#include "metadb/metadb.h"

namespace sluice::scheduler {

// One pass of the loop: sluice_scheduler_loop_seconds, the time of the last
// pass and sluice_scheduler_loop_errors_total when it failed.
void ObserveSchedulerPass(std::chrono::steady_clock::duration took, TimePoint now, bool ok);
void CountSchedulerHeartbeat(std::chrono::steady_clock::duration took, bool ok);
void CountRunCreated(const std::string& dag_id, metadb::RunType type);
// A queued run started: counted, and how long after its run_after it started.
void CountRunStarted(const metadb::DagRun& run, TimePoint now);
void CountRunFinished(const std::string& dag_id, metadb::DagRunState state);
// A task instance the scheduler ended (skipped, upstream_failed, noop done,
// a lost try failed or up for retry).
void CountTaskFinished(const metadb::TaskInstanceKey& key, metadb::TaskState state);

}  // namespace sluice::scheduler
