// Helpers shared by the language benchmarks: see bench_util.h.
#include "tools/bench/bench_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace codearena::bench {
namespace {

int remove_entry(const char* path, const struct stat*, int, FTW*) {
  ::remove(path);
  return 0;
}

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "unknown CPU";
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  ::nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string path = path_ + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

ScopedChdir::ScopedChdir(const std::string& dir) {
  previous_ = ::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (previous_ < 0 || ::chdir(dir.c_str()) != 0) {
    if (previous_ >= 0) ::close(previous_);
    throw std::system_error(errno, std::generic_category(), "chdir " + dir);
  }
}

ScopedChdir::~ScopedChdir() {
  if (::fchdir(previous_) != 0) std::perror("codearena-bench: fchdir");
  ::close(previous_);
}

std::vector<std::string> bare_environment(const std::string& home) {
  return {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8", "TMPDIR=/tmp"};
}

std::vector<std::vector<double>> alternate(const std::vector<Trial>& trials, int64_t runs,
                                           int64_t block, int64_t warmup) {
  for (const auto& trial : trials) {
    for (int64_t i = 0; i < warmup; ++i) trial.run_once();
  }
  std::vector<std::vector<double>> samples(trials.size());
  size_t round = 0;
  for (int64_t done = 0; done < runs; done += block, ++round) {
    const int64_t count = std::min(block, runs - done);
    for (size_t k = 0; k < trials.size(); ++k) {
      const size_t t = (k + round) % trials.size();
      for (int64_t i = 0; i < count; ++i) samples[t].push_back(trials[t].run_once());
    }
  }
  return samples;
}

double timed_bare_run(const Command& command, const std::string* expected_out) {
  const int64_t start = monotonic_ns();
  const ProcessOutcome outcome = command.run();
  const double us = elapsed_us(start);
  if (!outcome.exited_ok() || (expected_out != nullptr && outcome.out != *expected_out)) {
    throw std::runtime_error(command.argv()[0] + " failed: wait status " +
                             std::to_string(outcome.wait_status) + ", stdout " +
                             quoted(outcome.out) + ", stderr " + quoted(outcome.err));
  }
  return us;
}

const std::vector<std::string> kCommandEnvironment = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                                      "LANG=C.UTF-8"};

std::string bench_program(const char* name, const char* build_tree_path) {
  const std::string beside = sandbox::executable_dir() + "/" + name;
  return ::access(beside.c_str(), X_OK) == 0 ? beside : build_tree_path;
}

double timed_spawned_run(Spawner& spawner, const std::string& name,
                         const std::function<bool(const std::string&)>& accepts) {
  const TimedOutcome timed = spawner.run();
  const ProcessOutcome& outcome = timed.outcome;
  if (!outcome.exited_ok() || !accepts(outcome.out)) {
    throw std::runtime_error(name + " failed: wait status " + std::to_string(outcome.wait_status) +
                             ", stdout " + quoted(outcome.out) + ", stderr " + quoted(outcome.err));
  }
  return timed.elapsed_us;
}

double timed_spawned_run(Spawner& spawner, const std::string& name, const std::string& expected) {
  return timed_spawned_run(spawner, name,
                           [&expected](const std::string& out) { return out == expected; });
}

double timed_slot_run(sandbox::Slot& slot, const sandbox::RunRequest& request,
                      const std::string& expected_out, sandbox::RunResult* result_out) {
  const int64_t start = monotonic_ns();
  sandbox::RunResult result = slot.run(request);
  const double us = elapsed_us(start);
  if (result.status != sandbox::RunStatus::kOk || result.stdout_data != expected_out) {
    throw std::runtime_error("sandboxed " + request.argv.at(0) +
                             " failed: " + sandbox::status_name(result.status) + " " +
                             result.message + ", stdout " + quoted(result.stdout_data) +
                             ", stderr " + quoted(result.stderr_data));
  }
  if (result_out != nullptr) *result_out = std::move(result);
  return us;
}

double children_cpu_us() {
  rusage usage;
  ::getrusage(RUSAGE_CHILDREN, &usage);
  const auto us = [](const timeval& t) { return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

double timed_judge(judge::Judge& judge, const judge::JudgeRequest& request,
                   const std::string& expected_out, bool expect_cached) {
  const int64_t start = monotonic_ns();
  const judge::JudgeResult result = judge.judge(request);
  const double us = elapsed_us(start);
  const bool output_ok = result.tests.size() == 1 && result.tests[0].stdout_data == expected_out;
  if (result.verdict != judge::Verdict::kAccepted || !output_ok) {
    throw std::runtime_error(
        "judging " + request.language + " gave " + judge::verdict_code(result.verdict) + ": " +
        result.message + ", compiler output " + quoted(result.compile_output) + ", stdout " +
        quoted(result.tests.empty() ? "" : result.tests[0].stdout_data) + ", stderr " +
        quoted(result.tests.empty() ? "" : result.tests[0].stderr_data));
  }
  if (result.compile_cached != expect_cached) {
    throw std::runtime_error("judging " + request.language + ": the compile cache was " +
                             (result.compile_cached ? "hit" : "missed") + ", expected the other");
  }
  return us;
}

std::string machine_description() {
  utsname name;
  const std::string kernel = ::uname(&name) == 0 ? name.release : "unknown";
  double load[1] = {0};
  char load_text[32] = "unknown";
  if (::getloadavg(load, 1) == 1) std::snprintf(load_text, sizeof load_text, "%.2f", load[0]);
  return std::to_string(::sysconf(_SC_NPROCESSORS_ONLN)) + " cores (" + cpu_model() + "), kernel " +
         kernel + ", load average " + load_text;
}

std::string machine_description(const sandbox::Sandbox& sandbox) {
  return machine_description() + ", cgroup " + sandbox.cgroup_version();
}

judge::CommandValues run_values(const judge::Language& language, const std::string& main_class) {
  judge::CommandValues values;
  values.main_class = main_class;
  values.source = judge::expand_command({language.source_name}, values).at(0);
  values.memory_mb = language.default_limits.memory_bytes >> 20;
  values.heap_reserve_mb = language.heap_reserve_mb;
  return values;
}

std::vector<std::string> inline_code_argv(const judge::Language& language, const char* flag,
                                          const std::string& code) {
  const auto values = run_values(language, language.default_class);
  auto argv = judge::expand_command(language.run, values);
  auto source = std::find(argv.begin(), argv.end(), values.source);
  if (source == argv.end()) {
    throw std::runtime_error(language.id + ": the run command does not name " + values.source);
  }
  *source = code;
  argv.insert(source, flag);
  return argv;
}

const judge::Language& find_language(const judge::LanguageTable& table, const std::string& id) {
  const judge::Language* language = table.find(id);
  if (language == nullptr) throw std::runtime_error("the language table has no '" + id + "'");
  return *language;
}

std::string quoted(const std::string& text) {
  return "'" + text.substr(0, 200) + (text.size() > 200 ? "...'" : "'");
}

}  // namespace codearena::bench
