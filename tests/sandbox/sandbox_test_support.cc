#include "tests/sandbox/sandbox_test_support.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>
#include <sstream>

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

void expect_clean_slot(SlotPool::Lease& lease) {
  CHECK(!lease->cgroup().holds_processes());

  const RunResult probe = lease->run(program_request("probe"));
  INFO("probe: " << describe(probe));
  REQUIRE(probe.status == RunStatus::kOk);
  const ProbeReport report = parse_probe(probe.stdout_data);
  // Process numbers restart with every run (the keeper is 1, its worker thread 2): they tell
  // nothing of earlier runs.
  CHECK(report.self == 3);
  CHECK(report.pids == std::set<int>{report.self});
  CHECK(report.box == std::set<std::string>{"probe"});
  CHECK(report.tmp.empty());
  CHECK(report.ipc == std::set<std::string>{"msg 0", "sem 0", "shm 0"});
  CHECK(!lease->cgroup().holds_processes());

  RunRequest trivial;
  trivial.argv = {"/bin/true"};
  trivial.limits = small_limits();
  const RunResult result = lease->run(trivial);
  INFO("trivial run: " << describe(result));
  CHECK(result.status == RunStatus::kOk);
}

