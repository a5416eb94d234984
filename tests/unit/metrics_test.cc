// The metrics registry: values, registration rules, and the exact text Prometheus scrapes.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/metrics.h"

using namespace codearena::telemetry;

TEST_CASE("counters add up and refuse to go down", "[metrics]") {
  Registry registry;
  Counter& counter = registry.counter("jobs_total", "Jobs.").with();
  counter.inc();
  counter.inc(2.5);
  CHECK(counter.value() == 3.5);
  REQUIRE_THROWS_AS(counter.inc(-1), std::invalid_argument);
  REQUIRE_THROWS_AS(counter.inc(std::nan("")), std::invalid_argument);
  CHECK(counter.value() == 3.5);
}

TEST_CASE("with() returns the same metric for the same label values", "[metrics]") {
  Registry registry;
  CounterFamily& requests = registry.counter("requests_total", "Requests.", {"method", "code"});
  Counter& get_ok = requests.with({"GET", "200"});
  get_ok.inc();
  CHECK(&requests.with({"GET", "200"}) == &get_ok);
  CHECK(&requests.with({"GET", "404"}) != &get_ok);
  CHECK(requests.with({"GET", "200"}).value() == 1);
  REQUIRE_THROWS_WITH(requests.with({"GET"}), Catch::Contains("requests_total"));
  REQUIRE_THROWS_AS(requests.with({"GET", "200", "x"}), std::invalid_argument);
}

TEST_CASE("gauges are set, added to, or computed when scraped", "[metrics]") {
  Registry registry;
  Gauge& running = registry.gauge("jobs_running", "Jobs running.").with();
  running.set(4);
  running.add(-1.5);
  CHECK(running.value() == 2.5);

  int queue_depth = 7;
  Gauge& depth = registry.gauge("queue_depth", "Jobs queued.").with();
  depth.set_callback([&queue_depth] { return queue_depth; });
  CHECK(depth.value() == 7);
  queue_depth = 9;
  CHECK(registry.render().find("queue_depth 9\n") != std::string::npos);
  depth.set_callback(nullptr);
  CHECK(depth.value() == 0);
}

TEST_CASE("histograms count into cumulative buckets", "[metrics]") {
  Registry registry;
  Histogram& latency = registry.histogram("latency_seconds", "Latency.", {}, {0.1, 0.5, 1}).with();
  for (double seconds : {0.05, 0.1, 0.3, 2.0, 0.7}) latency.observe(seconds);
  latency.observe(std::nan(""));
  HistogramSnapshot snapshot = latency.snapshot();
  CHECK(snapshot.upper_bounds == std::vector<double>{0.1, 0.5, 1});
  // 0.1 lands in le="0.1" (the bound is inclusive); NaN only in +Inf.
  CHECK(snapshot.cumulative_counts == std::vector<uint64_t>{2, 3, 4, 6});
  CHECK(snapshot.count() == 6);
  CHECK(std::isnan(snapshot.sum));
}

TEST_CASE("render writes the text exposition format exactly", "[metrics]") {
  Registry registry;
  CounterFamily& requests = registry.counter("http_requests_total", "HTTP requests.\nBy route.",
                                             {"method", "route", "code"});
  requests.with({"GET", "/api/jobs/:id", "200"}).inc(3);
  requests.with({"POST", "say \"hi\"\\now\n", "201"}).inc();
  registry.gauge("workers", "Workers with a C:\\ path.").with().set(2);
  registry.gauge("unused", "Labelled and never used.", {"node"});
  Histogram& latency = registry
                           .histogram("http_request_duration_seconds", "Request latency.",
                                      {"method"}, {0.005, 0.25, 1})
                           .with({"GET"});
  latency.observe(0.001);
  latency.observe(0.5);

  CHECK(registry.render() ==
        "# HELP http_request_duration_seconds Request latency.\n"
        "# TYPE http_request_duration_seconds histogram\n"
        "http_request_duration_seconds_bucket{method=\"GET\",le=\"0.005\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"GET\",le=\"0.25\"} 1\n"
        "http_request_duration_seconds_bucket{method=\"GET\",le=\"1\"} 2\n"
        "http_request_duration_seconds_bucket{method=\"GET\",le=\"+Inf\"} 2\n"
        "http_request_duration_seconds_sum{method=\"GET\"} 0.501\n"
        "http_request_duration_seconds_count{method=\"GET\"} 2\n"
        "# HELP http_requests_total HTTP requests.\\nBy route.\n"
        "# TYPE http_requests_total counter\n"
        "http_requests_total{method=\"GET\",route=\"/api/jobs/:id\",code=\"200\"} 3\n"
        "http_requests_total{method=\"POST\",route=\"say \\\"hi\\\"\\\\now\\n\",code=\"201\"} 1\n"
        "# HELP workers Workers with a C:\\\\ path.\n"
        "# TYPE workers gauge\n"
        "workers 2\n");
}

TEST_CASE("numbers are printed so that Prometheus reads them back exactly", "[metrics]") {
  Registry registry;
  GaugeFamily& values = registry.gauge("value", "Values.", {"case"});
  auto rendered = [&](const std::string& label, double value) {
    values.with({label}).set(value);
    std::string text = registry.render();
    std::string prefix = "value{case=\"" + label + "\"} ";
    size_t start = text.find(prefix) + prefix.size();
    return text.substr(start, text.find('\n', start) - start);
  };
  CHECK(rendered("million", 1e6) == "1000000");
  CHECK(rendered("negative", -42) == "-42");
  CHECK(rendered("zero", -0.0) == "0");
  CHECK(rendered("2^53", 9007199254740992.0) == "9007199254740992");
  CHECK(rendered("tenth", 0.1) == "0.1");
  CHECK(rendered("third", 1.0 / 3) == "0.3333333333333333");
  CHECK(rendered("huge", 1e300) == "1e+300");
  CHECK(rendered("tiny", 1.5e-9) == "1.5e-09");
  CHECK(rendered("inf", std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(rendered("minus_inf", -std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(rendered("nan", std::nan("")) == "NaN");
}

TEST_CASE("registration checks names and refuses duplicates", "[metrics]") {
  Registry registry;
  registry.counter("jobs_total", "Jobs.");
  registry.histogram("job_seconds", "Job time.", {}, {1});
  REQUIRE_THROWS_WITH(registry.counter("jobs_total", "Again."), Catch::Contains("jobs_total"));
  REQUIRE_THROWS_WITH(registry.gauge("jobs_total", "As a gauge."), Catch::Contains("jobs_total"));
  // The series of a histogram are taken too.
  REQUIRE_THROWS_WITH(registry.counter("job_seconds_count", "Clash."),
                      Catch::Contains("job_seconds_count"));
  REQUIRE_THROWS_WITH(registry.counter("9lives", "Bad."), Catch::Contains("9lives"));
  REQUIRE_THROWS_AS(registry.counter("", "Empty."), std::invalid_argument);
  REQUIRE_THROWS_AS(registry.counter("with-dash", "Bad."), std::invalid_argument);
  REQUIRE_THROWS_WITH(registry.counter("ok_total", "Bad label.", {"__reserved"}),
                      Catch::Contains("__reserved"));
  REQUIRE_THROWS_WITH(registry.counter("ok_total", "Bad label.", {"a:b"}), Catch::Contains("a:b"));
  REQUIRE_THROWS_WITH(registry.counter("ok_total", "Twice.", {"a", "a"}), Catch::Contains("a"));
  REQUIRE_THROWS_WITH(registry.counter("ok_total", ""), Catch::Contains("ok_total"));
  REQUIRE_THROWS_AS(registry.histogram("h", "Le.", {"le"}, {1}), std::invalid_argument);
  REQUIRE_THROWS_AS(registry.histogram("h", "Order.", {}, {1, 1}), std::invalid_argument);
  REQUIRE_THROWS_AS(registry.histogram("h", "Inf.", {}, {1, INFINITY}), std::invalid_argument);
  // Refused registrations leave nothing behind.
  registry.counter("ok_total", "Fine.", {"a", "_b_c9"}).with({"x", "y"});
  registry.counter("colon:name_total", "Colons are allowed in names.");
  registry.histogram("h", "Fine.", {}, {});
}

TEST_CASE("concurrent updates are all counted while rendering", "[metrics]") {
  Registry registry;
  CounterFamily& requests = registry.counter("requests_total", "Requests.", {"thread"});
  Histogram& latency = registry.histogram("latency_seconds", "Latency.", {}, {0.5}).with();
  constexpr int kThreads = 4;
  constexpr int kIncrements = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Counter& mine = requests.with({std::to_string(t % 2)});
      for (int i = 0; i < kIncrements; ++i) {
        mine.inc();
        latency.observe(i % 2 ? 1.0 : 0.25);
      }
    });
  }
  for (int scrape = 0; scrape < 50; ++scrape) {
    HistogramSnapshot snapshot = latency.snapshot();
    CHECK(snapshot.cumulative_counts[0] <= snapshot.count());
    registry.render();
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(requests.with({"0"}).value() == 2 * kIncrements);
  CHECK(requests.with({"1"}).value() == 2 * kIncrements);
  HistogramSnapshot snapshot = latency.snapshot();
  CHECK(snapshot.cumulative_counts ==
        std::vector<uint64_t>{kThreads * kIncrements / 2, kThreads * kIncrements});
  CHECK(snapshot.sum == kThreads * kIncrements / 2 * 1.25);
}
