// Time, behind one door. Scheduler, retries, heartbeats and timeouts take a
// Clock&, so tests drive a ManualClock across a DST change in microseconds.
#pragma once

#include <chrono>
#include <mutex>

namespace sluice {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Monotonic time for measuring durations and deadlines.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::now();
  }
  void SleepFor(std::chrono::nanoseconds duration) override;
};

// Time moves only when told to; SleepFor advances it. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
  void SleepFor(std::chrono::nanoseconds duration) override { Advance(duration); }
  void Advance(std::chrono::nanoseconds duration);
  void Set(TimePoint now);

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
  std::chrono::nanoseconds elapsed_{0};
};

}  // namespace sluice
