#include <catch2/catch.hpp>

#include "http/client_address.h"
#include "http/rate_limiter.h"

using codearena::http::budget_address;
using codearena::http::client_address;
using codearena::http::ForwardingHeader;
using codearena::http::IpAddress;
using codearena::http::RateLimiter;
using codearena::http::TrustedProxies;

TEST_CASE("no 60 s window admits more than the limit, at its edges either", "[rate]") {
  RateLimiter limiter(3);
  for (int i = 0; i < 3; ++i) REQUIRE(limiter.take("a", 59'000).allowed);
  const auto refused = limiter.take("a", 59'000);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 0);
  CHECK(refused.retry_after_s == 60);
  // A token bucket would have refilled here; the window still holds the three.
  CHECK_FALSE(limiter.take("a", 118'999).allowed);
  CHECK(limiter.take("a", 119'000).allowed);
  CHECK(limiter.take("b", 59'000).allowed);  // Keys are counted apart.
}

TEST_CASE("a steady client gets exactly the limit in every minute", "[rate]") {
  RateLimiter limiter(100);
  for (int64_t start = 0; start < 180'000; start += 60'000) {
    int admitted = 0;
    for (int64_t now = start; now < start + 60'000; now += 250) {
      admitted += limiter.take("a", now).allowed ? 1 : 0;
    }
    CHECK(admitted == 100);
  }
}

TEST_CASE("the decision carries the RateLimit header values", "[rate]") {
  RateLimiter limiter(2);
  const auto first = limiter.take("a", 1'000);
  CHECK(first.allowed);
  CHECK(first.limit == 2);
  CHECK(first.remaining == 1);
  CHECK(first.reset_s == 60);
  const auto second = limiter.take("a", 31'500);
  CHECK(second.remaining == 0);
  CHECK(second.reset_s == 30);  // When the first leaves the window.
  const auto third = limiter.take("a", 31'500);
  CHECK_FALSE(third.allowed);
  CHECK(third.retry_after_s == 30);
  CHECK(RateLimiter(0).take("a", 0).limit == 0);
  RateLimiter unlimited(0);
  for (int i = 0; i < 1000; ++i) REQUIRE(unlimited.take("a", 0).allowed);
}

TEST_CASE("addresses and CIDR blocks of trusted proxies", "[rate]") {
  const auto trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7 ,2001:db8::/32");
  const auto trusts = [&](const char* text) { return trusted.trusts(*IpAddress::parse(text)); };
  CHECK(trusts("10.255.1.2"));
  CHECK(trusts("::ffff:10.1.1.1"));  // IPv4-mapped is the IPv4 address.
  CHECK(trusts("192.0.2.7"));
  CHECK_FALSE(trusts("192.0.2.8"));
  CHECK(trusts("2001:db8:ffff::1"));
  CHECK_FALSE(trusts("2001:db9::1"));
  CHECK_FALSE(trusts("11.0.0.1"));
  CHECK(TrustedProxies::parse("none").empty());
  CHECK(TrustedProxies::parse("0.0.0.0/0").trusts(*IpAddress::parse("203.0.113.5")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "proxy.local", "::1/129", "1.2.3.4/x"}) {
    CHECK_THROWS_WITH(TrustedProxies::parse(bad), Catch::Contains(bad));
  }
}

TEST_CASE("forwarding headers are believed only from trusted proxies", "[rate]") {
  const auto proxies = TrustedProxies::parse("10.0.0.0/8");
  SECTION("an untrusted peer is the client, whatever it claims") {
    CHECK(client_address("203.0.113.9", ForwardingHeader::kXForwardedFor, "198.51.100.1",
                         proxies) == "203.0.113.9");
    CHECK(client_address("203.0.113.9", ForwardingHeader::kForwarded, "for=198.51.100.1",
                         proxies) == "203.0.113.9");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor, "198.51.100.1",
                         TrustedProxies{}) == "10.0.0.1");
  }
  SECTION("behind trusted proxies, the nearest untrusted hop is the client") {
    // The client put 1.1.1.1 in front itself; the proxies appended what they saw.
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor,
                         "1.1.1.1, 198.51.100.1, 10.0.0.2", proxies) == "198.51.100.1");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor, "198.51.100.1:4711",
                         proxies) == "198.51.100.1");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor, "[2001:db8::5]:80",
                         proxies) == "2001:db8::5");
  }
  SECTION("Forwarded, when the proxies write it, is read per RFC 7239") {
    CHECK(client_address("10.0.0.1", ForwardingHeader::kForwarded,
                         R"(for=1.1.1.1, For="[2001:db8::7]:8";proto=https)",
                         proxies) == "2001:db8::7");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kForwarded,
                         "for=198.51.100.1;by=10.0.0.1, for=10.0.0.3", proxies) == "198.51.100.1");
  }
  SECTION("a hop that is no address ends the walk at the proxy that wrote it") {
    CHECK(client_address("10.0.0.1", ForwardingHeader::kForwarded, "for=unknown", proxies) ==
          "10.0.0.1");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor,
                         "198.51.100.1, _hidden, 10.0.0.2", proxies) == "10.0.0.2");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor, "", proxies) == "10.0.0.1");
    CHECK(client_address("10.0.0.1", ForwardingHeader::kXForwardedFor, "10.0.0.4", proxies) ==
          "10.0.0.4");
  }
}

TEST_CASE("an IPv6 client is counted by its /64, an IPv4 client by its address", "[rate]") {
  // One subscriber holds a whole /64 and may send from any of its 2^64 addresses.
  CHECK(budget_address("2001:db8:1:2::1") == "2001:db8:1:2::/64");
  CHECK(budget_address("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64");
  CHECK(budget_address("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(budget_address("::1") == "::/64");
  CHECK(budget_address("::ffff:192.0.2.1") == "192.0.2.1");
  CHECK(budget_address("192.0.2.1") == "192.0.2.1");
  CHECK(budget_address("not an address") == "not an address");
}
