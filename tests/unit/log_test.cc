// JSON line logs: levels, the line's shape, bad UTF-8, and lines from many threads.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/epoch_ms.h"
#include "telemetry/log.h"

using namespace codearena::telemetry;

namespace {

// A pipe the logger writes to, as to a container's stderr, drained by a thread. The pipe is
// one page small, so a longer line reaches it in several pieces that writers could interleave.
// lines() closes the writing end and returns what was written; call it once.
class LogPipe {
 public:
  LogPipe() {
    int ends[2];
    REQUIRE(pipe2(ends, O_CLOEXEC) == 0);
    read_fd_ = ends[0];
    write_fd_ = ends[1];
    REQUIRE(fcntl(write_fd_, F_SETPIPE_SZ, 4096) >= 0);
    reader_ = std::thread([this] {
      char buffer[4096];
      for (ssize_t n; (n = read(read_fd_, buffer, sizeof buffer)) > 0;) {
        text_.append(buffer, static_cast<size_t>(n));
      }
    });
  }
  ~LogPipe() {
    if (reader_.joinable()) close_writer_and_drain();
    close(read_fd_);
  }
  int fd() const { return write_fd_; }

  std::vector<std::string> lines() {
    close_writer_and_drain();
    REQUIRE((text_.empty() || text_.back() == '\n'));
    std::vector<std::string> lines;
    std::istringstream stream(text_);
    for (std::string line; std::getline(stream, line);) lines.push_back(line);
    return lines;
  }

 private:
  void close_writer_and_drain() {
    close(write_fd_);
    reader_.join();
  }

  int read_fd_ = -1;
  int write_fd_ = -1;
  std::string text_;
  std::thread reader_;
};

}  // namespace

TEST_CASE("log levels parse from LOG_LEVEL values", "[log]") {
  CHECK(parse_log_level("debug") == LogLevel::debug);
  CHECK(parse_log_level("info") == LogLevel::info);
  CHECK(parse_log_level("WARN") == LogLevel::warn);
  CHECK(parse_log_level("Error") == LogLevel::error);
  REQUIRE_THROWS_WITH(parse_log_level("verbose"),
                      Catch::Contains("verbose") && Catch::Contains("debug, info, warn, error"));
  REQUIRE_THROWS_AS(parse_log_level(""), std::invalid_argument);
  REQUIRE_THROWS_AS(parse_log_level("information"), std::invalid_argument);
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error}) {
    CHECK(parse_log_level(log_level_name(level)) == level);
  }
}

TEST_CASE("log and API times are UTC with milliseconds", "[log]") {
  using codearena::common::iso8601_utc;
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso8601_utc(1795643992123) == "2026-11-25T21:59:52.123Z");  // 2026-11-25 21:59:52 UTC
  CHECK(iso8601_utc(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("a log line is time, level, event, then the fields", "[log]") {
  LogPipe output;
  Logger logger(LogLevel::info, output.fd());
  logger.log(LogLevel::info, "http_request",
             {{"method", "GET"}, {"status", 200}, {"duration_ms", 1.5}});
  std::vector<std::string> lines = output.lines();
  REQUIRE(lines.size() == 1);
  std::regex shape(R"(\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",)"
                   R"("level":"info","event":"http_request",.*\})");
  CHECK(std::regex_match(lines[0], shape));
  nlohmann::json line = nlohmann::json::parse(lines[0]);
  CHECK(line["method"] == "GET");
  CHECK(line["status"] == 200);
  CHECK(line["duration_ms"] == 1.5);
  CHECK(line.size() == 6);
}

TEST_CASE("levels below the logger's are not written", "[log]") {
  LogPipe output;
  Logger logger(LogLevel::warn, output.fd());
  CHECK_FALSE(logger.enabled(LogLevel::debug));
  CHECK_FALSE(logger.enabled(LogLevel::info));
  CHECK(logger.enabled(LogLevel::warn));
  CHECK(logger.enabled(LogLevel::error));
  logger.log(LogLevel::debug, "hidden");
  logger.log(LogLevel::info, "hidden");
  logger.log(LogLevel::warn, "shown");
  logger.log(LogLevel::error, "shown");
  std::vector<std::string> lines = output.lines();
  REQUIRE(lines.size() == 2);
  CHECK(nlohmann::json::parse(lines[0])["level"] == "warn");
  CHECK(nlohmann::json::parse(lines[1])["level"] == "error");
}

TEST_CASE("fields never overwrite time, level or event", "[log]") {
  LogPipe output;
  Logger logger(LogLevel::debug, output.fd());
  logger.log(LogLevel::debug, "job_done", {{"event", "forged"}, {"level", "error"}});
  logger.log(LogLevel::debug, "odd_fields", nlohmann::json::array({1, 2}));
  logger.log(LogLevel::debug, "no_fields");
  std::vector<std::string> lines = output.lines();
  REQUIRE(lines.size() == 3);
  nlohmann::json first = nlohmann::json::parse(lines[0]);
  CHECK(first["event"] == "job_done");
  CHECK(first["level"] == "debug");
  CHECK(first["_event"] == "forged");
  CHECK(first["_level"] == "error");
  CHECK(nlohmann::json::parse(lines[1])["fields"] == nlohmann::json::array({1, 2}));
  CHECK(nlohmann::json::parse(lines[2]).size() == 3);
}

TEST_CASE("invalid UTF-8 is replaced, not thrown", "[log]") {
  LogPipe output;
  Logger logger(LogLevel::info, output.fd());
  const std::string broken =
      "ab\xff\xfe"
      "c";
  REQUIRE_NOTHROW(logger.log(LogLevel::info, broken, {{"stdout", broken}, {broken, 1}}));
  std::vector<std::string> lines = output.lines();
  REQUIRE(lines.size() == 1);
  nlohmann::json line = nlohmann::json::parse(lines[0]);
  const std::string replaced =
      "ab\xEF\xBF\xBD\xEF\xBF\xBD"
      "c";
  CHECK(line["event"] == replaced);
  CHECK(line["stdout"] == replaced);
  CHECK(line[replaced] == 1);
}

TEST_CASE("lines from many threads never mix", "[log]") {
  LogPipe output;
  Logger logger(LogLevel::info, output.fd());
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  // Longer than the pipe, so whole lines come from the logger's lock and not from the kernel.
  const std::string padding(5000, 'x');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kLines; ++i) {
        logger.log(LogLevel::info, "tick", {{"thread", t}, {"i", i}, {"padding", padding}});
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<std::string> lines = output.lines();
  REQUIRE(lines.size() == kThreads * kLines);
  std::set<std::pair<int, int>> seen;
  for (const std::string& text : lines) {
    nlohmann::json line = nlohmann::json::parse(text);
    CHECK(line["padding"] == padding);
    seen.emplace(line["thread"].get<int>(), line["i"].get<int>());
  }
  CHECK(seen.size() == kThreads * kLines);
}
