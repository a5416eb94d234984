#include "http/event_stream.h"

#include <optional>
#include <string_view>

#include "common/json_text.h"
#include "http/job_json.h"

namespace codearena::http {
namespace {

// Takes 1 to 9 leading decimal digits off `text`; nullopt when it does not start with one.
std::optional<int32_t> take_number(std::string_view& text) {
  size_t digits = 0;
  while (digits < text.size() && digits < 10 && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  int32_t value = 0;
  for (size_t i = 0; i < digits; ++i) value = value * 10 + (text[i] - '0');
  text.remove_prefix(digits);
  return value;
}

}  // namespace

// Read by hand in one pass: the header is the client's, up to the 80 KiB of a request head, and
// std::regex recurses once per character matched (a long id overflowed the thread's stack).
LastEvent parse_last_event_id(const std::string& id) {
  std::string_view rest = id;
  LastEvent last;
  if (rest.substr(0, 1) != "a") return last;
  rest.remove_prefix(1);
  const auto attempt = take_number(rest);
  if (!attempt || rest.substr(0, 1) != "-") return last;
  rest.remove_prefix(1);
  int32_t test_index = -1;
  if (rest.substr(0, 1) == "t") {
    rest.remove_prefix(1);
    const auto index = take_number(rest);
    if (!index || !rest.empty()) return last;
    test_index = *index;
  } else {
    const auto state = actors::parse_state(std::string(rest));
    if (!state) return last;
    last.final = actors::is_final(*state);
  }
  last.known = true;
  last.attempt = *attempt;
  last.test_index = test_index;
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
