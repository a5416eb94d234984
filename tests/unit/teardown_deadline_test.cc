#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "app/teardown_deadline.h"

using codearena::app::TeardownDeadline;
using namespace std::chrono_literals;

namespace {

struct ChildOutcome {
  int exit_code = -1;
  bool expiry_ran = false;
};

// Runs `body` in a forked child that otherwise exits 0 and reports whether the deadline's
// expiry callback ran (through a pipe) and how the child ended.
template <typename Body>
ChildOutcome run_in_child(Body body) {
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_ends[0]);
    body([fd = pipe_ends[1]] { (void)!::write(fd, "x", 1); });
    ::_exit(0);
  }
  ::close(pipe_ends[1]);
  ChildOutcome outcome;
  char byte = 0;
  outcome.expiry_ran = ::read(pipe_ends[0], &byte, 1) == 1;
  ::close(pipe_ends[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  outcome.exit_code = WEXITSTATUS(status);
  return outcome;
}

}  // namespace

TEST_CASE("a teardown that outlasts the deadline ends the process with the given code") {
  const auto outcome = run_in_child([](auto note_expiry) {
    TeardownDeadline deadline;
    deadline.arm(50ms, 7, note_expiry);
    std::this_thread::sleep_for(60s);  // A teardown that hangs.
  });
  CHECK(outcome.expiry_ran);
  CHECK(outcome.exit_code == 7);
}

TEST_CASE("a teardown that ends in time disarms the deadline") {
  const auto outcome = run_in_child([](auto note_expiry) {
    TeardownDeadline deadline;
    deadline.arm(60s, 7, note_expiry);
  });
  CHECK_FALSE(outcome.expiry_ran);
  CHECK(outcome.exit_code == 0);
}

TEST_CASE("a deadline never armed costs nothing") {
  const auto outcome = run_in_child([](auto) { TeardownDeadline deadline; });
  CHECK_FALSE(outcome.expiry_ran);
  CHECK(outcome.exit_code == 0);
}
