// The Server-Sent Events of GET /api/jobs/:id/events: each event's text with its id, and what a
// reconnecting client already has, read from its Last-Event-ID.
//
// Ids: "a<attempt>-t<index>" for a test event, "a<attempt>-<state>" for a state event. A client
// that reconnects after the final state event gets 204 (an EventSource then stops); one that
// reconnects during the job gets the current state and only tests it has not seen. Pure
// functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "actors/job_types.h"

namespace codearena::http {

// What a client's Last-Event-ID says it has received; `known` is false without one (or with an
// id this server did not give).
struct LastEvent {
  bool known = false;
  bool final = false;  // It received the job's final state.
  int32_t attempt = 0;
  int32_t test_index = -1;  // Of the last test event of `attempt`, -1 for none.
};

LastEvent parse_last_event_id(const std::string& id);

// "id: ...\nevent: state\ndata: {job}\n\n".
std::string state_event_text(const actors::JobStatus& status);
// "id: ...\nevent: test\ndata: {jobId, progress, test}\n\n" (the event must carry a test).
std::string test_event_text(const actors::JobEvent& event);

// True when `event` is a test event the client already has according to `last`.
bool already_received(const LastEvent& last, const actors::JobEvent& event);

}  // namespace codearena::http
