// Private to core: the five cron fields of a schedule and the search for the
// first wall-clock minute that matches them. Time zones are schedule.cc's
// business; everything here is local (wall-clock) time.
#pragma once

#include <date/date.h>

#include <bitset>
#include <chrono>
#include <optional>
#include <string_view>

#include "core/error.h"

namespace sluice::cron {

using LocalSeconds = date::local_time<std::chrono::seconds>;

struct CronFields {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bit 0 unused
  std::bitset<13> months;         // bit 0 unused
  std::bitset<7> days_of_week;    // 0 = Sunday
  // A field "is star" when its text starts with '*' (as in Vixie cron): it
  // decides the day-of-month/day-of-week rule and how DST changes apply.
  bool day_of_month_star = true;
  bool day_of_week_star = true;
  bool hour_star = true;

  // Vixie cron's rule: when both day fields are restricted, a day matches if
  // either matches; when one of them is star, both must match.
  bool MatchesDay(const date::year_month_day& day) const;

  // The first whole minute m with from <= m < to that matches every field.
  std::optional<LocalSeconds> FirstMatch(LocalSeconds from, LocalSeconds to) const;
};

// Parses "minute hour day-of-month month day-of-week". kInvalidArgument names
// the field and the part that is wrong, e.g.
// "cron '61 * * * *': minute field '61': 61 is out of range 0-59".
Result<CronFields> ParseCronFields(std::string_view expression);

}  // namespace sluice::cron
