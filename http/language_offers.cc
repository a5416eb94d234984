#include "http/language_offers.h"

#include <algorithm>

#include "http/job_json.h"

namespace codearena::http {

using nlohmann::json;

json language_offers_json(const judge::LanguageTable& languages,
                          const actors::SchedulerStats* stats) {
  json offers = json::object();
  for (const auto& language : languages.all()) {
    int64_t workers = 0;
    int64_t slots = 0;
    for (const auto& node : stats ? stats->nodes : std::vector<actors::NodeStats>{}) {
      const auto& offered = node.info.languages;
      if (node.draining || std::count(offered.begin(), offered.end(), language.id) == 0) continue;
      ++workers;
      slots += node.info.slots;
    }
    offers[language.id] = {{"available", workers > 0}, {"workers", workers}, {"slots", slots}};
  }
  return offers;
}

json languages_with_offers_json(const judge::LanguageTable& languages,
                                const actors::SchedulerStats* stats) {
  json listed = languages_json(languages);
  const json offers = language_offers_json(languages, stats);
  for (auto& entry : listed["languages"]) entry.update(offers.at(entry["id"].get<std::string>()));
  return listed;
}

}  // namespace codearena::http
