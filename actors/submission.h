// The submission actor: the entry point of one node for clients (the HTTP front end). It gives
// each job its id (a random UUID) and forwards submissions, status queries, waits, cancels and
// watches to the leader, whose replies go straight back to the client. The node's membership
// tells it who leads (leader_atom); while nobody does, submissions are refused with "no_leader"
// and the other requests fail.
#pragma once

#include <caf/fwd.hpp>

#include "actors/messages.h"

namespace codearena::actors {

// `leader` may be invalid (none known yet). With `track_requests` (a cluster, where leaders
// change) requests are kept until answered and sent again to the next leader; without, they are
// delegated to the leader.
submission_actor spawn_submission(caf::actor_system& system, scheduler_actor leader = {},
                                  bool track_requests = false);

// A random (version 4) UUID in its canonical text form.
std::string random_uuid(uint64_t high, uint64_t low);

}  // namespace codearena::actors
