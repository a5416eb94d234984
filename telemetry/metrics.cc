#include "telemetry/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace codearena::telemetry {
namespace {

static_assert(std::atomic<double>::is_always_lock_free, "hot paths rely on lock-free doubles");

// std::atomic<double>::fetch_add is C++20.
void atomic_add(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

bool is_letter_or_underscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_metric_name(const std::string& name) {
  auto allowed = [](char c) { return is_letter_or_underscore(c) || c == ':'; };
  return !name.empty() && allowed(name[0]) &&
         std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return allowed(c) || is_digit(c); });
}

bool is_label_name(const std::string& name) {
  return !name.empty() && is_letter_or_underscore(name[0]) &&
         std::all_of(name.begin() + 1, name.end(),
                     [](char c) { return is_letter_or_underscore(c) || is_digit(c); }) &&
         name.rfind("__", 0) != 0;
}

void check_names(const std::string& name, const std::string& help,
                 const std::vector<std::string>& label_names) {
  if (!is_metric_name(name)) throw std::invalid_argument("invalid metric name \"" + name + "\"");
  if (help.empty()) throw std::invalid_argument("metric " + name + " has no help text");
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!is_label_name(label)) {
      throw std::invalid_argument("invalid label name \"" + label + "\" in metric " + name);
    }
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      throw std::invalid_argument("label \"" + label + "\" given twice in metric " + name);
    }
  }
}

void check_bucket_bounds(const std::string& name, const std::vector<double>& bounds) {
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      throw std::invalid_argument("histogram " + name +
                                  " has a bucket bound that is not finite (+Inf is implied)");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      throw std::invalid_argument("histogram " + name + " has bucket bounds that do not ascend");
    }
  }
}

// Numbers as Prometheus parses them: exact integers without exponent, otherwise the shortest
// text that reads back to the same double; locale-independent.
void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buffer[32];
  constexpr double kExactIntegerLimit = 9007199254740992.0;  // 2^53
  std::to_chars_result end =
      value == std::trunc(value) && std::fabs(value) <= kExactIntegerLimit
          ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<int64_t>(value))
          : std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end.ptr);
}

void append_escaped(std::string& out, const std::string& text, bool escape_quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string label_text(const std::vector<std::string>& names,
                       const std::vector<std::string>& values) {
  std::string text;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ',';
    text += names[i];
    text += "=\"";
    append_escaped(text, values[i], /*escape_quotes=*/true);
    text += '"';
  }
  return text;
}

// One sample line: name{labels} value. `extra_label` (already rendered) follows the others.
void append_sample(std::string& out, const std::string& name, const std::string& labels,
                   const std::string& extra_label, double value) {
  out += name;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra_label.empty()) out += ',';
    out += extra_label;
    out += '}';
  }
  out += ' ';
  append_number(out, value);
  out += '\n';
}

void append_samples(std::string& out, const std::string& name, const std::string& labels,
                    const Counter& counter) {
  append_sample(out, name, labels, "", counter.value());
}

void append_samples(std::string& out, const std::string& name, const std::string& labels,
                    const Gauge& gauge) {
  append_sample(out, name, labels, "", gauge.value());
}

void append_samples(std::string& out, const std::string& name, const std::string& labels,
                    const Histogram& histogram) {
  const HistogramSnapshot snapshot = histogram.snapshot();
  const std::string bucket_name = name + "_bucket";
  for (size_t i = 0; i < snapshot.cumulative_counts.size(); ++i) {
    std::string le = "le=\"";
    if (i < snapshot.upper_bounds.size()) {
      append_number(le, snapshot.upper_bounds[i]);
    } else {
      le += "+Inf";
    }
    le += '"';
    append_sample(out, bucket_name, labels, le, static_cast<double>(snapshot.cumulative_counts[i]));
  }
  append_sample(out, name + "_sum", labels, "", snapshot.sum);
  append_sample(out, name + "_count", labels, "", static_cast<double>(snapshot.count()));
}

}  // namespace

void Counter::inc(double amount) {
  if (!(amount >= 0)) throw std::invalid_argument("a counter cannot be decreased");
  atomic_add(value_, amount);
}

void Gauge::add(double delta) {
  atomic_add(value_, delta);
}

void Gauge::set_callback(std::function<double()> compute) {
  std::lock_guard<std::mutex> lock(callback_mutex_);
  callback_ = std::move(compute);
}

double Gauge::value() const {
  std::lock_guard<std::mutex> lock(callback_mutex_);
  return callback_ ? callback_() : value_.load(std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), bucket_counts_(upper_bounds_.size() + 1) {}

void Histogram::observe(double value) {
  const size_t bucket = std::isnan(value)
                            ? upper_bounds_.size()
                            : std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
                                  upper_bounds_.begin();
  bucket_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, value);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  snapshot.cumulative_counts.reserve(bucket_counts_.size());
  uint64_t total = 0;
  for (const std::atomic<uint64_t>& count : bucket_counts_) {
    total += count.load(std::memory_order_relaxed);
    snapshot.cumulative_counts.push_back(total);
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, const char* type,
                       std::vector<std::string> label_names,
                       std::function<std::unique_ptr<Metric>()> make)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      make_metric_(std::move(make)) {}

template <typename Metric>
Metric& Family<Metric>::with(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    throw std::invalid_argument("metric " + name_ + " takes " +
                                std::to_string(label_names_.size()) + " label values, not " +
                                std::to_string(label_values.size()));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = children_.find(label_values);
  if (found == children_.end()) {
    Child child{label_text(label_names_, label_values), make_metric_()};
    found = children_.emplace(label_values, std::move(child)).first;
  }
  return *found->second.metric;
}

template <typename Metric>
void Family<Metric>::render(std::string& out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (children_.empty()) return;
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped(out, help_, /*escape_quotes=*/false);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += type_;
  out += '\n';
  for (const auto& entry : children_) {
    append_samples(out, name_, entry.second.label_text, *entry.second.metric);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

template <typename Metric>
Family<Metric>& Registry::add(std::unique_ptr<Family<Metric>> family,
                              std::vector<std::string> series_names) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::string& series : series_names) {
    auto owner = series_owners_.find(series);
    if (owner != series_owners_.end()) {
      throw std::invalid_argument("metric name " + series + " is already registered (by " +
                                  owner->second + ")");
    }
  }
  for (const std::string& series : series_names) series_owners_.emplace(series, family->name_);
  Family<Metric>& added = *family;
  families_.emplace(family->name_, std::move(family));
  if (added.label_names_.empty()) added.with();
  return added;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  check_names(name, help, label_names);
  std::unique_ptr<CounterFamily> family(new CounterFamily(
      name, help, "counter", std::move(label_names), [] { return std::make_unique<Counter>(); }));
  return add(std::move(family), {name});
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  check_names(name, help, label_names);
  std::unique_ptr<GaugeFamily> family(new GaugeFamily(name, help, "gauge", std::move(label_names),
                                                      [] { return std::make_unique<Gauge>(); }));
  return add(std::move(family), {name});
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bucket_bounds) {
  check_names(name, help, label_names);
  if (std::find(label_names.begin(), label_names.end(), "le") != label_names.end()) {
    throw std::invalid_argument("histogram " + name + " cannot have a label named le");
  }
  check_bucket_bounds(name, bucket_bounds);
  std::unique_ptr<HistogramFamily> family(new HistogramFamily(
      name, help, "histogram", std::move(label_names),
      [bounds = std::move(bucket_bounds)] { return std::make_unique<Histogram>(bounds); }));
  return add(std::move(family), {name, name + "_bucket", name + "_sum", name + "_count"});
}

void Registry::render(std::string& out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : families_) entry.second->render(out);
}

std::string Registry::render() const {
  std::string out;
  render(out);
  return out;
}

}  // namespace codearena::telemetry
