#include <gtest/gtest.h>

#include "source/source.h"

namespace sluice::source {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicy, BackoffIsFullJitterUnderADoublingCappedCeiling) {
  RetryPolicy policy{
      .max_attempts = 10, .backoff_initial = milliseconds(100), .backoff_max = milliseconds(1000)};
  std::mt19937_64 random(42);
  struct Case {
    int failed;
    int64_t ceiling_ms;
  } cases[] = {{1, 100}, {2, 200}, {3, 400}, {4, 800}, {5, 1000}, {30, 1000}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.failed);
    milliseconds smallest = milliseconds::max(), largest{0};
    for (int i = 0; i < 2000; ++i) {
      milliseconds delay = policy.Backoff(c.failed, random);
      smallest = std::min(smallest, delay);
      largest = std::max(largest, delay);
    }
    EXPECT_GE(smallest.count(), 0);
    EXPECT_LE(largest.count(), c.ceiling_ms);
    EXPECT_LT(smallest.count(), c.ceiling_ms / 4);  // spread over the whole range
    EXPECT_GT(largest.count(), c.ceiling_ms * 3 / 4);
  }
}

TEST(RetryPolicy, FromSource) {
  SourceSpec source;
  source.max_attempts = 0;
  source.backoff_initial = milliseconds(5);
  source.backoff_max = milliseconds(50);
  RetryPolicy policy = RetryPolicy::FromSource(source);
  EXPECT_EQ(policy.max_attempts, 1);
  EXPECT_EQ(policy.backoff_initial, milliseconds(5));
  EXPECT_EQ(policy.backoff_max, milliseconds(50));
}

TEST(IsRetryableStatus, ServerErrorsAndTooManyRequests) {
  for (int status : {429, 500, 502, 503, 504, 599})
    EXPECT_TRUE(IsRetryableStatus(status)) << status;
  for (int status : {200, 301, 400, 401, 403, 404, 408, 410, 422}) {
    EXPECT_FALSE(IsRetryableStatus(status)) << status;
  }
}

TEST(ParseRetryAfter, SecondsOrHttpDate) {
  // 1994-11-06T08:49:37Z
  TimePoint now = TimePoint(std::chrono::seconds(784111777));
  struct Case {
    const char* value;
    std::optional<milliseconds> want;
  } cases[] = {
      {"5", milliseconds(5000)},
      {" 7 ", milliseconds(7000)},
      {"0", milliseconds(0)},
      {"-1", std::nullopt},
      {"1.5", std::nullopt},
      {"soon", std::nullopt},
      {"", std::nullopt},
      {"Sun, 06 Nov 1994 08:49:47 GMT", milliseconds(10000)},
      {"Sun, 06 Nov 1994 08:49:30 GMT", milliseconds(0)},  // in the past: now
      {"Sunday, 06-Nov-94 08:49:37 GMT", std::nullopt},    // obsolete RFC 850 form
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.want);
  }
}

}  // namespace
}  // namespace sluice::source
