#include "core/time_zone.h"

#include <string>

namespace sluice::tz {

Result<const date::time_zone*> LocateZone(std::string_view name) {
  if (name.empty()) {
    return Error::InvalidArgument("time zone is empty: use an IANA name like UTC or Europe/Berlin");
  }
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return Error::InvalidArgument(
        "unknown time zone '{}': use an IANA name like UTC, Europe/Berlin or America/New_York "
        "(see /usr/share/zoneinfo)",
        name);
  }
}

date::sys_seconds LocalToSys(const date::time_zone& zone, LocalSeconds local) {
  const date::local_info info = zone.get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:
      return date::sys_seconds{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      return info.first.end;
  }
  return date::sys_seconds{local.time_since_epoch() - info.first.offset};
}

}  // namespace sluice::tz
