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

// A zone of the IANA database, or UTC without it: reading the database scans
// every file under /usr/share/zoneinfo (about 2 ms), which every task process
// would pay for the UTC its pipeline names.
class Zone {
 public:
  // kInvalidArgument naming the zone when it is not in the database.
  static Result<Zone> Locate(std::string_view name);

  // The period of constant UTC offset holding `instant`.
  date::sys_info Period(date::sys_seconds instant) const;
  // The instant a wall-clock time names: a time skipped by a forward change
  // maps to the end of the gap, a repeated time to its first occurrence.
  date::sys_seconds LocalToSys(LocalSeconds local) const;

 private:
  explicit Zone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_;  // nullptr: UTC; else owned by the process-wide database
};

inline LocalSeconds ToLocal(date::sys_seconds instant, std::chrono::seconds offset) {
  return LocalSeconds{instant.time_since_epoch() + offset};
}

}  // namespace sluice::tz
