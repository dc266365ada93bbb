// Private to server: the run a manual trigger creates, as the scheduler would
// create it: queued, with one task instance per task (per map item for a
// mapped task), state none, retries, queue and priority from the pipeline.
#pragma once

#include <optional>
#include <string>

#include "metadb/metadb.h"

namespace sluice::server {

struct TriggerRequest {
  std::optional<TimePoint> logical_date;                            // nullopt: now
  std::string run_id;                                               // "": manual__<logical date>
  std::string conf = "{}";                                          // a JSON object
  std::optional<TimePoint> data_interval_start, data_interval_end;  // both or neither
  std::optional<TimePoint> run_after;                               // nullopt: the logical date
  std::string triggered_by = "rest_api";
};

// Without a data interval, it is the schedule's interval that ended last at
// or before the logical date (Airflow's manual data interval), or
// [logical date, logical date] for a DAG without a schedule.
metadb::NewRun BuildManualRun(const Pipeline& pipeline, const TriggerRequest& request,
                              TimePoint now);

// Airflow's rule for run ids: letters, digits and _ . ~ : + -, at most 250.
bool IsValidRunId(std::string_view run_id);

}  // namespace sluice::server
