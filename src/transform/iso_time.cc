#include "transform/iso_time.h"

#include <fmt/format.h>

#include <chrono>

namespace sluice::transform {
namespace {

struct DateTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int micros = 0;
  int offset_minutes = 0;  // east of UTC
};

// Reads exactly `digits` decimal digits at text[i].
bool ReadFixed(std::string_view text, size_t& i, int digits, int& value) {
  if (i + digits > text.size()) return false;
  value = 0;
  for (int d = 0; d < digits; ++d) {
    const char c = text[i + d];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  i += digits;
  return true;
}

bool Expect(std::string_view text, size_t& i, char c) {
  if (i >= text.size() || text[i] != c) return false;
  ++i;
  return true;
}

bool ParseDate(std::string_view text, size_t& i, DateTime& t) {
  if (!ReadFixed(text, i, 4, t.year) || !Expect(text, i, '-') || !ReadFixed(text, i, 2, t.month) ||
      !Expect(text, i, '-') || !ReadFixed(text, i, 2, t.day)) {
    return false;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{t.year},
                                        std::chrono::month{static_cast<unsigned>(t.month)},
                                        std::chrono::day{static_cast<unsigned>(t.day)}};
  return t.year >= 1 && ymd.ok();
}

// ":SS" and a fraction, both optional; the fraction is cut to microseconds.
bool ParseSeconds(std::string_view text, size_t& i, DateTime& t) {
  if (i >= text.size() || text[i] != ':') return true;
  ++i;
  if (!ReadFixed(text, i, 2, t.second) || t.second > 59) return false;
  if (i >= text.size() || (text[i] != '.' && text[i] != ',')) return true;
  ++i;
  const size_t start = i;
  int scale = 100000;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    t.micros += (text[i] - '0') * scale;
    scale /= 10;
    ++i;
  }
  return i > start;
}

bool ParseOffset(std::string_view text, size_t& i, DateTime& t) {
  if (i == text.size()) return true;
  if (text[i] == 'Z' || text[i] == 'z') return ++i == text.size();
  if (text[i] != '+' && text[i] != '-') return false;
  const int sign = text[i] == '-' ? -1 : 1;
  ++i;
  int hours = 0, minutes = 0;
  if (!ReadFixed(text, i, 2, hours) || hours > 23) return false;
  if (i < text.size()) {
    if (text[i] == ':') ++i;
    if (!ReadFixed(text, i, 2, minutes) || minutes > 59) return false;
  }
  t.offset_minutes = sign * (hours * 60 + minutes);
  return i == text.size();
}

bool ParseIsoDateTime(std::string_view text, DateTime& t) {
  size_t i = 0;
  if (!ParseDate(text, i, t)) return false;
  if (i == text.size()) return true;
  if (text[i] != 'T' && text[i] != 't' && text[i] != ' ') return false;
  ++i;
  if (!ReadFixed(text, i, 2, t.hour) || t.hour > 23 || !Expect(text, i, ':') ||
      !ReadFixed(text, i, 2, t.minute) || t.minute > 59) {
    return false;
  }
  return ParseSeconds(text, i, t) && ParseOffset(text, i, t);
}

}  // namespace

bool AppendIsoTimestampUtc(std::string_view text, std::string& out) {
  DateTime t;
  if (!ParseIsoDateTime(text, t)) return false;
  using namespace std::chrono;
  const sys_days day{year{t.year} / month{static_cast<unsigned>(t.month)} /
                     std::chrono::day{static_cast<unsigned>(t.day)}};
  const sys_seconds local =
      day + hours{t.hour} + minutes{t.minute} + seconds{t.second} - minutes{t.offset_minutes};
  const sys_days utc_day = floor<days>(local);
  const year_month_day ymd{utc_day};
  const hh_mm_ss<seconds> clock{local - utc_day};
  const int utc_year = static_cast<int>(ymd.year());
  // An offset can move 0001-01-01 before year 1 or 9999-12-31 past 9999.
  if (utc_year < 1 || utc_year > 9999) return false;
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", utc_year,
                 static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                 clock.hours().count(), clock.minutes().count(), clock.seconds().count());
  if (t.micros != 0) fmt::format_to(std::back_inserter(out), ".{:06}", t.micros);
  out.append("+00");
  return true;
}

bool AppendIsoDate(std::string_view text, std::string& out) {
  DateTime t;
  if (!ParseIsoDateTime(text, t)) return false;
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}", t.year, t.month, t.day);
  return true;
}

}  // namespace sluice::transform
