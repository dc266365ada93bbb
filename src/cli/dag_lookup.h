// Finding a DAG by id in the pipelines folder, with the import errors that
// explain why one is missing.
#pragma once

#include <string>

#include "cli/config.h"
#include "core/core.h"

namespace sluice::cli {

Result<PipelineDirectory> LoadDags(const Config& config);
// kNotFound naming the folder; when a file failed to load, its error instead
// (the DAG the user asked for is most likely in it).
Result<Pipeline> FindDag(const Config& config, const std::string& dag_id);

}  // namespace sluice::cli
