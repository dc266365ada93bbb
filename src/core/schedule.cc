#include "core/schedule.h"

#include <algorithm>
#include <cctype>

#include "core/cron.h"
#include "core/time_zone.h"

namespace sluice {
namespace {

using std::chrono::seconds;
using SysSeconds = date::sys_seconds;

struct Preset {
  std::string_view name;
  std::string_view cron;  // empty for @once
};
constexpr Preset kPresets[] = {
    {"@once", ""},
    {"@hourly", "0 * * * *"},
    {"@daily", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},
    {"@monthly", "0 0 1 * *"},
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
};

// Far enough for any expression ParseCronFields accepts to fire at least
// once: a 29 February that falls on a given weekday recurs within 40 years.
constexpr auto kSearchHorizon = date::years(40);

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string KnownPresets() {
  std::string names;
  for (const Preset& preset : kPresets) {
    if (!names.empty()) names += ", ";
    names += preset.name;
  }
  return names;
}

TimePoint ToTimePoint(SysSeconds instant) { return TimePoint(instant); }

}  // namespace

Result<Schedule> Schedule::Parse(std::string_view expression, std::string_view timezone) {
  Schedule schedule;
  SLUICE_ASSIGN_OR_RETURN(tz::Zone zone, tz::Zone::Locate(timezone));
  schedule.zone_ = std::make_shared<const tz::Zone>(zone);
  schedule.timezone_ = std::string(timezone);
  std::string_view text = Trim(expression);
  if (text.empty() || EqualsIgnoringCase(text, "none")) return schedule;
  schedule.expression_ = std::string(text);
  std::string_view cron_text = text;
  if (text.front() == '@') {
    auto preset = std::find_if(std::begin(kPresets), std::end(kPresets),
                               [&](const Preset& p) { return EqualsIgnoringCase(p.name, text); });
    if (preset == std::end(kPresets)) {
      return Error::InvalidArgument("unknown schedule preset '{}'; known presets: {}", text,
                                    KnownPresets());
    }
    if (preset->cron.empty()) {
      schedule.kind_ = Kind::kOnce;
      return schedule;
    }
    cron_text = preset->cron;
  }
  SLUICE_ASSIGN_OR_RETURN(cron::CronFields fields, cron::ParseCronFields(cron_text));
  schedule.kind_ = Kind::kCron;
  schedule.fields_ = std::make_shared<const cron::CronFields>(fields);
  return schedule;
}

std::optional<TimePoint> Schedule::NextAfter(TimePoint t) const {
  if (kind_ != Kind::kCron || t >= TimePoint(tz::kMaxTime)) return std::nullopt;
  const TimePoint after = std::max(t, TimePoint(tz::kMinTime - seconds(1)));
  const TimePoint horizon = std::min(after + kSearchHorizon, TimePoint(tz::kMaxTime));
  return SearchForward(after, horizon);
}

// Walks the zone's periods of constant UTC offset from `after`, looking for
// the first matching wall-clock minute in each; the DST rules of schedule.h
// decide what happens where one period meets the next.
std::optional<TimePoint> Schedule::SearchForward(TimePoint after, TimePoint horizon) const {
  const SysSeconds after_s = date::floor<seconds>(after);
  const SysSeconds horizon_s = date::floor<seconds>(horizon);
  const bool hours_named = !fields_->hour_star;
  date::sys_info period = zone_->Period(after_s);
  while (period.begin < horizon_s) {
    const SysSeconds period_end = std::min(period.end, horizon_s);
    std::optional<seconds> previous_offset;
    if (period.begin > tz::kMinTime)
      previous_offset = zone_->Period(period.begin - seconds(1)).offset;
    const bool after_gap = previous_offset && *previous_offset < period.offset;
    const bool after_repeat = previous_offset && *previous_offset > period.offset;
    if (hours_named && after_gap && period.begin > after_s &&
        fields_->FirstMatch(tz::ToLocal(period.begin, *previous_offset),
                            tz::ToLocal(period.begin, period.offset))) {
      return ToTimePoint(period.begin);
    }
    tz::LocalSeconds from =
        tz::ToLocal(std::max(after_s + seconds(1), period.begin), period.offset);
    if (hours_named && after_repeat) {
      from = std::max(from, tz::ToLocal(period.begin, *previous_offset));
    }
    if (auto match = fields_->FirstMatch(from, tz::ToLocal(period_end, period.offset))) {
      return ToTimePoint(SysSeconds{match->time_since_epoch() - period.offset});
    }
    if (period.end >= horizon_s) break;
    period = zone_->Period(period.end);
  }
  return std::nullopt;
}

// Searches windows that double in length back from `t`: the fire times are
// exactly those NextAfter gives, so both directions always agree.
std::optional<TimePoint> Schedule::PreviousAtOrBefore(TimePoint t) const {
  if (kind_ != Kind::kCron || t < TimePoint(tz::kMinTime)) return std::nullopt;
  const SysSeconds end = date::floor<seconds>(std::min(t, TimePoint(tz::kMaxTime - seconds(1))));
  const TimePoint horizon = TimePoint(end + seconds(1));
  for (seconds window(60);; window *= 2) {
    const bool whole_range = end - window <= tz::kMinTime;
    TimePoint cursor = whole_range ? TimePoint(tz::kMinTime - seconds(1)) : TimePoint(end - window);
    std::optional<TimePoint> last;
    while (auto fire = SearchForward(cursor, horizon)) {
      last = fire;
      cursor = *fire;
    }
    if (last || whole_range) return last;
  }
}

namespace {

std::optional<DataInterval> NextIntervalFrom(const Schedule& schedule,
                                             std::optional<TimePoint> last_interval_end,
                                             TimePoint earliest_start) {
  std::optional<TimePoint> start = earliest_start;
  if (last_interval_end) {
    if (auto aligned_end = schedule.PreviousAtOrBefore(*last_interval_end)) {
      start = std::max(*aligned_end, earliest_start);
    }
  }
  std::optional<TimePoint> end = schedule.NextAfter(*start);
  if (!end) return std::nullopt;
  return DataInterval{*start, *end};
}

// The first fire time at or after `t`.
std::optional<TimePoint> AlignToNext(const Schedule& schedule, TimePoint t) {
  return schedule.NextAfter(t - TimePoint::duration(1));
}

}  // namespace

std::optional<DataInterval> NextInterval(const Schedule& schedule,
                                         std::optional<TimePoint> last_interval_end,
                                         TimePoint start_date) {
  if (schedule.is_none()) return std::nullopt;
  if (schedule.is_once()) {
    if (last_interval_end) return std::nullopt;
    return DataInterval{start_date, start_date};
  }
  std::optional<TimePoint> earliest = AlignToNext(schedule, start_date);
  if (!earliest) return std::nullopt;
  return NextIntervalFrom(schedule, last_interval_end, *earliest);
}

std::optional<DataInterval> LatestCompleteInterval(const Schedule& schedule, TimePoint now) {
  std::optional<TimePoint> end = schedule.PreviousAtOrBefore(now);
  if (!end) return std::nullopt;
  std::optional<TimePoint> start = schedule.PreviousAtOrBefore(*end - TimePoint::duration(1));
  if (!start) return std::nullopt;
  return DataInterval{*start, *end};
}

std::optional<DataInterval> NextIntervalWithoutCatchup(const Schedule& schedule,
                                                       std::optional<TimePoint> last_interval_end,
                                                       TimePoint start_date, TimePoint now) {
  if (schedule.kind() != Schedule::Kind::kCron) {
    return NextInterval(schedule, last_interval_end, start_date);
  }
  std::optional<TimePoint> earliest = AlignToNext(schedule, start_date);
  if (!earliest) return std::nullopt;
  if (auto latest = LatestCompleteInterval(schedule, now)) {
    earliest = std::max(*earliest, latest->start);
  }
  return NextIntervalFrom(schedule, last_interval_end, *earliest);
}

}  // namespace sluice
