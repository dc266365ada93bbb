// Private to warehouse: what one LoadTable call will copy, checked against
// the declared table before any statement runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

struct LoadPlan {
  std::vector<std::string> columns;  // the parts' header, in order; all declared
  std::vector<std::string> part_keys;
  std::optional<int64_t> expected_rows;  // "rows" of schema.json
};

// Reads schema.json (or the first part's header when the request lists part
// keys instead) and checks it against request.table: same table, declared
// columns of the declared types, the same primary key, the key columns all
// present. A partition that does not fit is kFailedPrecondition (re-run the
// transform, or create_tables after changing the pipeline); an unreadable
// schema.json is kDataLoss.
Result<LoadPlan> PlanLoad(const LoadRequest& request);

// The columns of a schema.json's text, as PlanLoad reads them (exposed for tests).
Result<LoadPlan> ParseCleanManifest(std::string_view json_text, std::string_view key,
                                    const TableSpec& table);

}  // namespace sluice::warehouse
