#include <gtest/gtest.h>

#include "core/schedule.h"

namespace sluice {
namespace {

TEST(IsoTime, ParsesDatesAndDateTimes) {
  struct Case {
    const char* text;
    const char* timezone;
    const char* want;
  } cases[] = {
      {"2025-03-15", "UTC", "2025-03-15T00:00:00+00:00"},
      {"2025-03-15", "Europe/Berlin", "2025-03-14T23:00:00+00:00"},
      {"2025-03-15T10:30", "UTC", "2025-03-15T10:30:00+00:00"},
      {"2025-03-15t10:30:05", "UTC", "2025-03-15T10:30:05+00:00"},
      {"2025-03-15 10:30:00.250", "UTC", "2025-03-15T10:30:00.250000+00:00"},
      {"2025-03-15T10:30:00,5Z", "UTC", "2025-03-15T10:30:00.500000+00:00"},
      {"2025-03-15T10:30:00Z", "Europe/Berlin", "2025-03-15T10:30:00+00:00"},
      {"2025-03-15T10:30:00z", "UTC", "2025-03-15T10:30:00+00:00"},
      {"2025-03-15T10:30:00+01:00", "UTC", "2025-03-15T09:30:00+00:00"},
      {"2025-03-15T10:30:00+0100", "UTC", "2025-03-15T09:30:00+00:00"},
      {"2025-03-15T10:30+01", "UTC", "2025-03-15T09:30:00+00:00"},
      {"2025-03-15T10:30:00-05:00", "UTC", "2025-03-15T15:30:00+00:00"},
      {"2025-03-15T10:30:00+05:30", "UTC", "2025-03-15T05:00:00+00:00"},
      {"2024-07-01T12:00:00", "America/New_York", "2024-07-01T16:00:00+00:00"},
      {"2024-03-31T02:30:00", "Europe/Berlin", "2024-03-31T01:00:00+00:00"},  // skipped
      {"2024-10-27T02:30:00", "Europe/Berlin", "2024-10-27T00:30:00+00:00"},  // repeated
      {"2024-02-29", "UTC", "2024-02-29T00:00:00+00:00"},
      {"1900-01-01", "UTC", "1900-01-01T00:00:00+00:00"},
      {"2199-12-31T23:59:59", "UTC", "2199-12-31T23:59:59+00:00"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<TimePoint> time = ParseIsoTime(c.text, c.timezone);
    ASSERT_TRUE(time) << time.error().message();
    EXPECT_EQ(FormatIsoTime(*time), c.want);
  }
}

TEST(IsoTime, RejectsWhatIsNotIso8601) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"", "'' is not an ISO 8601 date or date-time"},
      {"2025-3-15", "'2025-3-15' is not an ISO 8601 date or date-time"},
      {"15/03/2025", "'15/03/2025' is not an ISO 8601 date or date-time"},
      {"2025-03-15Z", "'2025-03-15Z' is not an ISO 8601 date or date-time"},
      {"2025-03-15T10", "'2025-03-15T10' is not an ISO 8601 date or date-time"},
      {"2025-03-15T10:30:00x", "'2025-03-15T10:30:00x' is not an ISO 8601 date or date-time"},
      {"2025-03-15T10:30:00.", "'2025-03-15T10:30:00.' is not an ISO 8601 date or date-time"},
      {"2025-03-15T10:00+25:00", "'2025-03-15T10:00+25:00' is not an ISO 8601 date or date-time"},
      {"2025-03-15T10:00+01:0", "'2025-03-15T10:00+01:0' is not an ISO 8601 date or date-time"},
      {"2025-02-30", "'2025-02-30' is not a valid date: 2025-02 has no day 30"},
      {"2025-13-01", "'2025-13-01' is not a valid date: month 13 is out of range 1-12"},
      {"2025-03-15T25:00", "'2025-03-15T25:00' is not a valid time of day: 25:00:00"},
      {"2025-03-15T10:61", "'2025-03-15T10:61' is not a valid time of day: 10:61:00"},
      {"2025-03-15T23:59:60", "'2025-03-15T23:59:60' is not a valid time of day: 23:59:60"},
      {"1899-12-31", "'1899-12-31': year 1899 is outside the supported range 1900-2199"},
      {"2200-01-01", "'2200-01-01': year 2200 is outside the supported range 1900-2199"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    Result<TimePoint> time = ParseIsoTime(c.text);
    ASSERT_FALSE(time);
    EXPECT_EQ(time.error().code(), Code::kInvalidArgument);
    EXPECT_TRUE(time.error().message().starts_with(c.want)) << time.error().message();
  }
  Result<TimePoint> bad_zone = ParseIsoTime("2025-03-15", "Nowhere/Town");
  ASSERT_FALSE(bad_zone);
  EXPECT_TRUE(bad_zone.error().message().starts_with("unknown time zone 'Nowhere/Town'"));
}

TEST(IsoTime, Formats) {
  TimePoint epoch{};
  EXPECT_EQ(FormatIsoTime(epoch), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatDate(epoch), "1970-01-01");
  TimePoint before_epoch = epoch - std::chrono::milliseconds(1500);
  EXPECT_EQ(FormatIsoTime(before_epoch), "1969-12-31T23:59:58.500000+00:00");
  EXPECT_EQ(FormatDate(before_epoch), "1969-12-31");
  Result<TimePoint> time = ParseIsoTime("2025-03-15T23:30:00-02:00");
  ASSERT_TRUE(time);
  EXPECT_EQ(FormatDate(*time), "2025-03-16");
}

}  // namespace
}  // namespace sluice
