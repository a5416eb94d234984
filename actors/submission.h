// The submission actor: the entry point of one node for clients (the HTTP front end). It gives
// each job its id (a random UUID) and forwards submissions, waits, cancels and watches
// to the scheduler, whose replies go straight back to the client.
#pragma once

#include <caf/fwd.hpp>

#include "actors/messages.h"

namespace codearena::actors {

submission_actor spawn_submission(caf::actor_system& system, scheduler_actor scheduler);

// A random (version 4) UUID in its canonical text form.
std::string random_uuid(uint64_t high, uint64_t low);

}  // namespace codearena::actors
