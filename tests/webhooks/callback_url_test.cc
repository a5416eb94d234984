// Callback URL validation (text, and names from /etc/hosts only: no network), redaction,
// signatures and backoff waits.
#include <catch2/catch.hpp>

#include "webhooks/backoff.h"
#include "webhooks/callback_url.h"
#include "webhooks/destination.h"
#include "webhooks/signature.h"

using namespace codearena::webhooks;
using std::chrono::milliseconds;

TEST_CASE("usable callback URLs pass", "[webhooks][url]") {
  for (const char* url : {"http://example.com", "https://example.com/hooks/codearena?team=7",
                          "HTTPS://Example.COM:8443/x", "http://127.0.0.1:8080/hook",
                          "http://[2001:db8::1]:9000/", "https://hooks.example.com/a%20b"}) {
    INFO(url);
    CHECK(callback_url_problem(url).empty());
  }
}

TEST_CASE("unusable callback URLs are explained", "[webhooks][url]") {
  const std::pair<std::string, const char*> table[] = {
      {"", "empty"},
      {"ftp://example.com/", "http:// or https://"},
      {"file:///etc/passwd", "http:// or https://"},
      {"gopher://example.com/", "http:// or https://"},
      {"example.com/hook", "http:// or https://"},
      {"//example.com/hook", "http:// or https://"},
      {"http:/example.com", "http:// or https://"},
      {"http://", "no host"},
      {"http:///path", "no host"},
      {"http://?q=1", "no host"},
      {"http://user:secret@example.com/", "user name or password"},
      {"http://user@example.com/", "user name or password"},
      {"http://example.com/#top", "fragment"},
      {"http://example.com/" + std::string(2048, 'a'), "longer than 2048"},
      {"http://exa mple.com/", "ASCII without spaces"},
      {"http://example.com/\r\nX-Injected: 1", "ASCII without spaces"},
      {"http://bücher.example/", "ASCII without spaces"},
      {"http://example.com:0/", "port"},
      {"http://example.com:70000/", "not a valid URL"},
      {"http://[fe80::1%25eth0]/", "network interface"},
      {"http://[::1/", "not a valid URL"},
  };
  for (const auto& [url, expected] : table) {
    INFO(url);
    CHECK_THAT(callback_url_problem(url), Catch::Contains(expected));
  }
}

TEST_CASE("a URL of exactly the maximum length is accepted", "[webhooks][url]") {
  const std::string prefix = "http://example.com/";
  CHECK(callback_url_problem(prefix + std::string(kMaxCallbackUrlLength - prefix.size(), 'a'))
            .empty());
}

TEST_CASE("parsed callback URLs give host and port as requested", "[webhooks][url]") {
  const CallbackUrl plain = parse_callback_url("http://Example.com/hook");
  CHECK(plain.scheme == "http");
  CHECK(plain.host == "Example.com");
  CHECK(plain.port == 80);
  CHECK(parse_callback_url("https://example.com/").port == 443);
  const CallbackUrl v6 = parse_callback_url("http://[::ffff:127.0.0.1]:8080/a");
  CHECK(v6.host.front() != '[');
  CHECK(v6.port == 8080);
  // Odd IPv4 spellings come out as the address they mean, which is what gets checked.
  CHECK(parse_callback_url("http://2130706433/").host == "127.0.0.1");
  CHECK(parse_callback_url("http://0x7f.1/").host == "127.0.0.1");
  CHECK_THROWS_WITH(parse_callback_url("ftp://x/"), Catch::Contains("http://"));
}

TEST_CASE("signatures are HMAC-SHA256 in lowercase hex", "[webhooks][signature]") {
  // RFC 4231, test case 2.
  CHECK(webhook_signature("Jefe", "what do ya want for nothing?") ==
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(webhook_signature("k", "{\"a\":1}") != webhook_signature("k", "{\"a\":2}"));
}

TEST_CASE("backoff doubles from the first wait up to the cap", "[webhooks][backoff]") {
  const milliseconds first(500), longest(30'000);
  CHECK(backoff_ceiling(1, first, longest) == milliseconds(500));
  CHECK(backoff_ceiling(2, first, longest) == milliseconds(1000));
  CHECK(backoff_ceiling(4, first, longest) == milliseconds(4000));
  CHECK(backoff_ceiling(7, first, longest) == milliseconds(30'000));
  CHECK(backoff_ceiling(1000, first, longest) == milliseconds(30'000));
}

TEST_CASE("jittered backoff stays within the ceiling and spreads out", "[webhooks][backoff]") {
  std::mt19937_64 random(42);
  milliseconds smallest(1'000'000), largest(0);
  for (int i = 0; i < 1000; ++i) {
    const milliseconds wait = jittered_backoff(3, milliseconds(500), milliseconds(30'000), random);
    smallest = std::min(smallest, wait);
    largest = std::max(largest, wait);
  }
  CHECK(smallest >= milliseconds(0));
  CHECK(largest <= milliseconds(2000));
  CHECK(smallest < milliseconds(200));
  CHECK(largest > milliseconds(1800));
}

TEST_CASE("logs see a callback URL without its query and credentials", "[webhooks][url]") {
  CHECK(redacted_url("https://hooks.example.com:8443/h?token=abc") ==
        "https://hooks.example.com:8443/h?…");
  CHECK(redacted_url("http://user:pw@example.com/path") == "http://example.com/path");
  CHECK(redacted_url("http://example.com/path") == "http://example.com/path");
  CHECK(redacted_url("http://example.com/a@b") == "http://example.com/a@b");
}

TEST_CASE("destinations never allowed are known before delivery", "[webhooks][url]") {
  const AddressPolicy strict;
  CHECK_THAT(destination_refusal(parse_callback_url("http://127.0.0.1/h"), strict),
             Catch::Contains("loopback"));
  CHECK_THAT(destination_refusal(parse_callback_url("http://localhost/h"), strict),
             Catch::Contains("localhost resolves only to"));
  CHECK(destination_refusal(parse_callback_url("http://93.184.216.34/h"), strict).empty());
  const AddressPolicy lenient(true, {});
  CHECK(destination_refusal(parse_callback_url("http://127.0.0.1/h"), lenient).empty());
}
