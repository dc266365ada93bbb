#include <date/date.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "source/source.h"

namespace sluice::source {

RetryPolicy RetryPolicy::FromSource(const SourceSpec& source) {
  return RetryPolicy{.max_attempts = std::max(1, source.max_attempts),
                     .backoff_initial = source.backoff_initial,
                     .backoff_max = source.backoff_max};
}

// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
// clients that failed together do not retry together.
std::chrono::milliseconds RetryPolicy::Backoff(int failed_attempts, std::mt19937_64& random) const {
  int64_t ceiling = std::max<int64_t>(0, backoff_initial.count());
  for (int i = 1; i < failed_attempts && ceiling < backoff_max.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, backoff_max.count());
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<int64_t> uniform(0, ceiling);
  return std::chrono::milliseconds(uniform(random));
}

bool IsRetryableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

// RFC 9110 section 10.2.3: delay-seconds or an HTTP-date (IMF-fixdate).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, TimePoint now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::milliseconds(std::min<int64_t>(seconds, int64_t{1} << 40) * 1000);
  }
  std::istringstream in{std::string(value)};
  date::sys_seconds when;
  in >> date::parse("%a, %d %b %Y %H:%M:%S GMT", when);
  if (in.fail()) return std::nullopt;
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
  return std::max(delay, std::chrono::milliseconds(0));
}

}  // namespace sluice::source
