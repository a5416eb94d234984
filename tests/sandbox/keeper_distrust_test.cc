// The engine trusts nothing a box keeper says. A forged keeper (forged_keeper.cc) stands in for
// codearena-box and answers each run with one forgery; every one must end as an internal error
// that names the broken protocol, promptly, and the slot must get a new keeper for its next run.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "sandbox/sandbox.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::Contains;
using codearena::sandbox::SandboxConfig;

namespace {

Sandbox& forged_engine() {
  static Sandbox instance{[] {
    SandboxConfig config;
    config.helper_path = FORGED_KEEPER_PATH;
    return config;
  }()};
  return instance;
}

RunResult run_forgery(SlotPool::Lease& lease, const std::string& forgery) {
  RunRequest request;
  request.argv = {forgery};
  request.collect = {"out"};
  request.limits = small_limits();
  request.limits.wall_ms = 500;
  return lease->run(request);
}

}  // namespace

TEST_CASE("keeper distrust: every forged answer is an internal error and the keeper is replaced") {
  auto lease = forged_engine().slots().acquire();
  const char* forgeries[] = {
      "eventfd-file",      "dev-zero-file",         "oversized-file",   "files-larger-than-the-box",
      "file-sent-twice",   "more-files-than-names", "bad-file-name",    "huge-count",
      "huge-string",       "earlier-run",           "later-run",        "stopped-status",
      "exit-before-start", "no-listener",           "pipe-as-listener", "unknown-type",
      "setup-type",        "trailing-bytes",        "oversized-packet", "too-many-descriptors",
      "alive-after-exit",  "ready-during-run",      "join-type"};
  for (const char* forgery : forgeries) {
    const RunResult result = run_forgery(lease, forgery);
    INFO("forgery " << forgery << ": " << describe(result));
    CHECK(result.status == RunStatus::kInternalError);
    CHECK_THAT(result.message, Contains("sandbox") && Contains("protocol"));
    CHECK(result.collected.empty());
    // The lying keeper is gone (killed with everything in its namespaces, the next run starts a
    // new one) and nothing of its run is left in the slot's cgroup.
    CHECK(keeper_pids().empty());
    CHECK(lease->cgroup().process_count() == 0);
  }
}

TEST_CASE("keeper distrust: a keeper that never reports the end is replaced after the grace") {
  auto lease = forged_engine().slots().acquire();
  const RunResult result = run_forgery(lease, "silence");
  INFO(describe(result));
  CHECK(result.status == RunStatus::kInternalError);
  CHECK_THAT(result.message, Contains("did not end the run"));
  CHECK(keeper_pids().empty());
}

TEST_CASE("keeper distrust: a keeper that exits mid-run is replaced for the next run") {
  auto lease = forged_engine().slots().acquire();
  const RunResult first = run_forgery(lease, "exit-without-answer");
  INFO("first: " << describe(first));
  CHECK(first.status == RunStatus::kInternalError);
  CHECK_THAT(first.message, Contains("keeper of this slot died"));
  // The next run reaches a new keeper (whose forgery it then refuses).
  const RunResult second = run_forgery(lease, "earlier-run");
  INFO("second: " << describe(second));
  CHECK_THAT(second.message, Contains("protocol") && Contains("during run"));
}

// A keeper that keeps its ready message is kept: consecutive runs share one.
TEST_CASE("keeper distrust: a keeper that answers ready after each run serves the next") {
  auto lease = forged_engine().slots().acquire();
  REQUIRE(run_forgery(lease, "honest-exit").status == RunStatus::kOk);
  const auto first_keeper = keeper_pids();
  REQUIRE(first_keeper.size() == 1);
  CHECK(run_forgery(lease, "honest-exit").status == RunStatus::kOk);
  CHECK(keeper_pids() == first_keeper);
}

// After a run a keeper owes exactly one message, its word that the run is over and the box
// replaced. A keeper that breaks it is replaced before the next run starts, and that run ends
// ok: another message where the ready belongs (a start), two ready messages, a ready message
// that carries a descriptor, none at all (the engine waits out the grace), or one sent while a
// process it left in the slot's cgroup spins on (it would be charged to the next run).
TEST_CASE(
    "keeper distrust: a keeper that breaks its ready message is replaced before the next run") {
  auto lease = forged_engine().slots().acquire();
  for (const char* forgery : {"stray-message-after-exit", "second-ready", "ready-with-descriptor",
                              "no-ready", "alive-after-ready"}) {
    const RunResult first = run_forgery(lease, forgery);
    INFO("forgery " << forgery << ": " << describe(first));
    REQUIRE(first.status == RunStatus::kOk);
    const auto first_keeper = keeper_pids();
    REQUIRE(first_keeper.size() == 1);
    const RunResult next = run_forgery(lease, "honest-exit");
    INFO("next run: " << describe(next));
    CHECK(next.status == RunStatus::kOk);
    const auto next_keeper = keeper_pids();
    CHECK(next_keeper.size() == 1);
    CHECK(next_keeper != first_keeper);
    CHECK(lease->cgroup().process_count() == 0);
  }
}
