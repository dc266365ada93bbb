// Shared by the schedule tests: ISO text in, ISO text out, so a table of
// cases reads like the behaviour it pins down.
#pragma once

#include <string>

#include "core/schedule.h"

namespace sluice::testing {

inline TimePoint At(const std::string& iso) {
  Result<TimePoint> time = ParseIsoTime(iso);
  if (!time) throw std::runtime_error(time.error().message());
  return *time;
}

inline Schedule MustParse(const std::string& expression, const std::string& timezone) {
  Result<Schedule> schedule = Schedule::Parse(expression, timezone);
  if (!schedule) throw std::runtime_error(schedule.error().message());
  return *schedule;
}

inline std::string Iso(const std::optional<TimePoint>& time) {
  return time ? FormatIsoTime(*time) : "none";
}

}  // namespace sluice::testing
