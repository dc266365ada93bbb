// The S3 store (private to lake/).
#pragma once

#include <memory>

#include "lake/lake.h"

namespace sluice::lake {

Result<std::unique_ptr<ObjectStore>> OpenS3Store(const Url& url, const LakeOptions& options);

}  // namespace sluice::lake
