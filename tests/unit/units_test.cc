// Sizes and durations as operators write them in flags and environment variables.
#include <catch2/catch.hpp>
#include <stdexcept>

#include "sandbox/units.h"

using namespace codearena::sandbox;

TEST_CASE("sizes accept bytes and binary k/m/g suffixes") {
  CHECK(parse_size("65536") == 65536);
  CHECK(parse_size("64k") == 64 * 1024);
  CHECK(parse_size("128m") == 128LL << 20);
  CHECK(parse_size("128M") == 128LL << 20);
  CHECK(parse_size("1g") == 1LL << 30);
  CHECK(parse_size("1.5k") == 1536);
}

TEST_CASE("sizes reject garbage with a message naming it") {
  REQUIRE_THROWS_WITH(parse_size("lots"), Catch::Contains("lots"));
  REQUIRE_THROWS_WITH(parse_size("12q"), Catch::Contains("12q"));
  REQUIRE_THROWS_AS(parse_size("-5"), std::invalid_argument);
  REQUIRE_THROWS_AS(parse_size(""), std::invalid_argument);
}

TEST_CASE("durations default to seconds like TIME_LIMIT and accept ms") {
  CHECK(parse_duration_ms("10") == 10'000);
  CHECK(parse_duration_ms("2s") == 2000);
  CHECK(parse_duration_ms("1.5s") == 1500);
  CHECK(parse_duration_ms("250ms") == 250);
  CHECK(parse_duration_ms("1min") == 60'000);
  REQUIRE_THROWS_WITH(parse_duration_ms("5 hours"), Catch::Contains("5 hours"));
}
