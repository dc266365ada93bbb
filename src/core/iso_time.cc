// ISO 8601 parsing and formatting, declared in schedule.h.
#include <cctype>

#include "core/schedule.h"
#include "core/time_zone.h"

namespace sluice {
namespace {

constexpr std::string_view kIsoFormats =
    "expected YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.fff]] or either with Z or +hh:mm";

struct IsoFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::chrono::nanoseconds fraction{0};
  std::optional<std::chrono::minutes> offset;  // east of UTC
};

// A cursor over the text; each Read* returns false when the text does not fit.
class IsoReader {
 public:
  explicit IsoReader(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  bool Peek(std::string_view any_of) const {
    return !AtEnd() && any_of.find(text_[pos_]) != std::string_view::npos;
  }
  bool Eat(std::string_view any_of) {
    if (!Peek(any_of)) return false;
    ++pos_;
    return true;
  }
  bool ReadDigits(int count, int& out) {
    if (text_.size() - pos_ < static_cast<size_t>(count)) return false;
    int value = 0;
    for (int i = 0; i < count; ++i) {
      char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    out = value;
    return true;
  }
  bool ReadFraction(std::chrono::nanoseconds& out) {
    int64_t nanos = 0;
    int digits = 0;
    while (Peek("0123456789")) {
      if (digits < 9) nanos = nanos * 10 + (text_[pos_] - '0');
      ++digits;
      ++pos_;
    }
    for (int i = digits; i < 9; ++i) nanos *= 10;
    out = std::chrono::nanoseconds(nanos);
    return digits > 0;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

bool ReadOffset(IsoReader& reader, IsoFields& fields) {
  if (reader.Eat("Zz")) {
    fields.offset = std::chrono::minutes(0);
    return true;
  }
  bool negative = reader.Peek("-");
  if (!reader.Eat("+-")) return false;
  int hours = 0;
  int minutes = 0;
  if (!reader.ReadDigits(2, hours)) return false;
  if (!reader.AtEnd()) {
    reader.Eat(":");
    if (!reader.ReadDigits(2, minutes)) return false;
  }
  if (hours > 23 || minutes > 59) return false;
  fields.offset = std::chrono::minutes((negative ? -1 : 1) * (hours * 60 + minutes));
  return true;
}

// Fills `fields` from the text's shape; ranges are checked by the caller.
bool ReadIsoFields(std::string_view text, IsoFields& fields) {
  IsoReader reader(text);
  if (!reader.ReadDigits(4, fields.year) || !reader.Eat("-") ||
      !reader.ReadDigits(2, fields.month) || !reader.Eat("-") ||
      !reader.ReadDigits(2, fields.day)) {
    return false;
  }
  if (reader.AtEnd()) return true;
  if (!reader.Eat("Tt ") || !reader.ReadDigits(2, fields.hour) || !reader.Eat(":") ||
      !reader.ReadDigits(2, fields.minute)) {
    return false;
  }
  if (reader.Eat(":")) {
    if (!reader.ReadDigits(2, fields.second)) return false;
    if (reader.Eat(".,") && !reader.ReadFraction(fields.fraction)) return false;
  }
  if (reader.AtEnd()) return true;
  return ReadOffset(reader, fields) && reader.AtEnd();
}

}  // namespace

Result<TimePoint> ParseIsoTime(std::string_view text, std::string_view timezone) {
  IsoFields fields;
  if (!ReadIsoFields(text, fields)) {
    return Error::InvalidArgument("'{}' is not an ISO 8601 date or date-time: {}", text,
                                  kIsoFormats);
  }
  const date::year_month_day day{date::year{fields.year}, date::month(fields.month),
                                 date::day(fields.day)};
  if (fields.month < 1 || fields.month > 12) {
    return Error::InvalidArgument("'{}' is not a valid date: month {} is out of range 1-12", text,
                                  fields.month);
  }
  if (!day.ok()) {
    return Error::InvalidArgument("'{}' is not a valid date: {:04}-{:02} has no day {}", text,
                                  fields.year, fields.month, fields.day);
  }
  if (fields.year < 1900 || fields.year > 2199) {
    return Error::InvalidArgument("'{}': year {} is outside the supported range 1900-2199", text,
                                  fields.year);
  }
  if (fields.hour > 23 || fields.minute > 59 || fields.second > 59) {
    return Error::InvalidArgument("'{}' is not a valid time of day: {:02}:{:02}:{:02}", text,
                                  fields.hour, fields.minute, fields.second);
  }
  const auto time_of_day = std::chrono::hours(fields.hour) + std::chrono::minutes(fields.minute) +
                           std::chrono::seconds(fields.second);
  date::sys_seconds instant;
  if (fields.offset) {
    instant = date::sys_days(day) + time_of_day - *fields.offset;
  } else {
    SLUICE_ASSIGN_OR_RETURN(const tz::Zone zone, tz::Zone::Locate(timezone));
    instant = zone.LocalToSys(date::local_days(day) + time_of_day);
  }
  return TimePoint(instant) + fields.fraction;
}

std::string FormatIsoTime(TimePoint time) {
  const auto day = date::floor<date::days>(time);
  const date::year_month_day ymd(day);
  const date::hh_mm_ss<TimePoint::duration> clock(time - day);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(clock.subseconds()).count();
  std::string fraction = micros == 0 ? "" : fmt::format(".{:06}", micros);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}+00:00", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     fraction);
}

std::string FormatDate(TimePoint time) {
  const date::year_month_day ymd(date::floor<date::days>(time));
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

}  // namespace sluice
