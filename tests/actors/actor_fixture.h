// A deterministic actor system for tests of the actors' state machines: CAF's test coordinator
// runs every message on the test's thread, one at a time, only when the test says so, and
// timers fire only when the test moves the clock on. Nothing depends on how fast the machine is.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include "actors/messages.h"

namespace codearena::actors::testing {

// What a request got back: an answer, an error, or (not yet, or never) nothing.
template <class Answer>
struct Reply {
  std::optional<Answer> answer;
  std::optional<caf::error> error;

  bool arrived() const { return answer || error; }
};

class ActorFixture {
 public:
  ActorFixture();
  // Stops the actors the test kept (keep()), then the system.
  ~ActorFixture();
  ActorFixture(const ActorFixture&) = delete;
  ActorFixture& operator=(const ActorFixture&) = delete;

  // Runs messages until no actor has one left (timers not yet due stay pending).
  void run() { coordinator.run(); }
  // Moves time on by `duration`, firing the timers due meanwhile in order, running every
  // message after each.
  void advance(std::chrono::milliseconds duration);
  // Milliseconds since the Unix epoch on the fixture's clock: a fixed start plus advance().
  int64_t now_ms() const;
  // now_ms() as a function, for the actors' clock settings.
  std::function<int64_t()> clock() const {
    return [this] { return now_ms(); };
  }

  // Ends `actor` with the fixture.
  template <class Handle>
  Handle keep(Handle actor) {
    kept_.push_back(caf::actor_cast<caf::actor>(actor));
    return actor;
  }

  // Sends a request from an actor of its own (its answer goes nowhere else); the reply is
  // filled in once the messages run.
  template <class Answer, class Handle, class... Ts>
  std::shared_ptr<Reply<Answer>> request(const Handle& to, Ts... message) {
    auto reply = std::make_shared<Reply<Answer>>();
    // The target is a spawn argument: CAF 0.17 mishandles function actors without arguments.
    system.spawn(
        [reply, message...](caf::event_based_actor* self, const Handle& target) {
          self->request(target, caf::infinite, message...)
              .then([reply](Answer& answer) { reply->answer = std::move(answer); },
                    [reply](caf::error& error) { reply->error = std::move(error); });
        },
        to);
    return reply;
  }

  // request(), run(), and the answer; fails the test on an error or no answer.
  template <class Answer, class Handle, class... Ts>
  Answer ask(const Handle& to, Ts... message) {
    const auto reply = request<Answer>(to, message...);
    run();
    if (reply->error) FAIL("the request failed: " << system.render(*reply->error));
    REQUIRE(reply->answer);
    return *reply->answer;
  }

  caf::actor_system_config config;
  caf::actor_system system;
  caf::scheduler::test_coordinator& coordinator;

 private:
  caf::actor_clock::time_point start_;
  std::vector<caf::actor> kept_;
};

}  // namespace codearena::actors::testing
