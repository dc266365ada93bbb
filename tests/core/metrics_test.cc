#include "core/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Metrics, CounterRendersHelpTypeAndLabels) {
  MetricsRegistry registry;
  registry.GetCounter("sluice_test_total", "Things counted.", {{"state", "success"}}).Increment(3);
  registry.GetCounter("sluice_test_total", "ignored", {{"state", "failed"}}).Increment();
  std::string text = RenderMetricsText({&registry});
  EXPECT_THAT(text, HasSubstr("# HELP sluice_test_total Things counted.\n"
                              "# TYPE sluice_test_total counter\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_total{state=\"success\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_total{state=\"failed\"} 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("ignored")));
}

TEST(Metrics, LabelValuesAreEscaped) {
  MetricsRegistry registry;
  registry.GetGauge("sluice_test", "Escapes.", {{"dag_id", "a\"b\\c\nd"}}).Set(1.5);
  EXPECT_THAT(RenderMetricsText({&registry}),
              HasSubstr("sluice_test{dag_id=\"a\\\"b\\\\c\\nd\"} 1.5\n"));
}

TEST(Metrics, HelpIsEscaped) {
  MetricsRegistry registry;
  registry.GetGauge("sluice_test", "back\\slash\nnew line").Set(0);
  EXPECT_THAT(RenderMetricsText({&registry}),
              HasSubstr("# HELP sluice_test back\\\\slash\\nnew line\n"));
}

TEST(Metrics, HistogramHasCumulativeBucketsInfSumAndCount) {
  MetricsRegistry registry;
  Histogram histogram =
      registry.GetHistogram("sluice_test_seconds", "Durations.", {0.5, 1, 5}, {{"task", "t"}});
  for (double value : {0.2, 0.7, 0.9, 7.0}) histogram.Observe(value);
  std::string text = RenderMetricsText({&registry});
  EXPECT_THAT(text, HasSubstr("# TYPE sluice_test_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_count{task=\"t\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_sum{task=\"t\"} 8.8"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_bucket{task=\"t\",le=\"0.5\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_bucket{task=\"t\",le=\"1\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_bucket{task=\"t\",le=\"5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("sluice_test_seconds_bucket{task=\"t\",le=\"+Inf\"} 4\n"));
  EXPECT_EQ(histogram.Count(), 4u);
  EXPECT_DOUBLE_EQ(histogram.Sum(), 8.8);
}

TEST(Metrics, HandlesOfOneSeriesShareTheirValue) {
  MetricsRegistry registry;
  Counter first = registry.GetCounter("sluice_test_total", "h", {{"a", "1"}});
  Counter again = registry.GetCounter("sluice_test_total", "h", {{"a", "1"}});
  first.Increment(2);
  again.Increment(-5);  // ignored: counters only go up
  EXPECT_DOUBLE_EQ(again.Value(), 2);
  Gauge gauge = registry.GetGauge("sluice_level", "h");
  gauge.Set(5);
  gauge.Decrement(2);
  gauge.Increment();
  EXPECT_DOUBLE_EQ(gauge.Value(), 4);
}

TEST(Metrics, FamiliesOfSeveralRegistriesRenderSortedByName) {
  MetricsRegistry first, second;
  first.GetGauge("sluice_zeta", "z").Set(1);
  second.GetGauge("sluice_alpha", "a").Set(2);
  std::string text = RenderMetricsText({&first, &second});
  EXPECT_LT(text.find("sluice_alpha"), text.find("sluice_zeta"));
}

TEST(Metrics, ConcurrentIncrementsAreAllCounted) {
  MetricsRegistry registry;
  constexpr int kThreads = 4, kEach = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < kEach; ++i) {
        registry.GetCounter("sluice_test_total", "h", {{"thread", std::to_string(t % 2)}})
            .Increment();
        registry.GetHistogram("sluice_test_seconds", "h", LatencyBuckets()).Observe(0.01);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double total = registry.GetCounter("sluice_test_total", "h", {{"thread", "0"}}).Value() +
                 registry.GetCounter("sluice_test_total", "h", {{"thread", "1"}}).Value();
  EXPECT_DOUBLE_EQ(total, kThreads * kEach);
  EXPECT_EQ(registry.GetHistogram("sluice_test_seconds", "h", LatencyBuckets()).Count(),
            static_cast<uint64_t>(kThreads * kEach));
}

TEST(MetricsDeathTest, ANameReusedForAnotherTypeAborts) {
  MetricsRegistry registry;
  registry.GetCounter("sluice_test_total", "h");
  EXPECT_DEATH(registry.GetGauge("sluice_test_total", "h"), "another type");
}

TEST(MetricsDeathTest, AnInvalidLabelNameAborts) {
  MetricsRegistry registry;
  EXPECT_DEATH(registry.GetGauge("sluice_test", "h", {{"bad-label", "x"}}), "sluice_test");
}

TEST(Metrics, ProcessMetricsReadProc) {
  MetricsRegistry registry;
  CollectProcessMetrics(registry);
  std::string text = RenderMetricsText({&registry});
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_resident_memory_bytes gauge\n"));
  double resident = registry.GetGauge("process_resident_memory_bytes", "").Value();
  EXPECT_GT(resident, 1 << 20);  // a test binary holds more than 1 MiB
  EXPECT_GT(registry.GetGauge("process_start_time_seconds", "").Value(), 1.6e9);
  EXPECT_GE(registry.GetGauge("process_open_fds", "").Value(), 3);
}

TEST(Metrics, ProcessRegistryIsOne) { EXPECT_EQ(&ProcessMetrics(), &ProcessMetrics()); }

}  // namespace
}  // namespace sluice
