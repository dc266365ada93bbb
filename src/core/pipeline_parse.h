// Private to core: the readers for each section of a pipeline file. Each
// validates its section completely and reports the first problem with its
// file:line:column.
#pragma once

#include <chrono>
#include <optional>

#include "core/pipeline.h"
#include "core/pipeline_yaml.h"

namespace sluice::loader {

// default_args: what every task gets unless it says otherwise.
struct TaskDefaults {
  int retries = 0;
  std::chrono::seconds retry_delay{300};
  bool retry_exponential_backoff = false;
  std::optional<std::chrono::seconds> execution_timeout;
};

Status ReadSource(const YamlReader& reader, const Entry& entry, SourceSpec& source);
// Needs the source read first: each table names one of its resources.
Status ReadTables(const YamlReader& reader, const Entry& entry, const SourceSpec& source,
                  std::vector<TableSpec>& tables);
// Needs everything else read first; leaves the tasks in dependency order.
Status ReadTasks(const YamlReader& reader, const Entry& entry, const TaskDefaults& defaults,
                 Pipeline& pipeline);

// The keys of default_args, which tasks may also set.
Status ReadTaskDefaults(const YamlReader& reader, const Entry& entry, TaskDefaults& defaults);

}  // namespace sluice::loader
