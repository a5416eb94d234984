// Prometheus metrics: a registry of counter, gauge and histogram families, rendered in the text
// exposition format 0.0.4 for a /metrics endpoint.
//
// The surface is the part of a client library the service needs, and it maps one to one onto
// prometheus-cpp (Family::Add is with(), Increment is inc(), Set, Observe, TextSerializer is
// render()), so a packaged library can replace this file later without touching its callers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace codearena::telemetry {

// The Content-Type of what Registry::render() writes.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// A value that only goes up (requests served, bytes sent). Lock-free and thread-safe.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  // Adds `amount`; throws std::invalid_argument if it is negative or NaN, because a counter
  // that goes down reads as a process restart to Prometheus' rate().
  void inc(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down (jobs running), either stored or computed when scraped.
// set() and add() are lock-free; everything is thread-safe.
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double delta);

  // From now on value() (and so the registry's render()) reports compute() instead of the
  // stored value; an empty function goes back to the stored value. compute() runs on the
  // thread that renders, under a lock of this gauge: it must be quick, thread-safe and must
  // not call the registry. Once set_callback() returns, the previous callback is never called
  // again, so it may capture objects that are destroyed right after it is replaced.
  void set_callback(std::function<double()> compute);
  double value() const;

 private:
  std::atomic<double> value_{0};
  mutable std::mutex callback_mutex_;
  std::function<double()> callback_;
};

// A consistent copy of a histogram's state.
struct HistogramSnapshot {
  std::vector<double> upper_bounds;         // the finite bucket bounds, ascending
  std::vector<uint64_t> cumulative_counts;  // one per bound, then the +Inf bucket
  double sum = 0;

  uint64_t count() const { return cumulative_counts.back(); }
};

// Counts observations (durations in seconds, sizes) into buckets with fixed upper bounds.
// observe() is lock-free and allocation-free; everything is thread-safe.
class Histogram {
 public:
  // `upper_bounds` must be finite and strictly ascending (see Registry::histogram()).
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose bound is >= value; NaN only in +Inf.
  void observe(double value);
  // The buckets are read once each, so the +Inf bucket always equals the count; the sum may
  // include or miss an observation that runs concurrently.
  HistogramSnapshot snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  std::vector<std::atomic<uint64_t>> bucket_counts_;  // per bucket (not cumulative), +Inf last
  std::atomic<double> sum_{0};
};

namespace detail {

// What the registry needs from a family of any kind. Not for use outside this folder.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  // Appends the family's HELP, TYPE and samples; nothing if it has no metric yet.
  virtual void render(std::string& out) const = 0;
};

}  // namespace detail

// Every metric of one name, one per combination of label values. Owned by its Registry and
// thread-safe.
template <typename Metric>
class Family final : public detail::FamilyBase {
 public:
  // Returns the metric for these label values (given in the order of the family's label
  // names), creating it on first use. The reference stays valid as long as the registry:
  // look it up once and keep it on hot paths, because this call locks and allocates.
  // Throws std::invalid_argument if the number of values is not the number of label names.
  Metric& with(const std::vector<std::string>& label_values = {});

  void render(std::string& out) const override;

 private:
  friend class Registry;
  struct Child {
    std::string label_text;  // `a="x",b="y"`, escaped, rendered once
    std::unique_ptr<Metric> metric;
  };

  Family(std::string name, std::string help, const char* type, std::vector<std::string> label_names,
         std::function<std::unique_ptr<Metric>()> make);

  const std::string name_;
  const std::string help_;
  const char* const type_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_metric_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, Child> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

extern template class Family<Counter>;
extern template class Family<Gauge>;
extern template class Family<Histogram>;

// Owns metric families and renders them all. Registering is thread-safe; families live as
// long as the registry and are never removed.
//
// Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* without a
// leading "__" (and not "le" for histograms), help must not be empty. A name already taken,
// also by the _bucket, _sum and _count series of a histogram, is refused. Every violation
// throws std::invalid_argument naming what was refused.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A family without labels has its single metric from the start, so it is rendered as 0
  // before anything happens; a family with labels shows up once with() created a metric.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  // `bucket_bounds`: finite, strictly ascending upper bounds; the +Inf bucket is implied.
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names,
                             std::vector<double> bucket_bounds);

  // Appends every family in the text exposition format 0.0.4, sorted by name.
  void render(std::string& out) const;
  std::string render() const;

 private:
  template <typename Metric>
  Family<Metric>& add(std::unique_ptr<Family<Metric>> family, std::vector<std::string> names);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<detail::FamilyBase>> families_;
  std::map<std::string, std::string> series_owners_;  // series name -> family name
};

}  // namespace codearena::telemetry
