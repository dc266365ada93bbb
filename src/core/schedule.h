// Schedules: five-field cron expressions and presets evaluated in an IANA time
// zone, the Airflow-style data intervals built from them, and ISO 8601 time
// helpers. Values are immutable and safe to share between threads.
//
// Cron: "minute hour day-of-month month day-of-week" with lists (1,15),
// ranges (1-5), steps (*/15, 1-10/2, 5/10), names (JAN-DEC, SUN-SAT, any
// case), 0 or 7 for Sunday. When both day fields are restricted (neither
// starts with '*') a day matches if either matches; otherwise both must.
// Presets: @hourly @daily @weekly @monthly @yearly (@annually), @once; "none"
// or "" for no schedule.
//
// Daylight saving time, as Vixie cron does it:
// - a schedule whose hour field starts with '*' (hourly, */15 ...) follows the
//   wall clock: skipped times do not run, repeated times run both times;
// - a schedule that names its hours (0 2 * * *, 30 1 * * 1-5 ...) runs a time
//   skipped by the clock going forward once, at the first instant after the
//   gap (03:00 for 02:30 in Europe/Berlin), and a time repeated by the clock
//   going back once, at its first occurrence.
// Zone rules come from /usr/share/zoneinfo, which lists transitions through
// 2037; later years keep the offset in force at the end of 2037.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"

namespace sluice::tz {
class Zone;
}

namespace sluice {

namespace cron {
struct CronFields;
}

class Schedule {
 public:
  enum class Kind { kNone, kOnce, kCron };

  // kInvalidArgument for a bad expression ("cron '61 * * * *': minute field
  // '61': 61 is out of range 0-59"), an unknown preset or an unknown zone.
  static Result<Schedule> Parse(std::string_view expression, std::string_view timezone = "UTC");

  // The first fire time strictly after `t`; nullopt for none and @once, or
  // when there is none before the year 2200.
  std::optional<TimePoint> NextAfter(TimePoint t) const;
  // The last fire time at or before `t`; nullopt when there is none.
  std::optional<TimePoint> PreviousAtOrBefore(TimePoint t) const;

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_once() const { return kind_ == Kind::kOnce; }
  // As given: "*/30 * * * *", "@daily", "@once", or "" for none.
  const std::string& expression() const { return expression_; }
  const std::string& timezone() const { return timezone_; }

 private:
  Schedule() = default;
  std::optional<TimePoint> SearchForward(TimePoint after, TimePoint horizon) const;

  Kind kind_ = Kind::kNone;
  std::string expression_;
  std::string timezone_ = "UTC";
  std::shared_ptr<const tz::Zone> zone_;            // immutable, shared by copies
  std::shared_ptr<const cron::CronFields> fields_;  // set for kCron; immutable, shared by copies
};

// The data interval of one run, as in Airflow: the run for [start, end) has
// logical_date = start and is due at end. For @once, start == end.
struct DataInterval {
  TimePoint start;
  TimePoint end;
  bool operator==(const DataInterval&) const = default;
};

// The interval after the last one scheduled (catchup): it starts at
// last_interval_end, or for the first run at the first fire time at or after
// start_date; @once gives [start_date, start_date] once; none gives nullopt.
std::optional<DataInterval> NextInterval(const Schedule& schedule,
                                         std::optional<TimePoint> last_interval_end,
                                         TimePoint start_date);

// The latest interval that has ended by `now` (end <= now); nullopt for none
// and @once.
std::optional<DataInterval> LatestCompleteInterval(const Schedule& schedule, TimePoint now);

// catchup: false, as Airflow: NextInterval, but never older than the latest
// complete interval at `now`, so missed intervals are skipped.
std::optional<DataInterval> NextIntervalWithoutCatchup(const Schedule& schedule,
                                                       std::optional<TimePoint> last_interval_end,
                                                       TimePoint start_date, TimePoint now);

// Parses "2025-03-15", "2025-03-15T10:30", "2025-03-15T10:30:00",
// "2025-03-15 10:30:00.250", each optionally followed by "Z", "+01:00",
// "+0100" or "+01". Without an offset the time is wall-clock time in
// `timezone` (a skipped time moves to the end of the gap; a repeated time is
// its first occurrence). Years 1900 to 2199. kInvalidArgument otherwise.
Result<TimePoint> ParseIsoTime(std::string_view text, std::string_view timezone = "UTC");
// "2025-03-15T00:00:00+00:00" (UTC; ".123456" appears when there are
// fractions of a second).
std::string FormatIsoTime(TimePoint time);
// "2025-03-15" (UTC).
std::string FormatDate(TimePoint time);

}  // namespace sluice
