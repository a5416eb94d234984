// A slot's keeper started before its cgroup exists (SandboxConfig::keepers_at_start, as the
// command line starts it): it gets the cgroup later, runs nothing before, and is not left behind
// by an engine that fails to start.
#include <catch2/catch.hpp>

#include "sandbox/errors.h"
#include "sandbox/keeper_protocol.h"
#include "sandbox/precompiled_filters.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervisor.h"
#include "sandbox/wire.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::default_read_only_binds;
using codearena::sandbox::executable_dir;
using codearena::sandbox::KeeperProcess;
using codearena::sandbox::precompiled_seccomp_filter;
using codearena::sandbox::reap_box_keeper;
using codearena::sandbox::SandboxConfig;
using codearena::sandbox::SandboxError;
using codearena::sandbox::SlotConfig;
using codearena::sandbox::start_slot_keeper;
namespace keeper = codearena::sandbox::keeper;
namespace wire = codearena::sandbox::wire;

namespace {

SandboxConfig keepers_at_start() {
  SandboxConfig config;
  config.keepers_at_start = true;
  return config;
}

std::string failure_reason(int control) {
  auto message = wire::receive_message(control);
  REQUIRE(message);
  wire::Reader reader(message->body);
  return keeper::decode_failed(reader).reason;
}

}  // namespace

// Proves the keeper started with the engine serves every run of the slot.
TEST_CASE("a keeper started with the engine serves its slot's runs") {
  Sandbox sandbox(keepers_at_start());
  auto lease = sandbox.slots().acquire();
  std::vector<std::set<pid_t>> keepers;
  for (int i = 0; i < 2; ++i) {
    const RunResult result = lease->run(program_request("exit_code", {"0"}));
    INFO(describe(result));
    CHECK(result.status == RunStatus::kOk);
    keepers.push_back(keeper_pids());
  }
  CHECK(keepers[0].size() == 1);
  CHECK(keepers[1] == keepers[0]);
  expect_clean_slot(lease);
}

// Proves an engine whose cgroups cannot be made stops the keepers it started before it throws.
TEST_CASE("an engine that cannot make its cgroups leaves no keeper started for them") {
  SandboxConfig config = keepers_at_start();
  config.cgroup_parent = "/cgroup.procs";  // A file: no slot cgroup can be made under it.
  CHECK_THROWS_AS(Sandbox(config), SandboxError);
  CHECK(keeper_pids().empty());
}

// Proves a keeper runs nothing before its join message, which brings the slot's cgroup (and the
// network namespace of a keeper started in the engine's).
TEST_CASE("a keeper refuses a run that comes before its join message") {
  SlotConfig slot;
  slot.uid = 61000;
  slot.helper_path = executable_dir() + "/codearena-box";
  slot.staging_dir = SandboxConfig{}.staging_dir;
  slot.binds = default_read_only_binds();
  slot.seccomp_filter = precompiled_seccomp_filter(false);
  slot.seccomp_filter_refuse = precompiled_seccomp_filter(true);
  KeeperProcess started = start_slot_keeper(slot, /*network_later=*/true);
  keeper::RunOrder order;
  order.run_id = 1;
  order.argv = {"/bin/true"};
  wire::send_message(started.control.get(), keeper::encode(order), {0, 1, 2});
  CHECK_THAT(failure_reason(started.control.get()), Catch::Contains("expected the join message"));
  started.control.reset();
  reap_box_keeper(started.pid, 2000);
}
