// The stored JSON form of a job's spec and status (the Redis job store's values).
//
// Objects with the C++ field names in snake_case, enums by name ("queued", "high"), so a job
// is readable with redis-cli. Text that is valid UTF-8 is stored as a JSON string; any other
// bytes (a program's binary output) as {"base64": "..."}, so every byte comes back exactly.
// Decoding ignores unknown fields and leaves missing ones at their defaults, so records
// written by an older or newer node still load. Pure functions, thread-safe.
#pragma once

#include <string>

#include "actors/job_types.h"

namespace codearena::cluster {

std::string encode_spec(const actors::JobSpec& spec);
std::string encode_status(const actors::JobStatus& status);

// Throw StoreError when the text is not JSON of the expected shape.
actors::JobSpec decode_spec(const std::string& text);
actors::JobStatus decode_status(const std::string& text);

}  // namespace codearena::cluster
