#include "tests/actors/actor_fixture.h"

namespace codearena::actors::testing {
namespace {

// 2026-01-01T00:00:00Z: job times in the tests are plausible ones.
constexpr int64_t kStartMs = 1'767'225'600'000;

caf::actor_system_config& testing_config(caf::actor_system_config& config) {
  register_message_types(config);
  config.set("scheduler.policy", caf::atom("testing"));
  config.set("logger.file-verbosity", caf::atom("quiet"));
  return config;
}

}  // namespace

ActorFixture::ActorFixture()
    : system(testing_config(config)),
      coordinator(dynamic_cast<caf::scheduler::test_coordinator&>(system.scheduler())),
      start_(coordinator.clock().now()) {
  // Requests a test leaves unanswered on purpose (a stepped-down leader drops them) keep their
  // askers alive; they must not hold the shutdown.
  system.await_actors_before_shutdown(false);
}

ActorFixture::~ActorFixture() {
  for (const auto& actor : kept_) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  run();
}

void ActorFixture::advance(std::chrono::milliseconds duration) {
  run();
  const auto until = coordinator.clock().now() + duration;
  // One timer at a time: a timer's message may arm the next one, which must fire too when due.
  while (coordinator.clock().has_pending_timeout() &&
         coordinator.clock().schedule().begin()->first <= until) {
    coordinator.trigger_timeout();
    run();
  }
  coordinator.clock().current_time = until;
}

int64_t ActorFixture::now_ms() const {
  const auto elapsed = coordinator.clock().now() - start_;
  return kStartMs + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

}  // namespace codearena::actors::testing
