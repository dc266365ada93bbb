// Private to core: IANA time zones (Howard Hinnant's date/tz over
// /usr/share/zoneinfo) and the supported range of times.
#pragma once

#include <date/tz.h>

#include <chrono>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace sluice::tz {

using LocalSeconds = date::local_time<std::chrono::seconds>;

// Times outside [kMinTime, kMaxTime) are not scheduled or parsed, which keeps
// every computation far from the limits of the clock's 64-bit nanoseconds.
inline constexpr date::sys_seconds kMinTime{date::sys_days{date::year{1900} / 1 / 1}};
inline constexpr date::sys_seconds kMaxTime{date::sys_days{date::year{2200} / 1 / 1}};

// kInvalidArgument naming the zone when it is not in the database.
Result<const date::time_zone*> LocateZone(std::string_view name);

// The instant a wall-clock time names in `zone`: a time skipped by a forward
// change maps to the end of the gap, a repeated time to its first occurrence.
date::sys_seconds LocalToSys(const date::time_zone& zone, LocalSeconds local);

inline LocalSeconds ToLocal(date::sys_seconds instant, std::chrono::seconds offset) {
  return LocalSeconds{instant.time_since_epoch() + offset};
}

}  // namespace sluice::tz
