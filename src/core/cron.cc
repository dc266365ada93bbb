#include "core/cron.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sluice::cron {
namespace {

constexpr std::string_view kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::string_view kWeekdayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldRule {
  std::string_view name;
  int min;
  int max;
  std::span<const std::string_view> names;  // names[i] stands for min + i
};

constexpr FieldRule kMinuteRule{"minute", 0, 59, {}};
constexpr FieldRule kHourRule{"hour", 0, 23, {}};
constexpr FieldRule kDayOfMonthRule{"day-of-month", 1, 31, {}};
constexpr FieldRule kMonthRule{"month", 1, 12, kMonthNames};
// 0 and 7 are both Sunday; 7 folds onto 0 once the field is expanded.
constexpr FieldRule kDayOfWeekRule{"day-of-week", 0, 7, kWeekdayNames};

// The longest a month can be; February counts its leap day.
constexpr std::array<int, 13> kMaxDaysInMonth = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// "?", "L", "5L", "15W", "LW", "5#3": Quartz extensions, worth naming as such.
bool IsQuartzSyntax(std::string_view text) {
  if (text == "?" || text.find('#') != std::string_view::npos) return true;
  while (!text.empty() && (text.back() == 'L' || text.back() == 'W')) text.remove_suffix(1);
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         text.size() < 3;
}

// Parses one field; the bits set are the values it allows.
class FieldParser {
 public:
  FieldParser(std::string_view expression, const FieldRule& rule, std::string_view text)
      : expression_(expression), rule_(rule), text_(text) {}

  Result<uint64_t> Parse() const {
    uint64_t bits = 0;
    std::string_view rest = text_;
    while (true) {
      size_t comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      if (item.empty()) return Fail("empty list item");
      SLUICE_ASSIGN_OR_RETURN(uint64_t item_bits, ParseItem(item));
      bits |= item_bits;
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    return bits;
  }

 private:
  template <typename... Args>
  Error Fail(fmt::format_string<Args...> f, Args&&... args) const {
    return Error::InvalidArgument("cron '{}': {} field '{}': {}", expression_, rule_.name, text_,
                                  fmt::format(f, std::forward<Args>(args)...));
  }

  Result<uint64_t> ParseItem(std::string_view item) const {
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      SLUICE_ASSIGN_OR_RETURN(step, ParseStep(item.substr(slash + 1)));
      has_step = true;
      item = item.substr(0, slash);
    }
    int low = rule_.min;
    int high = rule_.max;
    if (item != "*") {
      size_t dash = item.find('-');
      SLUICE_ASSIGN_OR_RETURN(low, ParseValue(item.substr(0, dash)));
      if (dash != std::string_view::npos) {
        SLUICE_ASSIGN_OR_RETURN(high, ParseValue(item.substr(dash + 1)));
        if (low > high) {
          return Fail("range '{}' goes backwards: write it as two ranges joined by ','", item);
        }
      } else if (!has_step) {
        high = low;  // "N/step" runs from N to the field's maximum
      }
    }
    uint64_t bits = 0;
    for (int value = low; value <= high; value += step) bits |= uint64_t{1} << value;
    return bits;
  }

  Result<int> ParseStep(std::string_view text) const {
    if (text.empty() || text.size() > 3 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Fail("step '{}' is not a number", text);
    }
    int step = std::stoi(std::string(text));
    if (step < 1) return Fail("step must be at least 1");
    if (step > rule_.max) {
      return Fail("step {} is larger than the range {}-{}", step, rule_.min, rule_.max);
    }
    return step;
  }

  Result<int> ParseValue(std::string_view text) const {
    if (text.empty()) return Fail("missing value");
    bool all_digits =
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (all_digits) {
      int value = text.size() > 3 ? rule_.max + 1 : std::stoi(std::string(text));
      if (value < rule_.min || value > rule_.max) {
        return Fail("{} is out of range {}-{}", text, rule_.min, rule_.max);
      }
      return value;
    }
    for (size_t i = 0; i < rule_.names.size(); ++i) {
      std::string_view name = rule_.names[i];
      if (text.size() == name.size() &&
          std::equal(text.begin(), text.end(), name.begin(), [](char a, char b) {
            return std::toupper(static_cast<unsigned char>(a)) == b;
          })) {
        return rule_.min + static_cast<int>(i);
      }
    }
    if (IsQuartzSyntax(text)) {
      return Fail("'{}' is not supported: use numbers, names, '*', ',', '-' and '/'", text);
    }
    if (!rule_.names.empty()) {
      return Fail("'{}' is not a number from {} to {} or a name ({}-{})", text, rule_.min,
                  rule_.max, rule_.names.front(), rule_.names.back());
    }
    return Fail("'{}' is not a number from {} to {}", text, rule_.min, rule_.max);
  }

  std::string_view expression_;
  const FieldRule& rule_;
  std::string_view text_;
};

std::vector<std::string_view> SplitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    size_t end = pos;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    if (end > pos) fields.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return fields;
}

// With day-of-week unrestricted, only day-of-month picks days: some month in
// the month field must be long enough for one of them, or the job never runs.
Status CheckCanFire(std::string_view expression, const CronFields& fields) {
  if (fields.day_of_month_star || !fields.day_of_week_star) return OkStatus();
  for (int month = 1; month <= 12; ++month) {
    if (!fields.months[month]) continue;
    for (int day = 1; day <= kMaxDaysInMonth[month]; ++day) {
      if (fields.days_of_month[day]) return OkStatus();
    }
  }
  return Error::InvalidArgument(
      "cron '{}': never fires: no month in the month field has any of "
      "the days in the day-of-month field",
      expression);
}

}  // namespace

bool CronFields::MatchesDay(const date::year_month_day& day) const {
  if (!months[static_cast<unsigned>(day.month())]) return false;
  bool day_of_month_matches = days_of_month[static_cast<unsigned>(day.day())];
  bool day_of_week_matches = days_of_week[date::weekday(date::sys_days(day)).c_encoding()];
  if (day_of_month_star || day_of_week_star) return day_of_month_matches && day_of_week_matches;
  return day_of_month_matches || day_of_week_matches;
}

std::optional<LocalSeconds> CronFields::FirstMatch(LocalSeconds from, LocalSeconds to) const {
  const LocalSeconds start = date::ceil<std::chrono::minutes>(from);
  const date::local_days first_day = date::floor<date::days>(start);
  date::local_days day = first_day;
  while (day < to) {
    const date::year_month_day ymd(day);
    if (!months[static_cast<unsigned>(ymd.month())]) {
      day = date::local_days((ymd.year() / ymd.month() + date::months(1)) / 1);
      continue;
    }
    if (MatchesDay(ymd)) {
      for (int hour = 0; hour < 24; ++hour) {
        if (!hours[hour]) continue;
        const LocalSeconds hour_start = day + std::chrono::hours(hour);
        if (hour_start + std::chrono::hours(1) <= start) continue;
        for (int minute = 0; minute < 60; ++minute) {
          if (!minutes[minute]) continue;
          const LocalSeconds candidate = hour_start + std::chrono::minutes(minute);
          if (candidate < start) continue;
          if (candidate >= to) return std::nullopt;
          return candidate;
        }
      }
    }
    day += date::days(1);
  }
  return std::nullopt;
}

Result<CronFields> ParseCronFields(std::string_view expression) {
  std::vector<std::string_view> texts = SplitFields(expression);
  if (texts.size() != 5) {
    return Error::InvalidArgument(
        "cron '{}': expected 5 fields (minute hour day-of-month month day-of-week), got {}",
        expression, texts.size());
  }
  const FieldRule* rules[] = {&kMinuteRule, &kHourRule, &kDayOfMonthRule, &kMonthRule,
                              &kDayOfWeekRule};
  uint64_t bits[5] = {};
  for (int i = 0; i < 5; ++i) {
    SLUICE_ASSIGN_OR_RETURN(bits[i], FieldParser(expression, *rules[i], texts[i]).Parse());
  }
  CronFields fields;
  fields.minutes = std::bitset<60>(bits[0]);
  fields.hours = std::bitset<24>(bits[1]);
  fields.days_of_month = std::bitset<32>(bits[2]);
  fields.months = std::bitset<13>(bits[3]);
  uint64_t weekdays = bits[4];
  if (weekdays & (uint64_t{1} << 7)) weekdays |= 1;  // 7 is Sunday too
  fields.days_of_week = std::bitset<7>(weekdays & 0x7f);
  fields.hour_star = texts[1].front() == '*';
  fields.day_of_month_star = texts[2].front() == '*';
  fields.day_of_week_star = texts[4].front() == '*';
  SLUICE_TRY(CheckCanFire(expression, fields));
  return fields;
}

}  // namespace sluice::cron
