// What the cluster can run now, per language: the workers offering it (WORKER_LANGUAGES) among
// the nodes the leader knows, for /api/languages and /api/stats. Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "actors/job_types.h"
#include "judge/languages.h"

namespace codearena::http {

// {"<language id>": {"available", "workers", "slots"}} for every language of the table: the
// workers offering it that take jobs now (not draining) and their slots. `stats` null (no
// leader answered): every language unavailable.
nlohmann::json language_offers_json(const judge::LanguageTable& languages,
                                    const actors::SchedulerStats* stats);

// languages_json (http/job_json.h) with each language's "available", "workers" and "slots" as
// language_offers_json gives them.
nlohmann::json languages_with_offers_json(const judge::LanguageTable& languages,
                                          const actors::SchedulerStats* stats);

}  // namespace codearena::http
