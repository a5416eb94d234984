// Actors that count the messages they handle, for `codearena inspect actors` (docs/inspect.md).
//
// Every actor a node's inspector asks (inspect_self) is spawned as a Counted actor: its
// functor takes a counted_pointer or counted_stateful_pointer instead of the typed handle's own
// pointer, and it answers the inspector with describe(), which only a Counted actor has what
// it needs for. The counting wraps CAF's consume(), the one call every message an actor handles
// goes through, so a new handler cannot escape it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include <caf/mailbox_element.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/messages.h"

namespace codearena::actors {

// What an actor has handled since it started. Written and read only on the actor's own thread
// (CAF orders an actor's turns across threads), so plain fields suffice.
class ActorActivity {
 public:
  using Clock = std::chrono::steady_clock;

  void add(Clock::time_point start, Clock::time_point end) {
    ++handled_;
    busy_ += end - start;
    last_ = end;
  }
  int64_t handled() const { return handled_; }
  int64_t busy_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(busy_).count();
  }
  // -1 before the first message.
  int64_t idle_ms(Clock::time_point now) const {
    if (handled_ == 0) return -1;
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count();
  }

 private:
  int64_t handled_ = 0;
  Clock::duration busy_{};
  Clock::time_point last_{};
};

// Whether `element` is part of an inspection: the inspector's question (local inspect) or the
// leader's view of the cluster asked for one (inspect). Asking must not change the answer.
inline bool is_inspection(caf::mailbox_element& element) {
  auto& content = element.content();
  return !content.empty() && (content.match_element<inspect_atom>(0) ||
                              content.match_element<local<inspect_atom>>(0));
}

// `Base` (a typed_event_based_actor) counting what it handles, inspections aside.
template <class Base>
class Counted : public Base {
 public:
  using Base::Base;

  caf::invoke_message_result consume(caf::mailbox_element& element) override {
    if (is_inspection(element)) return Base::consume(element);
    const auto start = ActorActivity::Clock::now();
    const auto result = Base::consume(element);
    if (result == caf::invoke_message_result::consumed)
      activity_.add(start, ActorActivity::Clock::now());
    return result;
  }

  const ActorActivity& activity() const { return activity_; }

 private:
  ActorActivity activity_;
};

// The self pointers of counted actors of the typed interface `Handle`.
template <class Handle>
using counted_pointer = Counted<typename Handle::base>*;
template <class Handle, class State>
using counted_stateful_pointer = caf::stateful_actor<State, Counted<typename Handle::base>>*;

// An actor's answer to inspect_self. Call on the actor's own thread: only it may count its
// mailbox and read its activity.
template <class Self>
ActorReport describe(Self* self, std::string name, std::string type, std::string state) {
  const auto& activity = self->activity();
  return ActorReport{std::move(name),
                     std::move(type),
                     static_cast<int64_t>(self->mailbox().size()),
                     activity.handled(),
                     activity.idle_ms(ActorActivity::Clock::now()),
                     activity.busy_us(),
                     std::move(state)};
}

}  // namespace codearena::actors
