#include <gtest/gtest.h>

#include "core/schedule.h"
#include "core/schedule_test_util.h"

namespace sluice {
namespace {

using testing::At;
using testing::Iso;
using testing::MustParse;

struct NextCase {
  const char* name;
  const char* expression;
  const char* timezone;
  const char* after;
  const char* want;
};

void CheckNext(const NextCase& c) {
  SCOPED_TRACE(c.name);
  Schedule schedule = MustParse(c.expression, c.timezone);
  EXPECT_EQ(Iso(schedule.NextAfter(At(c.after))), c.want);
}

TEST(CronSchedule, NextAfterInUtc) {
  const NextCase cases[] = {
      {"hourly", "0 * * * *", "UTC", "2024-03-10T01:30:00Z", "2024-03-10T02:00:00+00:00"},
      {"strictly after", "0 * * * *", "UTC", "2024-03-10T02:00:00Z", "2024-03-10T03:00:00+00:00"},
      {"fraction of a second past", "0 * * * *", "UTC", "2024-01-01T10:00:00.5Z",
       "2024-01-01T11:00:00+00:00"},
      {"every 15 minutes", "*/15 * * * *", "UTC", "2024-01-01T10:07:00Z",
       "2024-01-01T10:15:00+00:00"},
      {"every 15 minutes, next hour", "*/15 * * * *", "UTC", "2024-01-01T10:45:30Z",
       "2024-01-01T11:00:00+00:00"},
      {"every 30 minutes", "*/30 * * * *", "UTC", "2025-03-15T00:00:00Z",
       "2025-03-15T00:30:00+00:00"},
      {"range with step", "1-10/2 * * * *", "UTC", "2024-01-01T10:09:00Z",
       "2024-01-01T11:01:00+00:00"},
      {"start with step", "5/20 * * * *", "UTC", "2024-01-01T10:26:00Z",
       "2024-01-01T10:45:00+00:00"},
      {"list of hours", "0 8,12,18 * * *", "UTC", "2024-01-01T12:00:00Z",
       "2024-01-01T18:00:00+00:00"},
      {"weekday names skip the weekend", "0 9 * * MON-FRI", "UTC", "2024-03-15T09:00:00Z",
       "2024-03-18T09:00:00+00:00"},
      {"month names in lower case", "0 0 1 jan,jul *", "UTC", "2024-02-01T00:00:00Z",
       "2024-07-01T00:00:00+00:00"},
      {"7 is Sunday", "0 0 * * 7", "UTC", "2024-03-13T00:00:00Z", "2024-03-17T00:00:00+00:00"},
      {"0 is Sunday", "0 0 * * 0", "UTC", "2024-03-13T00:00:00Z", "2024-03-17T00:00:00+00:00"},
      {"Sunday by name", "0 0 * * sun", "UTC", "2024-03-13T00:00:00Z", "2024-03-17T00:00:00+00:00"},
      {"day 13 or Friday: the Friday", "0 0 13 * 5", "UTC", "2024-10-05T00:00:00Z",
       "2024-10-11T00:00:00+00:00"},
      {"day 13 or Friday: the 13th, a Sunday", "0 0 13 * 5", "UTC", "2024-10-11T00:00:00Z",
       "2024-10-13T00:00:00+00:00"},
      {"star day-of-month field: both must match", "0 0 */2 * 1", "UTC", "2024-03-01T00:00:00Z",
       "2024-03-11T00:00:00+00:00"},
      {"29 February waits for a leap year", "0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z",
       "2028-02-29T00:00:00+00:00"},
      {"last minute of the year", "59 23 31 12 *", "UTC", "2025-12-31T23:59:00Z",
       "2026-12-31T23:59:00+00:00"},
      {"@daily", "@daily", "UTC", "2025-03-15T00:00:00Z", "2025-03-16T00:00:00+00:00"},
      {"@hourly", "@hourly", "UTC", "2025-03-15T00:59:59Z", "2025-03-15T01:00:00+00:00"},
      {"@weekly is Sunday midnight", "@weekly", "UTC", "2025-03-15T12:00:00Z",
       "2025-03-16T00:00:00+00:00"},
      {"@monthly", "@monthly", "UTC", "2025-01-31T12:00:00Z", "2025-02-01T00:00:00+00:00"},
      {"@yearly", "@yearly", "UTC", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00"},
      {"@annually", "@ANNUALLY", "UTC", "2025-06-01T00:00:00Z", "2026-01-01T00:00:00+00:00"},
      {"half-hour zone", "0 0 * * *", "Asia/Kolkata", "2024-01-01T00:00:00Z",
       "2024-01-01T18:30:00+00:00"},
  };
  for (const NextCase& c : cases) CheckNext(c);
}

// Europe/Berlin: 2024-03-31 02:00 CET becomes 03:00 CEST (01:00 UTC);
// 2024-10-27 03:00 CEST becomes 02:00 CET (01:00 UTC).
TEST(CronSchedule, NextAfterAcrossDstInBerlin) {
  const NextCase cases[] = {
      {"06:00 on the day DST starts", "0 6 * * *", "Europe/Berlin", "2024-03-30T06:00:00Z",
       "2024-03-31T04:00:00+00:00"},
      {"02:30 does not exist: runs at 03:00 CEST", "30 2 * * *", "Europe/Berlin",
       "2024-03-30T12:00:00Z", "2024-03-31T01:00:00+00:00"},
      {"after the gap run, the next day's 02:30 CEST", "30 2 * * *", "Europe/Berlin",
       "2024-03-31T01:00:00Z", "2024-04-01T00:30:00+00:00"},
      {"skipped times of a named hour run once", "*/15 2 * * *", "Europe/Berlin",
       "2024-03-30T12:00:00Z", "2024-03-31T01:00:00+00:00"},
      {"skipped times of a named hour: no second run", "*/15 2 * * *", "Europe/Berlin",
       "2024-03-31T01:00:00Z", "2024-04-01T00:00:00+00:00"},
      {"hourly follows the clock over the gap", "0 * * * *", "Europe/Berlin",
       "2024-03-31T00:30:00Z", "2024-03-31T01:00:00+00:00"},
      {"star hour: the skipped 02:30 does not run", "30 * * * *", "Europe/Berlin",
       "2024-03-31T00:30:00Z", "2024-03-31T01:30:00+00:00"},
      {"every 15 minutes jumps the gap", "*/15 * * * *", "Europe/Berlin", "2024-03-31T00:45:00Z",
       "2024-03-31T01:00:00+00:00"},
      {"repeated 02:30: first occurrence (CEST)", "30 2 * * *", "Europe/Berlin",
       "2024-10-26T12:00:00Z", "2024-10-27T00:30:00+00:00"},
      {"repeated 02:30 runs once", "30 2 * * *", "Europe/Berlin", "2024-10-27T00:30:00Z",
       "2024-10-28T01:30:00+00:00"},
      {"named hour, after in the repeat: no run", "30 2 * * *", "Europe/Berlin",
       "2024-10-27T01:10:00Z", "2024-10-28T01:30:00+00:00"},
      {"star hour runs the repeated 02:30 again", "30 * * * *", "Europe/Berlin",
       "2024-10-27T00:30:00Z", "2024-10-27T01:30:00+00:00"},
      {"star hour after the repeat", "30 * * * *", "Europe/Berlin", "2024-10-27T01:30:00Z",
       "2024-10-27T02:30:00+00:00"},
      {"hourly: 02:00 CET after 02:00 CEST", "0 * * * *", "Europe/Berlin", "2024-10-27T00:00:00Z",
       "2024-10-27T01:00:00+00:00"},
  };
  for (const NextCase& c : cases) CheckNext(c);
}

// America/New_York: 2024-03-10 02:00 EST becomes 03:00 EDT (07:00 UTC);
// 2024-11-03 02:00 EDT becomes 01:00 EST (06:00 UTC).
TEST(CronSchedule, NextAfterAcrossDstInNewYork) {
  const NextCase cases[] = {
      {"02:30 does not exist: runs at 03:00 EDT", "30 2 * * *", "America/New_York",
       "2024-03-09T12:00:00Z", "2024-03-10T07:00:00+00:00"},
      {"09:00 keeps local time", "0 9 * * *", "America/New_York", "2024-03-09T14:00:00Z",
       "2024-03-10T13:00:00+00:00"},
      {"repeated 01:30: first occurrence (EDT)", "30 1 * * *", "America/New_York",
       "2024-11-02T12:00:00Z", "2024-11-03T05:30:00+00:00"},
      {"repeated 01:30 runs once", "30 1 * * *", "America/New_York", "2024-11-03T05:30:00Z",
       "2024-11-04T06:30:00+00:00"},
      {"every 30 minutes runs the repeated hour", "*/30 * * * *", "America/New_York",
       "2024-11-03T05:30:00Z", "2024-11-03T06:00:00+00:00"},
      {"midnight before the change", "0 0 * * *", "America/New_York", "2024-11-02T04:00:00Z",
       "2024-11-03T04:00:00+00:00"},
      {"midnight after the change", "0 0 * * *", "America/New_York", "2024-11-03T04:00:00Z",
       "2024-11-04T05:00:00+00:00"},
  };
  for (const NextCase& c : cases) CheckNext(c);
}

int CountFires(const Schedule& schedule, TimePoint from, TimePoint to) {
  int fires = 0;
  for (auto t = schedule.NextAfter(from); t && *t < to; t = schedule.NextAfter(*t)) ++fires;
  return fires;
}

TEST(CronSchedule, HourlyFollowsRealHoursOnDstDays) {
  Schedule hourly = MustParse("@hourly", "Europe/Berlin");
  // Local days, from midnight to midnight, including the first midnight.
  EXPECT_EQ(CountFires(hourly, At("2024-03-30T22:59:59Z"), At("2024-03-31T22:00:00Z")), 23);
  EXPECT_EQ(CountFires(hourly, At("2024-10-26T21:59:59Z"), At("2024-10-27T23:00:00Z")), 25);
  Schedule daily = MustParse("0 2 * * *", "Europe/Berlin");
  EXPECT_EQ(CountFires(daily, At("2024-03-01T00:00:00Z"), At("2024-11-01T00:00:00Z")), 245);
}

struct PreviousCase {
  const char* name;
  const char* expression;
  const char* timezone;
  const char* at;
  const char* want;
};

TEST(CronSchedule, PreviousAtOrBefore) {
  const PreviousCase cases[] = {
      {"on a fire time", "0 * * * *", "UTC", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+00:00"},
      {"between fire times", "0 * * * *", "UTC", "2024-01-01T10:30:00Z",
       "2024-01-01T10:00:00+00:00"},
      {"yearly", "@yearly", "UTC", "2025-06-01T00:00:00Z", "2025-01-01T00:00:00+00:00"},
      {"leap day years back", "0 0 29 2 *", "UTC", "2027-01-01T00:00:00Z",
       "2024-02-29T00:00:00+00:00"},
      {"repeated time: first occurrence", "30 2 * * *", "Europe/Berlin", "2024-10-28T00:00:00Z",
       "2024-10-27T00:30:00+00:00"},
      {"skipped time: end of the gap", "30 2 * * *", "Europe/Berlin", "2024-03-31T02:00:00Z",
       "2024-03-31T01:00:00+00:00"},
      {"before the first possible time", "0 0 1 1 *", "UTC", "1900-01-01T00:00:00Z",
       "1900-01-01T00:00:00+00:00"},
  };
  for (const PreviousCase& c : cases) {
    SCOPED_TRACE(c.name);
    Schedule schedule = MustParse(c.expression, c.timezone);
    EXPECT_EQ(Iso(schedule.PreviousAtOrBefore(At(c.at))), c.want);
  }
}

// NextAfter and PreviousAtOrBefore see the same fire times.
TEST(CronSchedule, PreviousAndNextAgree) {
  const char* expressions[] = {"*/30 * * * *", "30 2 * * *", "0 * * * *",   "0 0 13 * 5",
                               "15 1 * * 1-5", "@monthly",   "*/15 2 * * *"};
  const char* zones[] = {"UTC", "Europe/Berlin", "America/New_York"};
  for (const char* expression : expressions) {
    for (const char* zone : zones) {
      SCOPED_TRACE(std::string(expression) + " in " + zone);
      Schedule schedule = MustParse(expression, zone);
      for (TimePoint t = At("2024-10-26T20:17:00Z"); t < At("2024-10-27T05:00:00Z");
           t += std::chrono::minutes(23)) {
        std::optional<TimePoint> previous = schedule.PreviousAtOrBefore(t);
        std::optional<TimePoint> next = schedule.NextAfter(t);
        ASSERT_TRUE(previous && next);
        EXPECT_LE(*previous, t);
        EXPECT_GT(*next, t);
        EXPECT_EQ(schedule.NextAfter(*previous), next);
        EXPECT_EQ(schedule.PreviousAtOrBefore(*next), next);
      }
    }
  }
}

// UTC is answered without the zone database; Etc/GMT, the same rules, comes
// from it. Both must fire at the same instants, up to the ends of the range.
TEST(CronSchedule, UtcWithoutTheDatabaseAgreesWithItsEtcGmt) {
  const char* expressions[] = {"*/7 * * * *", "30 2 * * *", "0 0 29 2 *", "@yearly",
                               "59 23 31 12 *"};
  const TimePoint starts[] = {TimePoint::min(), At("1900-01-01T00:00:00Z"),
                              At("2024-02-28T23:59:00Z"), At("2198-12-31T23:00:00Z"),
                              TimePoint::max()};
  for (const char* expression : expressions) {
    SCOPED_TRACE(expression);
    Schedule utc = MustParse(expression, "UTC");
    Schedule gmt = MustParse(expression, "Etc/GMT");
    for (TimePoint start : starts) {
      EXPECT_EQ(utc.NextAfter(start), gmt.NextAfter(start));
      EXPECT_EQ(utc.PreviousAtOrBefore(start), gmt.PreviousAtOrBefore(start));
    }
    for (TimePoint t = At("2024-12-31T20:00:00Z"); t < At("2025-01-01T04:00:00Z");
         t += std::chrono::minutes(37)) {
      EXPECT_EQ(utc.NextAfter(t), gmt.NextAfter(t));
      EXPECT_EQ(utc.PreviousAtOrBefore(t), gmt.PreviousAtOrBefore(t));
    }
  }
  EXPECT_EQ(ParseIsoTime("2025-03-30T02:30:00", "UTC").value(),
            ParseIsoTime("2025-03-30T02:30:00", "Etc/GMT").value());
  EXPECT_EQ(Iso(ParseIsoTime("2025-03-30T02:30:00", "Etc/UTC").value()),
            "2025-03-30T02:30:00+00:00");
  EXPECT_FALSE(Schedule::Parse("@daily", "utc"));  // names are case-sensitive, as in the database
}

TEST(CronSchedule, NoneAndOnceNeverFire) {
  for (const char* expression : {"", "none", "NONE", "  ", "@once"}) {
    SCOPED_TRACE(expression);
    Schedule schedule = MustParse(expression, "UTC");
    EXPECT_EQ(schedule.NextAfter(At("2025-01-01T00:00:00Z")), std::nullopt);
    EXPECT_EQ(schedule.PreviousAtOrBefore(At("2025-01-01T00:00:00Z")), std::nullopt);
  }
  EXPECT_TRUE(MustParse("none", "UTC").is_none());
  EXPECT_EQ(MustParse("none", "UTC").expression(), "");
  EXPECT_TRUE(MustParse("@once", "UTC").is_once());
  EXPECT_EQ(MustParse(" @daily ", "Europe/Berlin").expression(), "@daily");
  EXPECT_EQ(MustParse("@daily", "Europe/Berlin").timezone(), "Europe/Berlin");
}

TEST(CronSchedule, EndsBeforeYear2200) {
  Schedule schedule = MustParse("@yearly", "UTC");
  EXPECT_EQ(Iso(schedule.NextAfter(At("2198-06-01T00:00:00Z"))), "2199-01-01T00:00:00+00:00");
  EXPECT_EQ(schedule.NextAfter(At("2199-06-01T00:00:00Z")), std::nullopt);
  EXPECT_EQ(schedule.NextAfter(TimePoint::max()), std::nullopt);
  EXPECT_EQ(Iso(schedule.NextAfter(TimePoint::min())), "1900-01-01T00:00:00+00:00");
  EXPECT_EQ(schedule.PreviousAtOrBefore(TimePoint::min()), std::nullopt);
  EXPECT_EQ(Iso(schedule.PreviousAtOrBefore(TimePoint::max())), "2199-01-01T00:00:00+00:00");
}

struct InvalidCase {
  const char* expression;
  const char* timezone;
  const char* want;  // the whole message
};

TEST(CronSchedule, InvalidExpressionsSayWhatIsWrong) {
  const InvalidCase cases[] = {
      {"* * * *", "UTC",
       "cron '* * * *': expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
      {"0 * * * * *", "UTC",
       "cron '0 * * * * *': expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
      {"60 * * * *", "UTC", "cron '60 * * * *': minute field '60': 60 is out of range 0-59"},
      {"* 24 * * *", "UTC", "cron '* 24 * * *': hour field '24': 24 is out of range 0-23"},
      {"* * 0 * *", "UTC", "cron '* * 0 * *': day-of-month field '0': 0 is out of range 1-31"},
      {"* * 32 * *", "UTC", "cron '* * 32 * *': day-of-month field '32': 32 is out of range 1-31"},
      {"* * * 13 *", "UTC", "cron '* * * 13 *': month field '13': 13 is out of range 1-12"},
      {"* * * * 8", "UTC", "cron '* * * * 8': day-of-week field '8': 8 is out of range 0-7"},
      {"1000 * * * *", "UTC",
       "cron '1000 * * * *': minute field '1000': 1000 is out of range 0-59"},
      {"*/0 * * * *", "UTC", "cron '*/0 * * * *': minute field '*/0': step must be at least 1"},
      {"*/61 * * * *", "UTC",
       "cron '*/61 * * * *': minute field '*/61': step 61 is larger than the range 0-59"},
      {"*/x * * * *", "UTC", "cron '*/x * * * *': minute field '*/x': step 'x' is not a number"},
      {"5-1 * * * *", "UTC",
       "cron '5-1 * * * *': minute field '5-1': range '5-1' goes backwards: write it as two "
       "ranges joined by ','"},
      {"0 0 * * SAT-SUN", "UTC",
       "cron '0 0 * * SAT-SUN': day-of-week field 'SAT-SUN': range 'SAT-SUN' goes backwards: "
       "write it as two ranges joined by ','"},
      {"1,,2 * * * *", "UTC", "cron '1,,2 * * * *': minute field '1,,2': empty list item"},
      {"1, * * * *", "UTC", "cron '1, * * * *': minute field '1,': empty list item"},
      {"1- * * * *", "UTC", "cron '1- * * * *': minute field '1-': missing value"},
      {"-1 * * * *", "UTC", "cron '-1 * * * *': minute field '-1': missing value"},
      {"a * * * *", "UTC", "cron 'a * * * *': minute field 'a': 'a' is not a number from 0 to 59"},
      {"* * * FOO *", "UTC",
       "cron '* * * FOO *': month field 'FOO': 'FOO' is not a number from 1 to 12 or a name "
       "(JAN-DEC)"},
      {"* * * * MON-FRIDAY", "UTC",
       "cron '* * * * MON-FRIDAY': day-of-week field 'MON-FRIDAY': 'FRIDAY' is not a number from "
       "0 to 7 or a name (SUN-SAT)"},
      {"* * ? * *", "UTC",
       "cron '* * ? * *': day-of-month field '?': '?' is not supported: use numbers, names, '*', "
       "',', '-' and '/'"},
      {"0 0 L * *", "UTC",
       "cron '0 0 L * *': day-of-month field 'L': 'L' is not supported: use numbers, names, '*', "
       "',', '-' and '/'"},
      {"0 0 * * 5#3", "UTC",
       "cron '0 0 * * 5#3': day-of-week field '5#3': '5#3' is not supported: use numbers, names, "
       "'*', ',', '-' and '/'"},
      {"0 0 30 2 *", "UTC",
       "cron '0 0 30 2 *': never fires: no month in the month field has any of the days in the "
       "day-of-month field"},
      {"0 0 31 4,6,9,11 *", "UTC",
       "cron '0 0 31 4,6,9,11 *': never fires: no month in the month field has any of the days "
       "in the day-of-month field"},
      {"@fortnightly", "UTC",
       "unknown schedule preset '@fortnightly'; known presets: @once, @hourly, @daily, @weekly, "
       "@monthly, @yearly, @annually"},
      {"@daily", "Mars/Olympus_Mons",
       "unknown time zone 'Mars/Olympus_Mons': use an IANA name like UTC, Europe/Berlin or "
       "America/New_York (see /usr/share/zoneinfo)"},
      {"@daily", "", "time zone is empty: use an IANA name like UTC or Europe/Berlin"},
      {"none", "Europe/Berln",
       "unknown time zone 'Europe/Berln': use an IANA name like UTC, Europe/Berlin or "
       "America/New_York (see /usr/share/zoneinfo)"},
  };
  for (const InvalidCase& c : cases) {
    SCOPED_TRACE(c.expression);
    Result<Schedule> schedule = Schedule::Parse(c.expression, c.timezone);
    ASSERT_FALSE(schedule);
    EXPECT_EQ(schedule.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(schedule.error().message(), c.want);
  }
}

TEST(CronSchedule, ValidEdgeExpressions) {
  for (const char* expression :
       {"0-59 0-23 1-31 1-12 0-7", "*/1 * * * *", "0 0 29 2 *", "0 0 31 1-12 *", "0 0 30 * 1",
        "  0   0  *  *  *  ", "0 0 * * 5-7", "0 0 1 JAN-DEC SUN-SAT", "59 23 * * *"}) {
    SCOPED_TRACE(expression);
    EXPECT_TRUE(Schedule::Parse(expression, "UTC"));
  }
}

}  // namespace
}  // namespace sluice
