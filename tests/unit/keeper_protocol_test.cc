// The keeper protocol's messages: each survives its encoder and decoder, and the engine's
// decoders of keeper messages refuse anything a keeper did not promise.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "sandbox/keeper_protocol.h"

using namespace codearena::sandbox;
using Catch::Matchers::Contains;

namespace {

// Decoding `body` must throw ProtocolError whose message contains `why`.
template <typename Decode>
void expect_refused(const std::string& body, Decode decode, const std::string& why) {
  wire::Reader reader(body);
  try {
    decode(reader);
    FAIL("accepted a malformed message; expected a refusal naming: " << why);
  } catch (const keeper::ProtocolError& error) {
    CHECK_THAT(error.what(), Contains(why));
  }
}

}  // namespace

TEST_CASE("keeper protocol: a run order survives encoding") {
  keeper::RunOrder order;
  order.run_id = 77;
  order.argv = {"./main", "a b"};
  order.env = {"PATH=/usr/bin", "X="};
  order.file_names = {"main", "data.txt"};
  order.file_executable = {true, false};
  order.collect = {"*.class", "out"};
  order.collect_max_bytes = 1234;
  order.box_bytes = 1 << 20;
  order.tmp_bytes = 2 << 20;
  order.limits.cpu_seconds = 3;
  order.limits.open_files = 64;
  order.network_calls = NetworkCalls::kRefuse;
  order.last_on_slot = true;
  const auto body = keeper::encode(order);
  wire::Reader reader(body);
  const auto decoded = keeper::decode_run(reader);
  CHECK(decoded.run_id == 77);
  CHECK(decoded.argv == order.argv);
  CHECK(decoded.env == order.env);
  CHECK(decoded.file_names == order.file_names);
  CHECK(decoded.file_executable == order.file_executable);
  CHECK(decoded.collect == order.collect);
  CHECK(decoded.collect_max_bytes == 1234);
  CHECK(decoded.box_bytes == 1 << 20);
  CHECK(decoded.tmp_bytes == 2 << 20);
  CHECK(decoded.limits.cpu_seconds == 3);
  CHECK(decoded.limits.open_files == 64);
  CHECK(decoded.network_calls == NetworkCalls::kRefuse);
  CHECK(decoded.last_on_slot);
}

TEST_CASE("keeper protocol: keeper messages survive encoding") {
  const auto exited_body =
      keeper::encode(keeper::Exited{9, 0x0100, 1500, {"a.class", "B.class"}, "x: too big; ", 2048});
  wire::Reader exited_reader(exited_body);
  const auto exited = keeper::decode_exited(exited_reader);
  CHECK(exited.run_id == 9);
  CHECK(WEXITSTATUS(exited.wait_status) == 1);
  CHECK(exited.wall_us == 1500);
  CHECK(exited.collected == std::vector<std::string>{"a.class", "B.class"});
  CHECK(exited.problems == "x: too big; ");
  CHECK(exited.peak_rss_kb == 2048);

  const auto failed_body = keeper::encode(keeper::Failed{4, "cannot execute 'x'", true});
  wire::Reader failed_reader(failed_body);
  const auto failed = keeper::decode_failed(failed_reader);
  CHECK(failed.run_id == 4);
  CHECK(failed.reason == "cannot execute 'x'");
  CHECK(failed.exec_failed);

  const auto started_body = keeper::encode(keeper::Started{5});
  wire::Reader started_reader(started_body);
  CHECK(keeper::decode_started(started_reader).run_id == 5);
}

TEST_CASE("keeper protocol: the engine refuses malformed keeper messages") {
  const auto exited = [](wire::Reader& reader) { return keeper::decode_exited(reader); };
  const auto failed = [](wire::Reader& reader) { return keeper::decode_failed(reader); };
  const auto started = [](wire::Reader& reader) { return keeper::decode_started(reader); };

  SECTION("a count no message could hold") {
    expect_refused(wire::Writer(wire::Type::kExited)
                       .u64(1)
                       .u64(0)
                       .u64(10)
                       .u64((1ULL << 61) + 1)
                       .bytes(),
                   exited, "truncated");
  }
  SECTION("a string longer than the message") {
    expect_refused(wire::Writer(wire::Type::kFailed).u64(1).u64(~0ULL - 4).bytes(), failed,
                   "truncated");
  }
  SECTION("a wait status of a stopped process") {
    expect_refused(keeper::encode(keeper::Exited{1, 0x137f, 10, {}, ""}), exited,
                   "not an exit status");
  }
  SECTION("a wall time of years") {
    expect_refused(keeper::encode(keeper::Exited{1, 0, int64_t{1} << 62, {}, ""}), exited,
                   "wall time");
  }
  SECTION("a peak memory no box can have") {
    expect_refused(keeper::encode(keeper::Exited{1, 0, 10, {}, "", int64_t{1} << 40}), exited,
                   "peak memory");
  }
  SECTION("a collected file name with a path") {
    expect_refused(keeper::encode(keeper::Exited{1, 0, 10, {"../x"}, ""}), exited, "file name");
  }
  SECTION("more collected files than a keeper may send") {
    std::vector<std::string> names;
    for (size_t i = 0; i <= keeper::kMaxCollectedFiles; ++i) names.push_back(std::to_string(i));
    expect_refused(keeper::encode(keeper::Exited{1, 0, 10, names, ""}), exited,
                   "too many collected files");
  }
  SECTION("a reason over its bound") {
    expect_refused(wire::Writer(wire::Type::kFailed)
                       .u64(1)
                       .str(std::string(keeper::kMaxReasonBytes + 1, 'x'))
                       .u64(0)
                       .bytes(),
                   failed, "over the limit");
  }
  SECTION("a flag that is neither 0 nor 1") {
    expect_refused(wire::Writer(wire::Type::kFailed).u64(1).str("x").u64(2).bytes(), failed,
                   "bad flag");
  }
  SECTION("trailing bytes") {
    expect_refused(keeper::encode(keeper::Started{1}) + "x", started, "trailing");
  }
  SECTION("another message type") {
    expect_refused(keeper::encode(keeper::Started{1}), exited, "expected exit message");
  }
  SECTION("a type a keeper never sends") {
    CHECK_THROWS_AS(keeper::keeper_message_type(keeper::encode(keeper::KillOrder{1})),
                    keeper::ProtocolError);
    CHECK_THROWS_AS(keeper::keeper_message_type(keeper::encode(keeper::JoinOrder{})),
                    keeper::ProtocolError);
    CHECK_THROWS_AS(keeper::keeper_message_type(""), keeper::ProtocolError);
    CHECK_THROWS_AS(keeper::keeper_message_type("\x63"), keeper::ProtocolError);
    CHECK(keeper::keeper_message_type(keeper::encode_ready()) == wire::Type::kReady);
  }
}

// The join message is the engine's alone: its flag survives encoding, a keeper refuses a flag
// it does not know, and the engine refuses a join sent its way by a keeper.
TEST_CASE("keeper protocol: the join message") {
  for (const bool network_namespace : {false, true}) {
    const std::string body = keeper::encode(keeper::JoinOrder{network_namespace});
    wire::Reader reader(body);
    CHECK(keeper::decode_join(reader).network_namespace == network_namespace);
  }
  const auto join = [](wire::Reader& reader) { return keeper::decode_join(reader); };
  expect_refused(wire::Writer(wire::Type::kJoin).u64(2).bytes(), join, "not 0 or 1");
  CHECK_THROWS_WITH(keeper::keeper_message_type(keeper::encode(keeper::JoinOrder{true})),
                    Contains("is not one a keeper sends"));
}

// The park message is the engine's alone: its idle time survives encoding, a keeper refuses
// one it could not wait (none, or past what poll(2) takes), and the engine refuses a park sent
// its way by a keeper.
TEST_CASE("keeper protocol: the park message") {
  const std::string body = keeper::encode(keeper::ParkOrder{60'000});
  wire::Reader reader(body);
  CHECK(keeper::decode_park(reader).idle_ms == 60'000);
  for (const uint64_t idle_ms : {uint64_t{0}, uint64_t{1} << 31, ~uint64_t{0}}) {
    const std::string refused = wire::Writer(wire::Type::kPark).u64(idle_ms).bytes();
    wire::Reader refused_reader(refused);
    CHECK_THROWS_WITH(keeper::decode_park(refused_reader), Contains("idle time is out of range"));
  }
  CHECK_THROWS_WITH(keeper::keeper_message_type(body), Contains("is not one a keeper sends"));
}
