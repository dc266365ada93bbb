#include "core/time_zone.h"

#include <string>

namespace sluice::tz {

Result<Zone> Zone::Locate(std::string_view name) {
  if (name.empty()) {
    return Error::InvalidArgument("time zone is empty: use an IANA name like UTC or Europe/Berlin");
  }
  if (name == "UTC" || name == "Etc/UTC") return Zone(nullptr);
  try {
    return Zone(date::locate_zone(std::string(name)));
  } catch (const std::exception&) {
    return Error::InvalidArgument(
        "unknown time zone '{}': use an IANA name like UTC, Europe/Berlin or America/New_York "
        "(see /usr/share/zoneinfo)",
        name);
  }
}

date::sys_info Zone::Period(date::sys_seconds instant) const {
  if (zone_ != nullptr) return zone_->get_info(instant);
  // One period beyond both ends of the supported range, as the database's UTC has.
  date::sys_info utc;
  utc.begin = kMinTime - date::days(1);
  utc.end = kMaxTime + date::days(1);
  utc.offset = std::chrono::seconds(0);
  utc.save = std::chrono::minutes(0);
  utc.abbrev = "UTC";
  return utc;
}

date::sys_seconds Zone::LocalToSys(LocalSeconds local) const {
  if (zone_ == nullptr) return date::sys_seconds{local.time_since_epoch()};
  const date::local_info info = zone_->get_info(local);
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
