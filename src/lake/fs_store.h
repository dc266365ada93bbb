// The filesystem store (private to lake/): buckets are folders under a root.
#pragma once

#include <memory>
#include <string>

#include "lake/lake.h"

namespace sluice::lake {

// root: an absolute path; created when missing.
Result<std::unique_ptr<ObjectStore>> OpenFsStore(const std::string& root);

}  // namespace sluice::lake
