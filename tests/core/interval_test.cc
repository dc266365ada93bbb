#include <gtest/gtest.h>

#include "core/schedule.h"
#include "core/schedule_test_util.h"

namespace sluice {
namespace {

using testing::At;
using testing::Iso;
using testing::MustParse;

std::string Describe(const std::optional<DataInterval>& interval) {
  if (!interval) return "none";
  return Iso(interval->start) + " .. " + Iso(interval->end);
}

struct IntervalCase {
  const char* name;
  const char* expression;
  const char* timezone;
  const char* last_end;  // "" for the first run
  const char* start_date;
  const char* want;
};

TEST(DataIntervals, NextIntervalWithCatchup) {
  const IntervalCase cases[] = {
      {"first run on an aligned start_date", "*/30 * * * *", "UTC", "", "2025-03-15T00:00:00Z",
       "2025-03-15T00:00:00+00:00 .. 2025-03-15T00:30:00+00:00"},
      {"first run aligns start_date forward", "*/30 * * * *", "UTC", "", "2025-03-15T00:10:00Z",
       "2025-03-15T00:30:00+00:00 .. 2025-03-15T01:00:00+00:00"},
      {"continues from the last end", "*/30 * * * *", "UTC", "2025-03-15T00:30:00Z",
       "2025-03-15T00:00:00Z", "2025-03-15T00:30:00+00:00 .. 2025-03-15T01:00:00+00:00"},
      {"a last end off the schedule is aligned back", "*/30 * * * *", "UTC", "2025-03-15T00:40:00Z",
       "2025-03-15T00:00:00Z", "2025-03-15T00:30:00+00:00 .. 2025-03-15T01:00:00+00:00"},
      {"a later start_date wins over the last end", "@daily", "UTC", "2025-03-10T00:00:00Z",
       "2025-03-15T00:00:00Z", "2025-03-15T00:00:00+00:00 .. 2025-03-16T00:00:00+00:00"},
      {"daily in Berlin: local midnights", "@daily", "Europe/Berlin", "", "2025-03-14T23:00:00Z",
       "2025-03-14T23:00:00+00:00 .. 2025-03-15T23:00:00+00:00"},
      {"the day DST starts has 23 hours", "@daily", "Europe/Berlin", "2025-03-29T23:00:00Z",
       "2025-03-01T00:00:00Z", "2025-03-29T23:00:00+00:00 .. 2025-03-30T22:00:00+00:00"},
      {"the day DST ends has 25 hours", "@daily", "Europe/Berlin", "2025-10-25T22:00:00Z",
       "2025-03-01T00:00:00Z", "2025-10-25T22:00:00+00:00 .. 2025-10-26T23:00:00+00:00"},
      {"@once runs once at start_date", "@once", "UTC", "", "2025-03-15T08:00:00Z",
       "2025-03-15T08:00:00+00:00 .. 2025-03-15T08:00:00+00:00"},
      {"@once after its run", "@once", "UTC", "2025-03-15T08:00:00Z", "2025-03-15T08:00:00Z",
       "none"},
      {"none never runs", "none", "UTC", "", "2025-03-15T00:00:00Z", "none"},
  };
  for (const IntervalCase& c : cases) {
    SCOPED_TRACE(c.name);
    Schedule schedule = MustParse(c.expression, c.timezone);
    std::optional<TimePoint> last_end;
    if (*c.last_end) last_end = At(c.last_end);
    EXPECT_EQ(Describe(NextInterval(schedule, last_end, At(c.start_date))), c.want);
  }
}

TEST(DataIntervals, ConsecutiveIntervalsTouch) {
  Schedule schedule = MustParse("0 6 * * 1-5", "America/New_York");
  std::optional<DataInterval> interval = NextInterval(schedule, std::nullopt, At("2024-03-01"));
  ASSERT_TRUE(interval);
  for (int i = 0; i < 40; ++i) {
    std::optional<DataInterval> next = NextInterval(schedule, interval->end, At("2024-03-01"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->start, interval->end);
    EXPECT_LT(next->start, next->end);
    interval = next;
  }
  EXPECT_EQ(Describe(interval), "2024-04-26T10:00:00+00:00 .. 2024-04-29T10:00:00+00:00");
}

TEST(DataIntervals, LatestCompleteInterval) {
  Schedule hourly = MustParse("@hourly", "UTC");
  EXPECT_EQ(Describe(LatestCompleteInterval(hourly, At("2025-03-15T10:30:00Z"))),
            "2025-03-15T09:00:00+00:00 .. 2025-03-15T10:00:00+00:00");
  EXPECT_EQ(Describe(LatestCompleteInterval(hourly, At("2025-03-15T10:00:00Z"))),
            "2025-03-15T09:00:00+00:00 .. 2025-03-15T10:00:00+00:00");
  EXPECT_EQ(Describe(LatestCompleteInterval(MustParse("@once", "UTC"), At("2025-03-15"))), "none");
}

TEST(DataIntervals, WithoutCatchupSkipsToTheLatestCompleteInterval) {
  const IntervalCase cases[] = {
      {"first run", "@daily", "UTC", "", "2025-01-01",
       "2025-03-14T00:00:00+00:00 .. "
       "2025-03-15T00:00:00+00:00"},
      {"after a pause", "@daily", "UTC", "2025-03-10T00:00:00Z", "2025-01-01",
       "2025-03-14T00:00:00+00:00 .. 2025-03-15T00:00:00+00:00"},
      {"up to date: the next interval, not yet due", "@daily", "UTC", "2025-03-15T00:00:00Z",
       "2025-01-01", "2025-03-15T00:00:00+00:00 .. 2025-03-16T00:00:00+00:00"},
      {"start_date in the future", "@daily", "UTC", "", "2025-04-01",
       "2025-04-01T00:00:00+00:00 .. 2025-04-02T00:00:00+00:00"},
      {"@once is unaffected", "@once", "UTC", "", "2025-01-01",
       "2025-01-01T00:00:00+00:00 .. 2025-01-01T00:00:00+00:00"},
  };
  for (const IntervalCase& c : cases) {
    SCOPED_TRACE(c.name);
    Schedule schedule = MustParse(c.expression, c.timezone);
    std::optional<TimePoint> last_end;
    if (*c.last_end) last_end = At(c.last_end);
    EXPECT_EQ(Describe(NextIntervalWithoutCatchup(schedule, last_end, At(c.start_date),
                                                  At("2025-03-15T12:00:00Z"))),
              c.want);
  }
}

}  // namespace
}  // namespace sluice
