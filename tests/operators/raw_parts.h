// Raw partitions as the collection task leaves them, for the tasks that read
// them: one part and a complete manifest, of run r1 on 2025-03-15.
#pragma once

#include <string>

#include "lake/lake.h"

namespace sluice::operators::testing {

inline constexpr char kRawDs[] = "2025-03-15";
inline constexpr char kRawRunId[] = "r1";

// Records {"id": N, "name": "nN<padding>"} with ids [first, first + count).
void PutRawRecords(lake::ObjectStore& store, const std::string& resource, int first, int count,
                   const std::string& padding = "");
// A part of any text, said to hold `records` records.
void PutRawPart(lake::ObjectStore& store, const std::string& resource, const std::string& json,
                uint64_t records);

}  // namespace sluice::operators::testing
