// Load for the API benchmarks: see api_load.h.
#include "tools/bench/api_load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tools/bench/bench_util.h"
#include "tools/bench/http_client.h"
#include "tools/bench/measure.h"

namespace codearena::bench {

const char kHelloJob[] = R"json({"language":"python","code":"print(\"hello\")"})json";
const char kHelloOutput[] = "hello\n";

namespace {

const char kExecuteTarget[] = "/api/execute?wait=true";

double self_cpu_us() {
  rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

// Busy time of all cores so far (everything but idle and iowait), from the "cpu" line.
double machine_busy_us() {
  std::ifstream file("/proc/stat");
  std::string label;
  file >> label;
  double busy = 0;
  double ticks = 0;
  for (int field = 0; field < 8 && file >> ticks; ++field) {
    if (field != 3 && field != 4) busy += ticks;  // 3: idle, 4: iowait.
  }
  return busy * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double load_average_now() {
  double load[1] = {0};
  return ::getloadavg(load, 1) == 1 ? load[0] : 0;
}

// Runs `work(thread_index, record)` on `threads` threads and measures the phase: `record(us)`
// counts one job and its latency. The first exception of any thread is rethrown after all end.
LoadFigures measure_phase(
    const ServeProcess* node, int64_t threads,
    const std::function<void(int64_t, const std::function<void(double)>&)>& work) {
  std::mutex mutex;
  LoadFigures figures;
  std::exception_ptr failure;
  const auto record = [&](double us) {
    const std::lock_guard<std::mutex> lock(mutex);
    figures.latencies_us.push_back(us);
  };
  const double client_before = self_cpu_us();
  const double server_before = node != nullptr ? node->cpu_us() : 0;
  const double machine_before = machine_busy_us();
  const int64_t start = monotonic_ns();
  std::vector<std::thread> workers;
  for (int64_t i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      try {
        work(i, record);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  figures.seconds = elapsed_us(start) / 1e6;
  figures.client_cpu_us = self_cpu_us() - client_before;
  figures.server_cpu_us = node != nullptr ? node->cpu_us() - server_before : 0;
  figures.machine_cpu_us = machine_busy_us() - machine_before;
  figures.load_average = load_average_now();
  figures.jobs = static_cast<int64_t>(figures.latencies_us.size());
  if (failure) std::rethrow_exception(failure);
  return figures;
}

}  // namespace

void check_execute_answer(const HttpResponse& response, const std::string& expected_stdout,
                          std::optional<bool> compile_cached) {
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error(std::string("POST ") + kExecuteTarget + ": " + what + ", status " +
                             std::to_string(response.status) + ", body " + quoted(response.body));
  };
  if (response.status != 200) fail("not 200");
  const auto job = nlohmann::json::parse(response.body, nullptr, false);
  if (job.is_discarded() || job.value("state", "") != "completed") fail("not completed");
  const auto& result = job["result"];
  if (!result.is_object() || result.value("verdict", "") != "AC" || result["tests"].empty() ||
      result["tests"][0].value("stdout", "") != expected_stdout) {
    fail("not AC with stdout " + quoted(expected_stdout));
  }
  if (compile_cached && result.value("compileCached", !*compile_cached) != *compile_cached) {
    fail(*compile_cached ? "the compile cache missed" : "the compile cache hit");
  }
}

double timed_execute(HttpConnection& connection, const std::string& body,
                     const std::string& expected_stdout, std::optional<bool> compile_cached) {
  const int64_t start = monotonic_ns();
  const HttpResponse response = connection.request("POST", kExecuteTarget, body);
  const double us = elapsed_us(start);
  check_execute_answer(response, expected_stdout, compile_cached);
  return us;
}

LoadFigures run_bare_loop(const Command& command, int64_t workers, double seconds) {
  const std::string expected = kHelloOutput;
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(seconds * 1e9);
  return measure_phase(nullptr, workers, [&](int64_t, const std::function<void(double)>& record) {
    while (monotonic_ns() < deadline) record(timed_bare_run(command, &expected));
  });
}

LoadFigures run_api_closed_loop(const ServeProcess& node, int64_t connections, double seconds) {
  return run_api_closed_loop(node, connections, seconds, ApiJob{kHelloJob, kHelloOutput});
}

LoadFigures run_api_closed_loop(const ServeProcess& node, int64_t connections, double seconds,
                                const ApiJob& job) {
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(seconds * 1e9);
  return measure_phase(&node, connections, [&](int64_t, const std::function<void(double)>& record) {
    HttpConnection connection(node.port());
    while (monotonic_ns() < deadline) {
      record(timed_execute(connection, job.body, job.expected_stdout));
    }
  });
}

LoadFigures run_api_open_loop(const ServeProcess& node, double rate, int64_t requests,
                              int64_t connections, int64_t* late) {
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> late_sends{0};
  const int64_t start = monotonic_ns() + 10'000'000;  // Every thread connected by then.
  const auto figures =
      measure_phase(&node, connections, [&](int64_t, const std::function<void(double)>& record) {
        HttpConnection connection(node.port());
        for (int64_t i = next++; i < requests; i = next++) {
          const int64_t due = start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
          const int64_t wait_ns = due - monotonic_ns();
          if (wait_ns > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait_ns));
          if (monotonic_ns() - due > 1'000'000) ++late_sends;
          const HttpResponse response = connection.request("POST", kExecuteTarget, kHelloJob);
          const double us = elapsed_us(due);
          check_execute_answer(response, kHelloOutput);
          record(us);
        }
      });
  *late = late_sends.load();
  return figures;
}

void print_phase_heading() {
  std::printf("  %-10s %6s %8s %8s %8s   %7s %7s %8s %6s\n", "phase", "jobs", "jobs/s", "p50_ms",
              "p99_ms", "client", "node", "machine", "load");
}

void print_phase(const std::string& label, const LoadFigures& figures) {
  const Summary latency = summarize(figures.latencies_us);
  std::printf("  %-10s %6lld %8.1f %8.1f %8.1f   %7.2f %7.2f %8.2f %6.2f\n", label.c_str(),
              static_cast<long long>(figures.jobs), figures.jobs_per_s(), latency.median_us / 1000,
              latency.p99_us / 1000, figures.cores(figures.client_cpu_us),
              figures.cores(figures.server_cpu_us), figures.cores(figures.machine_cpu_us),
              figures.load_average);
  std::fflush(stdout);
}

}  // namespace codearena::bench
