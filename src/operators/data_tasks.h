// Private to operators: one function per task kind, and the reconciliation.
#pragma once

#include <string>
#include <vector>

#include "operators/operators.h"

namespace sluice::operators {

Result<TaskOutcome> RunExtract(TaskEnvironment& environment, const TaskRun& run);
Result<TaskOutcome> RunTransform(TaskEnvironment& environment, const TaskRun& run);
Result<TaskOutcome> RunCreateTables(TaskEnvironment& environment, const TaskRun& run);
Result<TaskOutcome> RunLoad(TaskEnvironment& environment, const TaskRun& run);
Result<TaskOutcome> RunSql(TaskEnvironment& environment, const TaskRun& run);
Result<TaskOutcome> RunCommand(TaskEnvironment& environment, const TaskRun& run);

struct TableLoad {
  const TableSpec* table;
  std::string schema_key;  // the clean partition's schema.json
  warehouse::LoadReport report;
};

// Balances each loaded table against its raw manifest and clean schema.json.
Result<std::vector<TableReconciliation>> Reconcile(lake::ObjectStore& store,
                                                   const Pipeline& pipeline, const TaskRun& run,
                                                   const std::vector<TableLoad>& loads);
// Writes the run's reconciliation next to its data; returns the key. A mapped
// load instance updates its own table's entry and keeps the others.
Result<std::string> WriteReconciliation(lake::ObjectStore& store, const Pipeline& pipeline,
                                        const TaskRun& run,
                                        const std::vector<TableReconciliation>& balance);
std::vector<std::string> FormatReconciliation(const std::vector<TableReconciliation>& balance);

}  // namespace sluice::operators
