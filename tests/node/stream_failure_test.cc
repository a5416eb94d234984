#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "node/service.h"
#include "telemetry/log.h"

namespace actors = codearena::actors;
namespace telemetry = codearena::telemetry;

namespace {

// Only bounds a hang; every wait ends on an event.
constexpr auto kPatience = std::chrono::seconds(120);

actors::JobSpec python_job(const std::string& line) {
  actors::JobSpec spec;
  spec.language = "python";
  spec.code = "print(input())";
  spec.tests = {{line, line}, {line, line}};
  return spec;
}

template <class T>
T wait_for(std::future<T>& future) {
  REQUIRE(future.wait_for(kPatience) == std::future_status::ready);
  return future.get();
}

std::string submit(actors::JobService& service, const actors::JobSpec& spec) {
  auto reply = std::make_shared<std::promise<std::optional<actors::SubmitReply>>>();
  auto answer = reply->get_future();
  service.submit(spec, [reply](auto submitted) { reply->set_value(std::move(submitted)); });
  const auto submitted = wait_for(answer);
  REQUIRE(submitted);
  REQUIRE(submitted->refusal == actors::SubmitRefusal::kNone);
  return submitted->job_id;
}

actors::JobState final_state(actors::JobService& service, const std::string& id) {
  auto reply = std::make_shared<std::promise<std::optional<actors::JobStatus>>>();
  auto answer = reply->get_future();
  service.await(id, 60'000, [reply](auto status) { reply->set_value(std::move(status)); });
  const auto status = wait_for(answer);
  REQUIRE(status);
  return status->state;
}

// Watches `id` with callbacks that work, and returns the state the stream ended with.
actors::JobState streamed_final_state(actors::JobService& service, const std::string& id) {
  auto ended = std::make_shared<std::promise<actors::JobState>>();
  auto final = ended->get_future();
  const auto end_if_final = [ended](const actors::JobStatus& status) {
    if (actors::is_final(status.state)) ended->set_value(status.state);
  };
  service.watch(
      id, [end_if_final](auto status) { end_if_final(status.value()); },
      [end_if_final](const actors::JobEvent& event) { end_if_final(event.status); }, 60'000,
      [] { return true; }, [] {});
  return wait_for(final);
}

std::string file_text(int fd) {
  std::string text(static_cast<size_t>(::lseek(fd, 0, SEEK_END)), '\0');
  REQUIRE(::pread(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
  return text;
}

// The first line of `log` about `event` (null when there is none).
nlohmann::json logged_event(const std::string& log, const std::string& event) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    auto fields = nlohmann::json::parse(line);
    if (fields.value("event", "") == event) return fields;
  }
  return nlohmann::json::object();
}

}  // namespace

TEST_CASE("a failing event-stream listener ends only its own stream") {
  const int log_fd = ::memfd_create("node-log", 0);
  REQUIRE(log_fd >= 0);
  telemetry::Logger logger(telemetry::LogLevel::info, log_fd);
  actors::ServiceConfig config;
  config.worker.slots = 2;
  config.logger = &logger;
  actors::JobService service(config);

  const std::string failing = submit(service, python_job("a"));
  auto closed = std::make_shared<std::promise<void>>();
  auto closing = closed->get_future();
  service.watch(
      failing, [](auto) { throw std::runtime_error("the client's first write failed"); },
      [](const actors::JobEvent&) {}, 60'000, [] { return true; },
      [closed] { closed->set_value(); });
  wait_for(closing);

  // The node still takes and judges jobs, and other streams still run to their end.
  CHECK(final_state(service, failing) == actors::JobState::kCompleted);
  const std::string next = submit(service, python_job("b"));
  CHECK(streamed_final_state(service, next) == actors::JobState::kCompleted);
  CHECK(final_state(service, submit(service, python_job("c"))) == actors::JobState::kCompleted);

  const auto failure = logged_event(file_text(log_fd), "event_stream_failed");
  ::close(log_fd);
  CHECK(failure.value("job", "") == failing);
  CHECK(failure.value("error", "") == "the client's first write failed");
}
