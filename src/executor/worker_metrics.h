// Private to executor: what a worker counts in the process's metrics registry
// (core/metrics.h), for GET /metrics.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "metadb/metadb.h"

namespace sluice::executor {

// One try ran for `took`: sluice_task_duration_seconds, and the records,
// bytes and source requests its outcome JSON ("O" line) reports.
void ObserveTry(const metadb::TaskInstanceKey& key, std::chrono::steady_clock::duration took,
                std::string_view outputs_json);
// The store took the try's end: the state it left the task instance in.
void CountTryFinished(const metadb::TaskInstanceKey& key, metadb::TaskState state);
void CountWorkerHeartbeat(const std::string& worker_id, bool ok);
// Running tries and slots of a worker.
void SetWorkerLoad(const std::string& worker_id, int running, int slots);
// sluice_metastore_operation_seconds{operation}.
void ObserveStoreCall(std::string_view operation, std::chrono::steady_clock::duration took);

}  // namespace sluice::executor
