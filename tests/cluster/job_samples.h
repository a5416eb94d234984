// Job records with every field set to a value other than its default, and checks that two
// records agree field by field, for the store tests.
#pragma once

#include <string>

#include "actors/job_types.h"
#include "cluster/job_store.h"

namespace codearena::cluster::testing {

// A spec with two test cases, a custom checker and a webhook.
actors::JobSpec full_spec();
// A completed job with a result of two test cases whose output is Unicode in one and bytes
// that are not UTF-8 (with NULs) in the other.
actors::JobStatus full_status(const std::string& id);
// A record with only the id, state and language set, and a small spec.
actors::StoredJob simple_record(const std::string& id, actors::JobState state);

void check_same_spec(const actors::JobSpec& actual, const actors::JobSpec& expected);
void check_same_status(const actors::JobStatus& actual, const actors::JobStatus& expected);

}  // namespace codearena::cluster::testing
