// Runs whose input is handed over after the program got ready (sandbox/handover.h): the
// program gets exactly the input, what it wrote while getting ready is not its output, and
// its CPU and wall limits count from the hand-over.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "sandbox/handover.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::Handover;

namespace {

// The program's readiness is a flag the slot's thread sets; it is looked at this often.
constexpr auto kPollInterval = std::chrono::milliseconds(5);

bool wait_until_ready(const Handover& handover, const std::future<RunResult>& run) {
  while (!handover.ready()) {
    if (run.wait_for(kPollInterval) == std::future_status::ready) return false;
  }
  return true;
}

// A hand-over that waits for the line "ready", with room for any warm-up.
std::shared_ptr<Handover> ready_handover(int64_t max_wait_ms = 120'000) {
  return std::make_shared<Handover>("ready", 20'000, max_wait_ms);
}

// `shell` run by /bin/sh in the box, beside the test program `spin`, with small limits.
RunRequest shell_request(const std::string& shell, std::shared_ptr<Handover> handover) {
  RunRequest request = program_request("spin");
  request.argv = {"/bin/sh", "-c", shell};
  request.handover = std::move(handover);
  return request;
}

// Runs `request` and gives its hand-over `input` once the program is ready.
RunResult run_handing_over(const RunRequest& request, const std::string& input) {
  auto run = std::async(std::launch::async, [&] { return engine().run(request); });
  REQUIRE(wait_until_ready(*request.handover, run));
  REQUIRE(request.handover->hand_over(input));
  return run.get();
}

// Runs `shell` (see shell_request) with a hand-over and gives it `input` once it is ready.
RunResult run_handing_over(const std::string& shell, const std::string& input,
                           const std::shared_ptr<Handover>& handover) {
  return run_handing_over(shell_request(shell, handover), input);
}

// Runs `get_ready` (shell that ends with the ready line), then has the program echo the line it
// is handed over; checks that the run ends well with that line as its only output.
RunResult check_echoes_only_its_input(const std::string& get_ready) {
  const RunResult result =
      run_handing_over(get_ready + " read line; echo \"$line\"", "input\n", ready_handover());
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "input\n");
  return result;
}

// The run ended as `status` without its input: nothing was delivered and it wrote nothing.
void check_ended_without_input(const RunResult& result, const Handover& handover,
                               RunStatus status) {
  INFO(describe(result));
  CHECK(result.status == status);
  CHECK_FALSE(handover.delivered());
  CHECK(result.stdout_data.empty());
}

}  // namespace

// The warm-up burns 1.5 s of CPU against a 1 s limit, which only the hand-over accounting lets
// through; then the program echoes its stdin.
TEST_CASE("handover: the input reaches the program, and limits count from the hand-over") {
  auto handover = std::make_shared<Handover>("ready", /*warm_up_cpu_ms=*/20'000,
                                             /*max_wait_ms=*/120'000);
  CHECK_FALSE(handover->hand_over("too early"));
  auto run = std::async(std::launch::async, [&] {
    return engine().run(
        shell_request("./spin 1500 >/dev/null; echo ready; exec /bin/cat", handover));
  });
  REQUIRE(wait_until_ready(*handover, run));
  REQUIRE(handover->hand_over("the input\n"));
  CHECK_FALSE(handover->hand_over("a second input"));
  const RunResult result = run.get();
  INFO(describe(result));
  CHECK(handover->delivered());
  CHECK(handover->unread_bytes() == 0);
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "the input\n");
  CHECK(result.cpu_ms < 1000);
}

// After the hand-over the run's own CPU limit holds.
TEST_CASE("handover: a program that spins after the hand-over hits the CPU limit") {
  // A wall limit far above the CPU limit: on a loaded machine the spin may get a small share
  // of a core, and the CPU limit is what this test is about.
  RunRequest request = shell_request("echo ready; read line; exec ./spin 5000", ready_handover());
  request.limits.wall_ms = 120'000;
  const RunResult result = run_handing_over(request, "go\n");
  INFO(describe(result));
  CHECK(result.status == RunStatus::kCpuTimeLimit);
  CHECK(result.cpu_ms >= 1000);
}

// A program that never says it is ready gets nothing, and ends at the longest wait instead of
// holding its slot.
TEST_CASE("handover: a run that gets no input ends after the longest wait") {
  auto handover = ready_handover(/*max_wait_ms=*/300);
  auto run = std::async(std::launch::async,
                        [&] { return engine().run(shell_request("exec /bin/cat", handover)); });
  CHECK_FALSE(handover->hand_over("never read"));
  check_ended_without_input(run.get(), *handover, RunStatus::kWallTimeLimit);
}

// The program starts with the read end of its stdin pipe as descriptor 0 and nothing beyond
// 2: the write end stays in the engine, and the program cannot write into its own input.
TEST_CASE("handover: the program holds descriptors 0, 1, 2 only, and cannot write its stdin") {
  const RunResult result = run_handing_over(
      "echo ready; read line; ls /proc/$$/fd; echo \"$line\" >&0 2>/dev/null || echo refused",
      "input\n", ready_handover());
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "0\n1\n2\nrefused\n");
}

// A program may try to open its stdin pipe again for writing (/proc/self/fd/0) and fill it
// before it says it is ready, so that the engine's write of the input waits for a reader that
// never comes. The pipe is the engine's (root's, mode 0600): the open is refused, and the
// engine's write end does not block anyway.
TEST_CASE("handover: a program cannot fill its own stdin pipe ahead of the input") {
  auto handover = ready_handover();
  const RunResult result = run_handing_over(
      "dd if=/dev/zero of=/proc/$$/fd/0 bs=4096 count=1024 oflag=nonblock 2>/dev/null"
      " || echo refused >/tmp/open; echo ready; read line; cat /tmp/open; echo \"$line\"",
      "input\n", handover);
  INFO(describe(result));
  CHECK(handover->delivered());
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "refused\ninput\n");
}

// Cancelled once ready, the run ends without its input, whatever the caller does after.
TEST_CASE("handover: a run cancelled before the hand-over never gets its input") {
  auto handover = ready_handover();
  RunRequest request = shell_request("echo ready; read line; echo \"$line\"", handover);
  request.cancel_token = std::make_shared<codearena::sandbox::CancelToken>();
  auto run = std::async(std::launch::async, [&] { return engine().run(request); });
  REQUIRE(wait_until_ready(*handover, run));
  request.cancel_token->cancel();
  handover->hand_over("input\n");
  check_ended_without_input(run.get(), *handover, RunStatus::kCancelled);
}

// The hand-over changes what the run counts, not what it may do: a system call the box denies
// stays denied after it.
TEST_CASE("handover: a blocked system call after the hand-over is a violation") {
  const RunResult result =
      run_handing_over("echo ready; read line; ls -l /", "go\n", ready_handover());
  INFO(describe(result));
  CHECK(result.status == RunStatus::kSecurityViolation);
}

// What the program writes before the hand-over is not its output, however much: a flood before
// it is ready neither ends the run nor reaches the output after the hand-over.
TEST_CASE("handover: output before the hand-over is dropped, however large") {
  const RunResult result = check_echoes_only_its_input(
      "head -c 1000000 /dev/zero >&2; head -c 1000000 /dev/zero; echo; echo ready;");
  CHECK(result.stderr_data.empty());
}

// Only the agreed line makes the program ready: a line of something else, or "ready" split
// over two writes with work between, must not bring the hand-over (and the run's limits)
// forward, or the input would pay for the rest of the warm-up (1.5 s against a 1 s limit).
TEST_CASE("handover: only the whole ready line makes the program ready") {
  const RunResult result = check_echoes_only_its_input(
      "echo warning: not ready yet; printf rea; ./spin 1500 >/dev/null; echo dy;");
  CHECK(result.cpu_ms < 1000);
}

// A program can end as its input comes, before it reads it (a spare that dies then): the input
// is delivered but still in the pipe, and the caller can tell it was never taken.
TEST_CASE("handover: input the program never read is counted as unread") {
  auto handover = ready_handover();
  RunRequest request = shell_request("echo ready; exec sleep 1000 </dev/null", handover);
  request.limits.wall_ms = 300;
  auto run = std::async(std::launch::async, [&] { return engine().run(request); });
  REQUIRE(wait_until_ready(*handover, run));
  REQUIRE(handover->hand_over("input\n"));
  const RunResult result = run.get();
  INFO(describe(result));
  CHECK(result.status == RunStatus::kWallTimeLimit);
  CHECK(handover->delivered());
  CHECK(handover->unread_bytes() == 6);
}
