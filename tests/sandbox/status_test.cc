// Every RunStatus, each produced by a test program made for it, with the figures of the run
// (CPU, wall clock, memory, output sizes) checked against what the program really did.
#include <signal.h>
#include <sys/syscall.h>

#include <catch2/catch.hpp>

#include "sandbox/errors.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using codearena::sandbox::SandboxError;
using codearena::sandbox::signal_name;

namespace {

// Runs the request; a SandboxError thrown by run() comes back as an internal_error result whose
// message starts with "thrown: ", so a test can accept either way of refusing a request.
RunResult run_catching(SlotPool::Lease& lease, const RunRequest& request) {
  try {
    return lease->run(request);
  } catch (const SandboxError& error) {
    RunResult result;
    result.status = RunStatus::kInternalError;
    result.message = std::string("thrown: ") + error.what();
    return result;
  }
}

}  // namespace

// Proves the ordinary path: stdin_content reaches the program, stdout comes back complete,
// stderr is separate, and the run is reported ok with small plausible figures.
TEST_CASE("ok: stdout is captured and stdin comes from stdin_content") {
  RunRequest request = program_request("echo_stdin");
  request.stdin_content = std::string("line one\nline two\n");
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.exit_code == 0);
  CHECK(result.signal == 0);
  CHECK(result.stdout_data == "hello from the box\nline one\nline two\n");
  CHECK(result.stderr_data.empty());
  CHECK_FALSE(result.stdout_truncated);
  CHECK(result.wall_ms < 1000);
  CHECK(result.cpu_ms < 500);
  CHECK(result.memory_kb > 0);
  CHECK(result.message.empty());
}

// Proves a non-zero exit is a runtime error carrying the exact exit code.
TEST_CASE("runtime_error: the exit code is reported") {
  const RunResult result = engine().run(program_request("exit_code", {"3"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kRuntimeError);
  CHECK(result.exit_code == 3);
  CHECK(result.signal == 0);
  CHECK_THAT(result.message, Contains("3"));
}

// Proves a crash is reported as killed_by_signal with the signal's number and name.
TEST_CASE("killed_by_signal: a segmentation fault is named SIGSEGV") {
  const RunResult result = engine().run(program_request("segfault"));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kSignaled);
  CHECK(result.signal == SIGSEGV);
  CHECK(signal_name(result.signal) == "SIGSEGV");
  CHECK_THAT(result.message, Contains("SIGSEGV"));
  CHECK(result.stdout_data.empty());
}

// Proves the CPU limit stops a spinning program soon after the limit, not long after. (The wall
// limit is generous so that a busy host, which slows the program, cannot make it the wall's.)
TEST_CASE("cpu_time_limit: a spinning program is stopped at its 1 s limit") {
  RunRequest request = program_request("spin", {"10000"});
  request.limits.wall_ms = 10000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kCpuTimeLimit);
  CHECK(result.cpu_ms >= 1000);
  CHECK(result.cpu_ms <= 1300);
  CHECK(result.stdout_data.empty());
}

// Proves CPU time is measured, not estimated: a 500 ms burner reads about 500 ms.
TEST_CASE("cpu time: a 500 ms burner is measured between 400 and 700 ms") {
  RunRequest request = program_request("spin", {"500"});
  request.limits.cpu_ms = 5000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.cpu_ms >= 400);
  CHECK(result.cpu_ms <= 700);
  CHECK(result.wall_ms >= 400);
}

// Proves every thread is charged: two threads burning 300 ms each cost at least 500 ms, and on
// two cores they do it in parallel (less wall time than CPU time).
TEST_CASE("cpu time: both threads of a 2-thread burner are charged") {
  RunRequest request = program_request("spin_threads", {"2", "300"});
  request.limits.cpu_ms = 5000;
  request.limits.cpu_cores = 2;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.cpu_ms >= 500);
  CHECK(result.cpu_ms <= 1000);
  CHECK_THAT(result.stdout_data, StartsWith("threads=2 "));
}

// Proves the wall-clock limit stops a program that sleeps instead of computing.
TEST_CASE("wall_time_limit: a program sleeping 10 s is stopped at its 1 s limit") {
  RunRequest request = program_request("sleep", {"10"});
  request.limits.wall_ms = 1000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kWallTimeLimit);
  CHECK(result.wall_ms >= 900);
  CHECK(result.wall_ms <= 1500);
  CHECK(result.cpu_ms < 100);
  CHECK(result.stdout_data.empty());
}

// Proves the memory limit holds: touching 200 MiB under a 64 MiB limit ends in memory_limit.
TEST_CASE("memory_limit: touching 200 MiB under a 64 MiB limit") {
  const RunResult result = engine().run(program_request("allocate", {"heap", "200"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kMemoryLimit);
  CHECK(result.memory_kb <= 70 * 1024);
  CHECK(result.stdout_data.empty());
}

// Proves peak memory is measured: 100 MiB touched under a 256 MiB limit reads at least 100 MiB.
TEST_CASE("memory: 100 MiB touched under a 256 MiB limit is measured") {
  RunRequest request = program_request("allocate", {"heap", "100"});
  request.limits.memory_bytes = 256LL << 20;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.memory_kb >= 100 * 1024);
  CHECK(result.memory_kb < 256 * 1024);
  CHECK(result.stdout_data == "allocated 100 MiB\n");
}

// Proves the output limit: a flood is stopped, marked truncated, and exactly output_bytes kept.
TEST_CASE("output_limit: a stdout flood keeps exactly output_bytes") {
  RunRequest request = program_request("flood", {"stdout"});
  request.limits.output_bytes = 10000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOutputLimit);
  CHECK(result.stdout_truncated);
  CHECK(result.stdout_data == std::string(10000, 'x'));
  CHECK_FALSE(result.stderr_truncated);
}

// Proves RLIMIT_FSIZE is enforced and reported as output_limit, not as a plain signal.
TEST_CASE("output_limit: a file growing past file_size_bytes") {
  RunRequest request = program_request("write_file", {"big", "0123456789abcdef", "1000000"});
  request.limits.file_size_bytes = 64 << 10;
  request.collect = {"big"};
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOutputLimit);
  CHECK(result.signal == SIGXFSZ);
  REQUIRE(result.collected.count("big") == 1);
  CHECK(result.collected.at("big").size() == size_t{64 << 10});
}

// Proves a blocked system call ends the run as a security violation naming that call.
TEST_CASE("security_violation: the blocked system call is named") {
  struct Case {
    const char* name;
    std::vector<std::string> args;
  };
  const Case cases[] = {
      {"ptrace", {std::to_string(SYS_ptrace), "16", "1"}},       // PTRACE_ATTACH to PID 1
      {"mount", {std::to_string(SYS_mount)}},                    // mount(NULL, ...)
      {"unshare", {std::to_string(SYS_unshare), "0x10000000"}},  // CLONE_NEWUSER
  };
  for (const auto& entry : cases) {
    const RunResult result = engine().run(program_request("raw_syscall", entry.args));
    INFO(entry.name << ": " << describe(result));
    CHECK(result.status == RunStatus::kSecurityViolation);
    CHECK(result.violation == entry.name);
    CHECK_THAT(result.message, Contains(entry.name));
    CHECK(result.stdout_data.empty());
  }
}

// Proves a program that cannot be executed is the program's fault (exit 127), with a reason.
TEST_CASE("runtime_error: a missing program exits with 127 and a message") {
  RunRequest request;
  request.argv = {"./does-not-exist"};
  request.limits = small_limits();
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kRuntimeError);
  CHECK(result.exit_code == 127);
  CHECK_THAT(result.message, Contains("does-not-exist"));
}

// Proves collection: a file the program wrote in /box comes back byte for byte, and a name it
// never wrote is reported instead of invented.
TEST_CASE("collect: a file written by the program is handed back") {
  RunRequest request = program_request("write_file", {"answer.txt", "forty-two\n", "3"});
  request.collect = {"answer.txt", "never-written.txt"};
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  REQUIRE(result.collected.count("answer.txt") == 1);
  CHECK(result.collected.at("answer.txt") == "forty-two\nforty-two\nforty-two\n");
  CHECK(result.collected.count("never-written.txt") == 0);
  CHECK_THAT(result.message, Contains("never-written.txt"));
}

// Proves collect_max_bytes: a file larger than allowed is refused, with the reason.
TEST_CASE("collect: a file larger than collect_max_bytes is not handed back") {
  RunRequest request = program_request("write_file", {"large.txt", "0123456789", "1000"});
  request.collect = {"large.txt"};
  request.collect_max_bytes = 5000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.collected.count("large.txt") == 0);
  CHECK_THAT(result.message, Contains("large.txt") && Contains("larger"));
}

// Proves the wall-clock budget is the program's own: placing a large input file in /box before
// the program starts does not eat into it, so a run stopped at its wall limit reports at least
// that much wall time.
TEST_CASE("wall_time_limit: copying a large input file does not shorten the limit") {
  RunRequest request = program_request("sleep", {"10"});
  request.files.push_back(InputFile{"input.bin", std::string(48 << 20, 'i'), "", false});
  request.limits.wall_ms = 1000;
  const RunResult result = engine().run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kWallTimeLimit);
  CHECK(result.wall_ms >= 990);
  CHECK(result.wall_ms <= 1500);
}

// Proves a failure inside the keeper while preparing a run (an input file larger than /box)
// comes back as an internal_error result naming the cause, as Slot::run promises, and that the
// slot serves the next run normally.
TEST_CASE("internal_error: an input file larger than /box is reported with its cause") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("exit_code", {"0"});
  request.files.push_back(InputFile{"big", std::string(2 << 20, 'b'), "", false});
  request.limits.box_bytes = 1 << 20;
  const RunResult result = run_catching(lease, request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kInternalError);
  CHECK_THAT(result.message, Contains("/box/big"));
  CHECK_THAT(result.message, !Contains("protocol"));
  expect_clean_slot(lease);
}

// Proves a request naming one input file twice is refused with a message naming the file
// (as a SandboxError or an internal_error result), and the slot keeps working.
TEST_CASE("internal_error: a duplicate input file name is refused with its name") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("exit_code", {"0"});
  request.files.push_back(InputFile{"twice", "one", "", false});
  request.files.push_back(InputFile{"twice", "two", "", false});
  const RunResult result = run_catching(lease, request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kInternalError);
  CHECK_THAT(result.message, Contains("twice"));
  CHECK_THAT(result.message, !Contains("protocol"));
  expect_clean_slot(lease);
}
