// Timing and summary statistics: see measure.h.
#include "tools/bench/measure.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace codearena::bench {

int64_t monotonic_ns() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

double elapsed_us(int64_t start_ns) {
  return static_cast<double>(monotonic_ns() - start_ns) / 1e3;
}

double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

Summary summarize(std::vector<double> samples_us) {
  Summary summary;
  if (samples_us.empty()) return summary;
  std::sort(samples_us.begin(), samples_us.end());
  const size_t n = samples_us.size();
  summary.count = n;
  summary.median_us =
      n % 2 == 1 ? samples_us[n / 2] : (samples_us[n / 2 - 1] + samples_us[n / 2]) / 2;
  summary.p90_us = percentile(samples_us, 0.90);
  summary.p99_us = percentile(samples_us, 0.99);
  summary.mean_us = std::accumulate(samples_us.begin(), samples_us.end(), 0.0) / n;
  summary.min_us = samples_us.front();
  return summary;
}

double stat_file_cpu_us(const std::string& path) {
  std::ifstream file(path);
  std::string stat;
  std::getline(file, stat);
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return 0;  // Gone meanwhile.
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  std::istringstream fields(stat.substr(name_end + 2));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::map<std::string, double> thread_cpu_us_by_name() {
  std::map<std::string, double> by_name;
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (!std::getline(comm, name)) continue;  // Ended meanwhile.
    by_name[name] += stat_file_cpu_us(task.path() / "stat");
  }
  return by_name;
}

}  // namespace codearena::bench
