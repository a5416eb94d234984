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
  const char* forgeries[] = {"eventfd-file",      "dev-zero-file",
                             "oversized-file",    "files-larger-than-the-box",
                             "file-sent-twice",   "more-files-than-names",
                             "bad-file-name",     "huge-count",
                             "huge-string",       "earlier-run",
                             "later-run",         "stopped-status",
                             "exit-before-start", "no-listener",
                             "pipe-as-listener",  "unknown-type",
                             "setup-type",        "trailing-bytes",
                             "oversized-packet",  "too-many-descriptors",
                             "alive-after-exit"};
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

// After a run a keeper owes exactly one message, the ready message for the next box: anything
// else (here a start) gets the slot a new keeper before its next run.
TEST_CASE("keeper distrust: a keeper that sends anything but ready after a run is replaced") {
  auto lease = forged_engine().slots().acquire();
  const RunResult first = run_forgery(lease, "stray-message-after-exit");
  INFO("first: " << describe(first));
  REQUIRE(first.status == RunStatus::kOk);
  const auto first_keeper = keeper_pids();
  REQUIRE(first_keeper.size() == 1);
  const RunResult second = run_forgery(lease, "honest-exit");
  INFO("second: " << describe(second));
  CHECK(second.status == RunStatus::kOk);
  const auto second_keeper = keeper_pids();
  CHECK(second_keeper.size() == 1);
  CHECK(second_keeper != first_keeper);
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
