// Metrics in Prometheus's model: counters, gauges and histograms with fixed
// buckets, each a family of series told apart by labels, rendered in the text
// exposition format 0.0.4 for GET /metrics. prometheus-cpp keeps the values;
// this header keeps its types out of the rest of sluice.
//
// A process has one registry for what it counts as it works (ProcessMetrics(),
// as it has one logger): the scheduler loop, the tries a worker runs, the
// requests the server answers. Values read at scrape time (runs by state,
// memory) go into a fresh MetricsRegistry built for that scrape and rendered
// beside it.
//
// Names follow Prometheus's conventions: snake_case with a unit suffix
// (_seconds, _bytes) and _total for counters. A label value may be any text
// (escaped when rendered); never put a secret in one.
//
// Thread-safety: everything here is thread-safe. Looking a series up by its
// labels takes the family's lock; keep the returned handle (valid for the
// registry's life) where a series is updated often: Increment and Set on it
// are lock-free, Observe takes only that series' lock.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace sluice {

using MetricLabels = std::map<std::string, std::string>;

// Handles to one series: cheap to copy, valid while their registry lives.
class Counter {
 public:
  // `by` must not be negative (ignored when it is): counters only go up.
  void Increment(double by = 1);
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Counter(prometheus::Counter* series) : series_(series) {}
  prometheus::Counter* series_;
};

class Gauge {
 public:
  void Set(double value);
  void Increment(double by = 1);
  void Decrement(double by = 1);
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Gauge(prometheus::Gauge* series) : series_(series) {}
  prometheus::Gauge* series_;
};

class Histogram {
 public:
  void Observe(double value);
  // The number of observations and their sum.
  uint64_t Count() const;
  double Sum() const;

 private:
  friend class MetricsRegistry;
  explicit Histogram(prometheus::Histogram* series) : series_(series) {}
  prometheus::Histogram* series_;
};

// Bucket upper bounds, increasing; +Inf is implicit.
using HistogramBuckets = std::vector<double>;
// 5 ms to 10 min: loops, store calls, requests.
const HistogramBuckets& LatencyBuckets();
// 0.1 s to 2 h: task tries.
const HistogramBuckets& TaskDurationBuckets();

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The series of family `name` with these labels, created (at zero) on first
  // use. The first call for a name fixes its help text (and buckets); a name
  // already used for another type, or a name or label name Prometheus does not
  // allow, is a bug and aborts.
  Counter GetCounter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge GetGauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram GetHistogram(std::string_view name, std::string_view help,
                         const HistogramBuckets& buckets, const MetricLabels& labels = {});

  struct Impl;  // private to metrics.cc

 private:
  std::unique_ptr<Impl> impl_;
  friend std::string RenderMetricsText(std::initializer_list<const MetricsRegistry*> registries);
};

// The registry of this process. Never destroyed, so threads may count while
// the process exits.
MetricsRegistry& ProcessMetrics();

// The families of every registry in the text exposition format 0.0.4 (# HELP
// and # TYPE lines, escaped label values, histograms as _bucket{le=...} with
// le="+Inf", _sum and _count), families sorted by name. A name in two
// registries is a bug (Prometheus refuses duplicate families) and aborts.
std::string RenderMetricsText(std::initializer_list<const MetricsRegistry*> registries);

// The Content-Type of that text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The standard process metrics of this process, read from /proc/self, set in
// `registry`: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds, process_threads. Missing files (not Linux)
// leave them out.
void CollectProcessMetrics(MetricsRegistry& registry);

}  // namespace sluice
