#include "cli/dag_lookup.h"

#include <filesystem>

namespace sluice::cli {

Result<PipelineDirectory> LoadDags(const Config& config) {
  std::error_code ec;
  if (!std::filesystem::is_directory(config.dags_folder, ec)) {
    return Error::NotFound("pipelines folder {} does not exist", config.dags_folder)
        .Hint("set SLUICE_DAGS_FOLDER, or dags_folder in {}/sluice.yaml", config.home);
  }
  return LoadPipelineDirectory(config.dags_folder);
}

Result<Pipeline> FindDag(const Config& config, const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(PipelineDirectory directory, LoadDags(config));
  for (Pipeline& pipeline : directory.pipelines) {
    if (pipeline.dag_id == dag_id) return std::move(pipeline);
  }
  for (const auto& [file, error] : directory.import_errors) {
    if (std::filesystem::path(file).stem() == dag_id || directory.import_errors.size() == 1) {
      return Error::InvalidArgument("{}", error);
    }
  }
  if (!directory.import_errors.empty()) {
    return Error::NotFound("DAG '{}' not found in {}; {} pipeline file(s) failed to load, first: {}",
                           dag_id, config.dags_folder, directory.import_errors.size(),
                           directory.import_errors.begin()->second);
  }
  return Error::NotFound("DAG '{}' not found in {}", dag_id, config.dags_folder)
      .Hint("`sluice dags list` shows the DAGs there");
}

}  // namespace sluice::cli
