// Timing, CPU time and summary statistics shared by the codearena-bench subcommands.
//
// Times come from CLOCK_MONOTONIC; CPU times from /proc, at clock-tick resolution. Samples are
// kept in microseconds as doubles; a Summary gives the median, tail percentiles (nearest rank)
// and mean of one series of samples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace codearena::bench {

int64_t monotonic_ns();

// Microseconds elapsed since `start_ns` (a monotonic_ns() value).
double elapsed_us(int64_t start_ns);

struct Summary {
  size_t count = 0;
  double median_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double mean_us = 0;
  double min_us = 0;
};

// Summarizes samples in microseconds; an empty series gives an all-zero Summary.
Summary summarize(std::vector<double> samples_us);

// The nearest-rank percentile (fraction in [0, 1]) of samples sorted in ascending order.
double percentile(const std::vector<double>& sorted, double fraction);

// CPU time (user + system) in µs from a /proc stat file: /proc/<pid>/stat for a process,
// /proc/<pid>/task/<tid>/stat for one thread; 0 when the file is gone.
double stat_file_cpu_us(const std::string& path);

// CPU time of this process's live threads in µs, summed per thread name (/proc/self/task).
std::map<std::string, double> thread_cpu_us_by_name();

}  // namespace codearena::bench
