// What only the Redis job store has: the layout in Redis, scripts, URLs, lost connections and
// a server that crashes and comes back.
#include <catch2/catch.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "cluster/errors.h"
#include "cluster/record_json.h"
#include "cluster/redis_job_store.h"
#include "tests/cluster/job_samples.h"
#include "tests/support/redis_server.h"

using namespace codearena::cluster;
using namespace codearena::cluster::testing;
using codearena::actors::JobHop;
using codearena::actors::JobState;
using codearena::actors::StoredJob;
using codearena::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

RedisOptions options_for(const RedisServer& server) {
  return RedisOptions{server.url(), 5s, "test:"};
}

std::map<std::string, std::string> hash_of(RedisConnection& redis, const std::string& key) {
  const RedisReply reply = redis.command({"HGETALL", key});
  std::map<std::string, std::string> fields;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    fields[reply.elements[i].text] = reply.elements[i + 1].text;
  }
  return fields;
}

}  // namespace

TEST_CASE("redis: a job is one hash of readable JSON, indexed while unfinished",
          "[cluster][redis]") {
  RedisServer server;
  RedisJobStore store(options_for(server));
  RedisConnection redis(options_for(server));
  store.write(4, {simple_record("j1", JobState::kQueued)});

  auto fields = hash_of(redis, "test:job:j1");
  CHECK(fields["epoch"] == "4");
  CHECK(nlohmann::json::parse(fields["status"]).at("state") == "queued");
  CHECK(nlohmann::json::parse(fields["spec"]).at("language") == "python");
  CHECK(redis.command({"SISMEMBER", "test:jobs:unfinished", "j1"}).integer == 1);
  CHECK(redis.command({"PTTL", "test:job:j1"}).integer == -1);
  CHECK(redis.command({"GET", "test:epoch"}).text == "4");

  store.write(4, {simple_record("j1", JobState::kCompleted)});
  CHECK(redis.command({"SISMEMBER", "test:jobs:unfinished", "j1"}).integer == 0);
  const long long ttl_ms = redis.command({"PTTL", "test:job:j1"}).integer;
  CHECK(ttl_ms > 3'500'000);
  CHECK(ttl_ms <= 3'600'000);
}

TEST_CASE("redis: a finished job expires and keeps each test's output up to the bound",
          "[cluster][redis][memory]") {
  RedisServer server;
  constexpr size_t kKept = 64 << 10;
  RedisJobStore store(options_for(server), 10min, kKept);
  RedisConnection redis(options_for(server));
  StoredJob record = simple_record("big", JobState::kCompleted);
  record.status.result.emplace().tests.resize(3);
  for (auto& test : record.status.result->tests) {
    test.stdout_data = std::string(3 << 20, 'o');
    test.stderr_data = "short";
  }
  store.write(1, {record});

  const long long stored_bytes = redis.command({"HSTRLEN", "test:job:big", "status"}).integer;
  CHECK(stored_bytes > static_cast<long long>(3 * kKept));
  CHECK(stored_bytes < static_cast<long long>(3 * kKept + 4096));
  const auto status = store.read_status("big");
  REQUIRE(status);
  REQUIRE(status->result);
  for (const auto& test : status->result->tests) {
    CHECK(test.stdout_data == std::string(kKept, 'o'));
    CHECK(test.stdout_truncated);
    CHECK(test.stderr_data == "short");
    CHECK_FALSE(test.stderr_truncated);
  }
  const long long ttl_ms = redis.command({"PTTL", "test:job:big"}).integer;
  CHECK(ttl_ms > 0);
  CHECK(ttl_ms <= 600'000);
}

TEST_CASE("redis: stored text stays a JSON string unless it is not UTF-8", "[cluster][redis]") {
  auto status = full_status("j");
  status.failed_reason = "caf\xc3\xa9";
  status.result->message = std::string("\x00\xff", 2);
  const auto stored = nlohmann::json::parse(encode_status(status));
  CHECK(stored.at("failed_reason") == "caf\xc3\xa9");
  CHECK(stored.at("result").at("message") == nlohmann::json{{"base64", "AP8="}});
  CHECK(decode_status(encode_status(status)).result->message == status.result->message);
  status.timeline = {JobHop{7, "dispatched", "worker-1", "attempt 1"}};
  const auto timeline = decode_status(encode_status(status)).timeline;
  REQUIRE(timeline.size() == 1);
  CHECK(timeline[0].at_ms == 7);
  CHECK(timeline[0].event == "dispatched");
  CHECK(timeline[0].detail == "attempt 1");
  CHECK_THROWS_AS(decode_status("{\"state\": \"sleeping\"}"), StoreError);
  CHECK_THROWS_AS(decode_status("not json"), StoreError);
}

TEST_CASE("redis: the first write sends the script, later ones only its SHA", "[cluster][redis]") {
  RedisServer server;
  RedisJobStore store(options_for(server));
  store.write(1, {simple_record("a", JobState::kQueued)});
  CHECK(store.counters().commands == 2);  // EVALSHA refused with NOSCRIPT, then EVAL.
  store.write(1, {simple_record("b", JobState::kQueued)});
  CHECK(store.counters().commands == 3);

  RedisConnection(options_for(server)).command({"SCRIPT", "FLUSH"});
  store.write(1, {simple_record("c", JobState::kQueued)});
  CHECK(store.counters().commands == 5);
  CHECK(store.load_unfinished().size() == 3);
}

TEST_CASE("redis: URLs are parsed or refused with the reason", "[cluster][redis]") {
  const auto full = parse_redis_url("redis://cache.internal:6380/2");
  CHECK(full.host == "cache.internal");
  CHECK(full.port == 6380);
  CHECK(full.db == 2);
  const auto minimal = parse_redis_url("redis://10.0.0.5");
  CHECK(minimal.host == "10.0.0.5");
  CHECK(minimal.port == 6379);
  CHECK(minimal.db == 0);

  CHECK_THROWS_WITH(parse_redis_url("http://host:6379"),
                    Catch::Contains("must start with redis://"));
  CHECK_THROWS_WITH(parse_redis_url("redis://host:port"), Catch::Contains("bad port 'port'"));
  CHECK_THROWS_WITH(parse_redis_url("redis://host:70000"), Catch::Contains("bad port"));
  CHECK_THROWS_WITH(parse_redis_url("redis://:6379"), Catch::Contains("no host"));
  CHECK_THROWS_WITH(parse_redis_url("redis://host:6379/x"), Catch::Contains("bad database number"));
  CHECK_THROWS_WITH(parse_redis_url("redis://user:pw@host"), Catch::Contains("credentials"));
}

TEST_CASE("redis: the database number in the URL is selected", "[cluster][redis]") {
  RedisServer server;
  RedisOptions options = options_for(server);
  options.url += "/3";
  RedisJobStore store(options);
  store.write(1, {simple_record("in-db-3", JobState::kQueued)});
  RedisConnection db0(options_for(server));
  RedisConnection db3(options);
  CHECK(db0.command({"EXISTS", "test:job:in-db-3"}).integer == 0);
  CHECK(db3.command({"EXISTS", "test:job:in-db-3"}).integer == 1);
}

TEST_CASE("redis: an unreachable server is StoreUnavailableError", "[cluster][redis]") {
  RedisOptions options;
  options.url = "redis://127.0.0.1:" + std::to_string(codearena::testing::free_loopback_port());
  CHECK_THROWS_AS(RedisJobStore(options), StoreUnavailableError);
}

TEST_CASE("redis: jobs written before a kill -9 survive the restart (AOF, fsync always)",
          "[cluster][redis][restart]") {
  RedisServer server(RedisServer::Options{true});
  RedisJobStore store(options_for(server));
  store.write(
      8, {StoredJob{full_status("done"), full_spec()}, simple_record("queued", JobState::kQueued)});

  server.kill_hard();
  CHECK_THROWS_AS(store.read_status("done"), StoreUnavailableError);
  server.start();

  // The same store reconnects on its next call.
  const auto done = store.read_status("done");
  REQUIRE(done);
  check_same_status(*done, full_status("done"));
  const auto unfinished = store.load_unfinished();
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].status.id == "queued");
  CHECK(store.counters().connects == 2);
  // The fencing epoch survived too.
  CHECK_THROWS_AS(store.write(7, {simple_record("queued", JobState::kActive)}), FencedError);
}

TEST_CASE("redis: every field of a job survives its stored JSON, escapes and numbers included",
          "[cluster][redis]") {
  using namespace codearena::cluster::testing;
  auto spec = full_spec();
  spec.code = "print(\"tab\\there\")\n\x01\x1f end \\ \"quoted\" \u00e9\u4e2d";
  spec.checker_absolute_epsilon = 1e-6;
  spec.checker_relative_epsilon = 0.1;
  const std::string spec_text = encode_spec(spec);
  CHECK_NOTHROW(nlohmann::json::parse(spec_text));  // Valid JSON for any other reader too.
  check_same_spec(decode_spec(spec_text), spec);

  auto status = full_status("job-escapes");
  status.failed_reason = "control \x02 and \x7f and \r\n";
  const std::string status_text = encode_status(status);
  CHECK_NOTHROW(nlohmann::json::parse(status_text));
  check_same_status(decode_status(status_text), status);
}

namespace {

// A spec and two statuses exactly as nodes before optional fields and enum verdicts wrote them.
const char* const kOldSpec =
    R"j({"language":"cpp","code":"int main() {}\n","input":"stdin","tests":[{"input":"1 2\n","has_expected_output":true,"expected_output":"3\n"},{"input":"4\n","has_expected_output":false,"expected_output":""}],"time_limit_ms":1500,"memory_limit_bytes":67108864,"output_limit_bytes":4096,"checker":"float","checker_absolute_epsilon":0.25,"checker_relative_epsilon":0.125,"checker_language":"","checker_code":"","stop_on_first_failure":true,"priority":"high","callback_url":"https://example.test/hook"})j";
const char* const kOldActiveStatus =
    R"j({"id":"old-1","state":"active","tests_done":1,"tests_total":2,"has_result":false,"failed_reason":"","attempts":1,"language":"cpp","priority":"high","created_at_ms":1700000000123,"started_at_ms":1700000000456,"finished_at_ms":0})j";
const char* const kOldCompletedStatus =
    R"j({"id":"old-2","state":"completed","tests_done":2,"tests_total":2,"has_result":true,"result":{"verdict":"WA","language":"cpp","compile_output":"","compile_cached":true,"tests":[{"index":0,"verdict":"AC","cpu_ms":3,"wall_ms":0,"memory_kb":0,"exit_code":0,"signal":"","stdout_data":"3\n","stderr_data":"","message":""},{"index":1,"verdict":"WA","cpu_ms":0,"wall_ms":0,"memory_kb":0,"exit_code":0,"signal":"","stdout_data":"5\n","stderr_data":"","message":"expected '4', got '5'"}],"passed":1,"total":2,"max_cpu_ms":3,"max_memory_kb":0,"message":"","time_limit_ms":1500,"memory_limit_bytes":67108864,"output_limit_bytes":4096},"failed_reason":"","attempts":1,"language":"cpp","priority":"high","created_at_ms":1700000000123,"started_at_ms":1700000000456,"finished_at_ms":1700000000789})j";

// Whether `written` holds every field of `old` with the same value, at every depth (fields added
// since are allowed: older nodes ignore them).
bool keeps_every_field(const nlohmann::json& written, const nlohmann::json& old) {
  if (old.is_object()) {
    if (!written.is_object()) return false;
    for (const auto& [key, value] : old.items()) {
      if (!written.contains(key) || !keeps_every_field(written.at(key), value)) return false;
    }
    return true;
  }
  if (old.is_array()) {
    if (!written.is_array() || written.size() != old.size()) return false;
    for (size_t i = 0; i < old.size(); ++i) {
      if (!keeps_every_field(written[i], old[i])) return false;
    }
    return true;
  }
  return written == old;
}

}  // namespace

TEST_CASE("redis: jobs written by older nodes load, and are written back in the same JSON",
          "[cluster][redis]") {
  RedisServer server;
  RedisConnection redis(options_for(server));
  redis.command(
      {"HSET", "test:job:old-1", "status", kOldActiveStatus, "epoch", "3", "spec", kOldSpec});
  redis.command({"SADD", "test:jobs:unfinished", "old-1"});
  redis.command({"HSET", "test:job:old-2", "status", kOldCompletedStatus, "epoch", "3"});
  RedisJobStore store(options_for(server));

  const auto unfinished = store.load_unfinished();
  REQUIRE(unfinished.size() == 1);
  const auto& job = unfinished[0];
  CHECK(job.status.id == "old-1");
  CHECK(job.status.state == JobState::kActive);
  CHECK_FALSE(job.status.result);
  REQUIRE(job.spec);
  REQUIRE(job.spec->tests.size() == 2);
  CHECK(job.spec->tests[0].expected_output == "3\n");
  CHECK_FALSE(job.spec->tests[1].expected_output);
  CHECK(job.spec->checker == codearena::actors::CheckerKind::kFloat);
  CHECK(job.spec->checker_absolute_epsilon == 0.25);
  CHECK(job.spec->priority == codearena::actors::Priority::kHigh);
  CHECK(job.spec->owner.empty());  // Written before owners were kept: no owner.
  CHECK(job.status.owner.empty());

  const auto completed = store.read_status("old-2");
  REQUIRE(completed);
  REQUIRE(completed->result);
  CHECK(completed->result->verdict == codearena::actors::Verdict::kWrongAnswer);
  REQUIRE(completed->result->tests.size() == 2);
  CHECK(completed->result->tests[0].verdict == codearena::actors::Verdict::kAccepted);
  CHECK(completed->result->tests[1].message == "expected '4', got '5'");

  // Written again, the records have the old names and values, so older nodes read them too.
  using nlohmann::json;
  CHECK(keeps_every_field(json::parse(encode_status(job.status)), json::parse(kOldActiveStatus)));
  CHECK(
      keeps_every_field(json::parse(encode_status(*completed)), json::parse(kOldCompletedStatus)));
  auto old_spec = json::parse(kOldSpec);
  old_spec["tests"][1].erase("expected_output");  // Absent now, read as "" by older nodes.
  CHECK(keeps_every_field(json::parse(encode_spec(*job.spec)), old_spec));
  CHECK_FALSE(keeps_every_field(json::parse(encode_spec(*job.spec)), json::parse(kOldSpec)));
}
