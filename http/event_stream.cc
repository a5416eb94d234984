#include "http/event_stream.h"

#include <regex>

#include "common/json_text.h"
#include "http/job_json.h"

namespace codearena::http {

LastEvent parse_last_event_id(const std::string& id) {
  static const std::regex pattern(R"(a(\d{1,9})-(t(\d{1,9})|[a-z]+))");
  std::smatch match;
  LastEvent last;
  if (!std::regex_match(id, match, pattern)) return last;
  const bool test = match[3].matched;
  if (!test) {
    const auto state = actors::parse_state(match[2].str());
    if (!state) return last;
    last.final = actors::is_final(*state);
  }
  last.known = true;
  last.attempt = std::stoi(match[1].str());
  last.test_index = test ? std::stoi(match[3].str()) : -1;
  return last;
}

std::string state_event_text(const actors::JobStatus& status) {
  return "id: a" + std::to_string(status.attempts) + "-" + actors::state_name(status.state) +
         "\nevent: state\ndata: " + common::lossy_json_text(job_json(status)) + "\n\n";
}

std::string test_event_text(const actors::JobEvent& event) {
  const nlohmann::json data = {
      {"jobId", event.status.id},
      {"progress", progress_json(event.status)},
      {"test", test_json(*event.test)}};
  return "id: a" + std::to_string(event.status.attempts) + "-t" +
         std::to_string(event.test->index) + "\nevent: test\ndata: " +
         common::lossy_json_text(data) + "\n\n";
}

bool already_received(const LastEvent& last, const actors::JobEvent& event) {
  return last.known && event.test && event.status.attempts == last.attempt &&
         event.test->index <= last.test_index;
}

}  // namespace codearena::http
