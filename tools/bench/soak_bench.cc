// `codearena-bench soak`: see soak_bench.h.
//
// The peak is the kernel's high-water mark of the node's resident set (VmHWM), which no sample
// interval can miss; the samples show how the resident set moves while jobs pass.
#include "tools/bench/soak_bench.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/http_client.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

const char kSoakBenchUsage[] =
    R"usage(usage: codearena-bench soak [options]   (needs root)

Starts `codearena serve` (the binary beside this one) on a free loopback port with
WORKER_CONCURRENCY=<slots>, LOG_LEVEL=warn, API_RATE_LIMIT=0 and otherwise its defaults
(JOB_RETENTION_BYTES, KEPT_OUTPUT), then sends <jobs> Python jobs over <slots> connections
(POST /api/execute?wait=true), each with <tests> test cases whose program prints <output-mb>
MB to stdout. Checks that each result keeps a KEPT_OUTPUT-long, flagged stdout per test, and
samples the node's resident memory (/proc/<pid>/status) every 100 ms. The last line is
  soak jobs=<n> peak_rss_mb=<x>
with the node's peak resident memory (VmHWM) over the whole run, start-up included.

Options:
  --jobs N        jobs to send (default 60)
  --tests N       test cases per job (default 4)
  --output-mb N   stdout of each test, MB of 10^6 bytes, at most 16 (default 16)
  --slots N       the node's sandbox slots and the client connections (default 2)
)usage";

namespace {

struct Options {
  int64_t jobs = 60;
  int64_t tests = 4;
  int64_t output_mb = 16;
  int64_t slots = 2;
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--jobs", &options.jobs) || args.take_number("--tests", &options.tests) ||
        args.take_number("--output-mb", &options.output_mb) ||
        args.take_number("--slots", &options.slots)) {
      continue;
    }
    args.reject();
  }
  if (options.output_mb > 16) throw UsageError("--output-mb is at most 16 (the output limit)");
  return options;
}

// A field of /proc/<pid>/status in kB ("VmRSS", "VmHWM").
int64_t status_kb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0)
      return std::stoll(line.substr(field.size() + 1));
  }
  throw std::runtime_error("no " + field + " in /proc/" + std::to_string(pid) + "/status");
}

double mb_of_kb(int64_t kb) {
  return static_cast<double>(kb) / 1024.0;
}

std::string job_body(const Options& options) {
  const std::string code =
      "import sys\nsys.stdout.write('x' * " + std::to_string(options.output_mb * 1'000'000) + ")\n";
  nlohmann::json tests = nlohmann::json::array();
  for (int64_t i = 0; i < options.tests; ++i) tests.push_back({{"input", ""}});
  return nlohmann::json{
      {"language", "python"}, {"code", code}, {"limits", {{"output", "16m"}}}, {"testCases", tests}}
      .dump();
}

// Kept stdout bytes of every test of one finished job; throws unless it completed with every
// test's stdout cut and flagged.
int64_t checked_kept_bytes(const HttpResponse& response, const Options& options) {
  const auto job = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status != 200 || job.is_discarded() || job.value("state", "") != "completed") {
    throw std::runtime_error("a job did not complete: HTTP " + std::to_string(response.status) +
                             " " + response.body.substr(0, 300));
  }
  const auto& tests = job.at("result").at("tests");
  if (static_cast<int64_t>(tests.size()) != options.tests)
    throw std::runtime_error("a job came back with " + std::to_string(tests.size()) + " tests");
  int64_t kept = 0;
  for (const auto& test : tests) {
    const auto size = static_cast<int64_t>(test.at("stdout").get<std::string>().size());
    if (!test.at("stdoutTruncated").get<bool>() || size >= options.output_mb * 1'000'000)
      throw std::runtime_error("a test's stdout was kept whole (" + std::to_string(size) + " B)");
    kept += size;
  }
  return kept;
}

// Samples the node's resident memory until stopped; prints one line per `every` samples.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid) : pid_(pid), thread_([this] { run(); }) {}
  ~RssSampler() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  int64_t peak_sample_kb() const { return peak_kb_; }
  int64_t samples() const { return samples_; }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!changed_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; })) {
      const int64_t rss = status_kb(pid_, "VmRSS");
      peak_kb_ = std::max<int64_t>(peak_kb_, rss);
      if (samples_++ % 20 == 0) {
        std::printf("  t=%5.1f s  rss %7.1f MB\n", static_cast<double>(samples_ - 1) / 10.0,
                    mb_of_kb(rss));
        std::fflush(stdout);
      }
    }
  }

  const pid_t pid_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::atomic<int64_t> peak_kb_{0};
  std::atomic<int64_t> samples_{0};
  std::thread thread_;
};

int run(const Options& options) {
  std::printf(
      "codearena-bench soak: %lld jobs of %lld tests printing %lld MB each, %lld slots\n"
      "machine: %s\n",
      static_cast<long long>(options.jobs), static_cast<long long>(options.tests),
      static_cast<long long>(options.output_mb), static_cast<long long>(options.slots),
      machine_description().c_str());
  const ServeProcess node(options.slots);
  const int64_t idle_kb = status_kb(node.pid(), "VmRSS");
  std::printf("node: %s serve on 127.0.0.1:%u (pid %d), idle rss %.1f MB\n", node.binary().c_str(),
              node.port(), static_cast<int>(node.pid()), mb_of_kb(idle_kb));
  std::fflush(stdout);

  const std::string body = job_body(options);
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> kept_bytes{0};
  std::mutex failure_mutex;
  std::string failure;
  RssSampler sampler(node.pid());
  std::vector<std::thread> clients;
  for (int64_t c = 0; c < options.slots; ++c) {
    clients.emplace_back([&] {
      HttpConnection connection(node.port());
      try {
        while (next++ < options.jobs) {
          kept_bytes += checked_kept_bytes(
              connection.request("POST", "/api/execute?wait=true", body), options);
        }
      } catch (const std::exception& error) {
        std::lock_guard<std::mutex> lock(failure_mutex);
        failure = error.what();
        next = options.jobs;
      }
    });
  }
  for (auto& client : clients) client.join();
  sampler.stop();
  if (!failure.empty()) throw std::runtime_error(failure);

  HttpConnection connection(node.port());
  const auto stats = nlohmann::json::parse(connection.request("GET", "/api/stats").body);
  const int64_t peak_kb = status_kb(node.pid(), "VmHWM");
  const int64_t end_kb = status_kb(node.pid(), "VmRSS");
  const double through_mb =
      static_cast<double>(options.jobs * options.tests * options.output_mb * 1'000'000) / 1e6;
  std::printf(
      "\noutput through the node: %.0f MB (%lld jobs x %lld tests x %lld MB)\n"
      "kept in results:         %.1f MB (KEPT_OUTPUT per test); the node retains %lld jobs, "
      "%.1f MB by its count (retainedBytes)\n"
      "node rss:                idle %.1f MB, peak %.1f MB (largest sample %.1f MB of %lld), "
      "at the end %.1f MB\n"
      "peak rss / output through: %.3f\n",
      through_mb, static_cast<long long>(options.jobs), static_cast<long long>(options.tests),
      static_cast<long long>(options.output_mb), static_cast<double>(kept_bytes) / 1e6,
      static_cast<long long>(stats.at("jobs").at("retained").get<int64_t>()),
      static_cast<double>(stats.at("jobs").at("retainedBytes").get<int64_t>()) / 1e6,
      mb_of_kb(idle_kb), mb_of_kb(peak_kb), mb_of_kb(sampler.peak_sample_kb()),
      static_cast<long long>(sampler.samples()), mb_of_kb(end_kb),
      mb_of_kb(peak_kb) * 1.048576 / through_mb);
  std::printf("\nsoak jobs=%lld peak_rss_mb=%.1f\n", static_cast<long long>(options.jobs),
              mb_of_kb(peak_kb));
  std::fflush(stdout);
  return 0;
}

}  // namespace

int soak_bench(const std::vector<std::string>& args) {
  return run_subcommand("soak", kSoakBenchUsage, [&] { return run(parse_options(args)); });
}

}  // namespace codearena::bench
