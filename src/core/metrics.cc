#include "core/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "core/error.h"

namespace sluice {

void Counter::Increment(double by) {
  if (by >= 0) series_->Increment(by);
}
double Counter::Value() const { return series_->Value(); }

void Gauge::Set(double value) { series_->Set(value); }
void Gauge::Increment(double by) { series_->Increment(by); }
void Gauge::Decrement(double by) { series_->Decrement(by); }
double Gauge::Value() const { return series_->Value(); }

void Histogram::Observe(double value) { series_->Observe(value); }
uint64_t Histogram::Count() const { return series_->Collect().histogram.sample_count; }
double Histogram::Sum() const { return series_->Collect().histogram.sample_sum; }

const HistogramBuckets& LatencyBuckets() {
  static const HistogramBuckets buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                           1,     2.5,  5,     10,   30,  60,   600};
  return buckets;
}

const HistogramBuckets& TaskDurationBuckets() {
  static const HistogramBuckets buckets = {0.1, 0.5, 1,   2.5, 5,    10,   30,
                                           60,  120, 300, 600, 1800, 3600, 7200};
  return buckets;
}

namespace {

enum class Kind { kCounter, kGauge, kHistogram };

[[noreturn]] void MetricBug(std::string_view name, std::string_view why) {
  std::string condition = fmt::format("metric {}: {}", name, why);
  internal::CheckFailed(__FILE__, __LINE__, condition.c_str());
}

// The exposition format escapes \\ and newlines in HELP text; prometheus-cpp
// 1.0 writes it as given.
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

struct MetricsRegistry::Impl {
  struct Entry {
    Kind kind;
    void* family;  // prometheus::Family<T>* of the kind's T
    HistogramBuckets buckets;
  };

  prometheus::Registry registry;
  std::mutex mutex;  // guards families; each Family locks itself too
  std::map<std::string, Entry, std::less<>> families;

  // The family of `name`, registered on first use. Throws what prometheus-cpp
  // throws for a bad name; the callers turn that into a check failure.
  template <typename T, typename Build>
  prometheus::Family<T>& FamilyOf(std::string_view name, Kind kind, Build build,
                                  const HistogramBuckets& buckets = {}) {
    std::lock_guard lock(mutex);
    auto it = families.find(name);
    if (it == families.end()) {
      prometheus::Family<T>& family = build().Name(std::string(name)).Register(registry);
      it = families.emplace(std::string(name), Entry{kind, &family, buckets}).first;
    }
    if (it->second.kind != kind) MetricBug(name, "already registered as another type");
    return *static_cast<prometheus::Family<T>*>(it->second.family);
  }
};

MetricsRegistry::MetricsRegistry() : impl_(std::make_unique<Impl>()) {}
MetricsRegistry::~MetricsRegistry() = default;

Counter MetricsRegistry::GetCounter(std::string_view name, std::string_view help,
                                    const MetricLabels& labels) {
  try {
    auto& family = impl_->FamilyOf<prometheus::Counter>(
        name, Kind::kCounter, [&] { return prometheus::BuildCounter().Help(EscapeHelp(help)); });
    return Counter(&family.Add(labels));
  } catch (const std::invalid_argument& e) {
    MetricBug(name, e.what());
  }
}

Gauge MetricsRegistry::GetGauge(std::string_view name, std::string_view help,
                                const MetricLabels& labels) {
  try {
    auto& family = impl_->FamilyOf<prometheus::Gauge>(
        name, Kind::kGauge, [&] { return prometheus::BuildGauge().Help(EscapeHelp(help)); });
    return Gauge(&family.Add(labels));
  } catch (const std::invalid_argument& e) {
    MetricBug(name, e.what());
  }
}

Histogram MetricsRegistry::GetHistogram(std::string_view name, std::string_view help,
                                        const HistogramBuckets& buckets,
                                        const MetricLabels& labels) {
  if (!std::is_sorted(buckets.begin(), buckets.end()) ||
      std::adjacent_find(buckets.begin(), buckets.end()) != buckets.end()) {
    MetricBug(name, "bucket bounds must increase");
  }
  try {
    auto& family = impl_->FamilyOf<prometheus::Histogram>(
        name, Kind::kHistogram, [&] { return prometheus::BuildHistogram().Help(EscapeHelp(help)); },
        buckets);
    // The family's first buckets hold for all its series, so they aggregate.
    const HistogramBuckets* family_buckets = nullptr;
    {
      std::lock_guard lock(impl_->mutex);
      family_buckets = &impl_->families.find(name)->second.buckets;
    }
    return Histogram(&family.Add(labels, *family_buckets));
  } catch (const std::invalid_argument& e) {
    MetricBug(name, e.what());
  }
}

MetricsRegistry& ProcessMetrics() {
  static MetricsRegistry* registry = new MetricsRegistry();
  return *registry;
}

std::string RenderMetricsText(std::initializer_list<const MetricsRegistry*> registries) {
  std::vector<prometheus::MetricFamily> families;
  for (const MetricsRegistry* registry : registries) {
    std::vector<prometheus::MetricFamily> collected = registry->impl_->registry.Collect();
    std::move(collected.begin(), collected.end(), std::back_inserter(families));
  }
  std::stable_sort(families.begin(), families.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
  for (size_t i = 1; i < families.size(); ++i) {
    if (families[i].name == families[i - 1].name) {
      MetricBug(families[i].name, "rendered from two registries");
    }
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace sluice
