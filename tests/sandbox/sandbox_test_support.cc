#include "tests/sandbox/sandbox_test_support.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"

namespace {

using codearena::sandbox::SandboxConfig;
using codearena::sandbox::status_name;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

}  // namespace

const std::string& planted_secret() {
  static const std::string secret = [] {
    std::random_device random;
    const auto value = "codearena-secret-" + std::to_string(random()) + std::to_string(random());
    ::setenv("CODEARENA_TEST_SECRET", value.c_str(), 1);
    return value;
  }();
  return secret;
}

Sandbox& engine() {
  planted_secret();
  static Sandbox instance{SandboxConfig{}};
  return instance;
}

RunLimits small_limits() {
  RunLimits limits;
  limits.cpu_ms = 1000;
  limits.cpu_cores = 1.0;
  limits.memory_bytes = 64LL << 20;
  limits.pids = 32;
  return limits;
}

bool refused(const RunResult& result) {
  return (result.status == RunStatus::kOk && result.exit_code == 0) ||
         result.status == RunStatus::kSecurityViolation;
}

RunRequest program_request(const std::string& name, std::vector<std::string> args) {
  RunRequest request;
  request.argv = {"./" + name};
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.files.push_back(
      InputFile{name, "", std::string(CODEARENA_TEST_PROGRAMS_DIR) + "/" + name, true});
  request.limits = small_limits();
  return request;
}

std::string describe(const RunResult& result) {
  std::ostringstream text;
  text << "status=" << status_name(result.status) << " exit_code=" << result.exit_code
       << " signal=" << result.signal << " cpu_ms=" << result.cpu_ms
       << " wall_ms=" << result.wall_ms << " memory_kb=" << result.memory_kb << " violation='"
       << result.violation << "' message='" << result.message << "'\nstdout ("
       << result.stdout_data.size() << " bytes): " << result.stdout_data.substr(0, 600)
       << "\nstderr (" << result.stderr_data.size()
       << " bytes): " << result.stderr_data.substr(0, 600);
  return text.str();
}

ProbeReport parse_probe(const std::string& output) {
  ProbeReport report;
  for (const auto& line : split_lines(output)) {
    const auto space = line.find(' ');
    const auto tag = line.substr(0, space);
    const auto value = space == std::string::npos ? "" : line.substr(space + 1);
    if (tag == "self") report.self = std::stoi(value);
    if (tag == "pid") report.pids.insert(std::stoi(value));
    if (tag == "box") report.box.insert(value);
    if (tag == "tmp") report.tmp.insert(value);
    if (tag == "ipc") report.ipc.insert(value);
  }
  return report;
}

const std::vector<std::string> kWaysToTheKeeper = {
    "signal",          "sigqueue", "tgkill",   "tkill",    "pidfd_signal", "pidfd_getfd",
    "pidfd_namespace", "ptrace",   "vm_readv", "proc_mem", "proc_fd",      "proc_root",
    "proc_status",     "proc_ns",  "prlimit",  "priority", "affinity",     "sigio"};

void expect_clean_probe(const RunResult& probe) {
  INFO("probe: " << describe(probe));
  REQUIRE(probe.status == RunStatus::kOk);
  const ProbeReport report = parse_probe(probe.stdout_data);
  // Process numbers restart with every run (the keeper is 1, its worker and spawning threads 2
  // to 4): they tell nothing of earlier runs.
  CHECK(report.self == 5);
  CHECK(report.pids == std::set<int>{report.self});
  CHECK(report.box == std::set<std::string>{"probe"});
  CHECK(report.tmp.empty());
  CHECK(report.ipc == std::set<std::string>{"msg 0", "sem 0", "shm 0"});
}

void expect_clean_slot(SlotPool::Lease& lease) {
  CHECK(!lease->cgroup().holds_processes());

  expect_clean_probe(lease->run(program_request("probe")));
  CHECK(!lease->cgroup().holds_processes());

  RunRequest trivial;
  trivial.argv = {"/bin/true"};
  trivial.limits = small_limits();
  const RunResult result = lease->run(trivial);
  INFO("trivial run: " << describe(result));
  CHECK(result.status == RunStatus::kOk);
}


KeptDir::KeptDir() {
  char dir[] = "/run/codearena-kept-test-XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  path = std::string(dir) + "/net";
}

KeptDir::~KeptDir() {
  const std::string helper = codearena::sandbox::executable_dir() + "/codearena-box";
  for (int n = 0; n < 8; ++n) {
    const auto kept = path + "/" + std::to_string(n);
    if (auto keeper = keeper_named_in(lock(n))) {
      const codearena::sandbox::UniqueFd network(::open(kept.c_str(), O_RDONLY | O_CLOEXEC));
      keeper->network = codearena::sandbox::namespace_id(network.get());
      const auto pidfd = codearena::sandbox::open_recorded_keeper(*keeper, helper);
      if (pidfd.valid()) {
        codearena::sandbox::stop_adopted_keeper(pidfd.get(), 0);
        ::waitpid(keeper->pid, nullptr, 0);  // Parked by an engine of this process: its child.
      }
    }
    ::umount2(kept.c_str(), MNT_DETACH);
    ::unlink(kept.c_str());
    ::unlink((kept + ".lock").c_str());
  }
  ::rmdir(path.c_str());
  ::rmdir(path.substr(0, path.rfind('/')).c_str());
}

std::string KeptDir::lock(int n) const {
  return read_host_file(path + "/" + std::to_string(n) + ".lock");
}

std::optional<codearena::sandbox::KeeperRecord> keeper_named_in(const std::string& lock) {
  int pid = 0;
  unsigned long long ticks = 0;
  if (std::sscanf(lock.c_str(), "parked %d %llu", &pid, &ticks) != 2 &&
      std::sscanf(lock.c_str(), "in use %d %llu", &pid, &ticks) != 2)
    return std::nullopt;
  return codearena::sandbox::KeeperRecord{pid, ticks};
}

void remove_kept_cgroups(const std::string& cgroup_parent) {
  using namespace codearena::sandbox;
  const auto location = detect_cgroups("codearena", cgroup_parent);
  make_cgroup_backend(location)->remove_slot(kept_slot_cgroup_name(0));
  for (const auto& [controller, parent] : location.v1_parents) ::rmdir(parent.c_str());
  if (!location.v2_parent.empty()) ::rmdir(location.v2_parent.c_str());
}
