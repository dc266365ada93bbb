#include "core/clock.h"

#include <thread>

namespace sluice {

void SystemClock::SleepFor(std::chrono::nanoseconds duration) {
  std::this_thread::sleep_for(duration);
}

TimePoint ManualClock::Now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

std::chrono::steady_clock::time_point ManualClock::SteadyNow() const {
  std::lock_guard lock(mutex_);
  return std::chrono::steady_clock::time_point(elapsed_);
}

void ManualClock::Advance(std::chrono::nanoseconds duration) {
  std::lock_guard lock(mutex_);
  now_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(duration);
  elapsed_ += duration;
}

void ManualClock::Set(TimePoint now) {
  std::lock_guard lock(mutex_);
  now_ = now;
}

}  // namespace sluice
