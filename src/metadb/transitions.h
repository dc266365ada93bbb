// Private to metadb: what a state change does to a task instance, as pure
// functions over the row, so both backends share one meaning and tests check
// it without a database.
#pragma once

#include "metadb/metadb.h"

namespace sluice::metadb {

// Whether transition's guard (from, expected_try) accepts ti as it is.
bool GuardHolds(const TaskInstance& ti, const TaskTransition& transition);
// Applies a transition whose guard held (see TaskTransition).
void ApplyTransition(TaskInstance& ti, const TaskTransition& transition, TimePoint now);
// Makes a queued task instance running for the claimer.
void ApplyClaim(TaskInstance& ti, const ClaimRequest& request, TimePoint now);
// Resets a task instance for a re-run (see MetaStore::ClearTaskInstances).
void ApplyClear(TaskInstance& ti, TimePoint now);

// Whether a run in this state ends the run (sets end_date).
bool IsFinished(DagRunState state);

}  // namespace sluice::metadb
