#include <catch2/catch.hpp>

#include <string>

#include "http/request_watch.h"

using codearena::http::RequestWatch;

namespace {

// Everything the watch writes back while `bytes` arrive one at a time, the slowest a client
// can send; and whether it closed the connection.
std::pair<std::string, bool> byte_by_byte(RequestWatch& watch, const std::string& bytes) {
  std::string written;
  for (const char byte : bytes) {
    const auto reply = watch.feed(&byte, 1);
    written += reply.bytes;
    if (reply.close) return {written, true};
  }
  return {written, false};
}

const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

TEST_CASE("a request waiting for 100 Continue gets it once its head is complete", "[http]") {
  RequestWatch watch(1000);
  const std::string head =
      "POST /api/execute HTTP/1.1\r\nHost: x\r\nEXPECT: 100-Continue\r\nContent-Length: 4\r\n\r\n";
  CHECK(byte_by_byte(watch, head) == std::make_pair(kContinue, false));
  CHECK(byte_by_byte(watch, "{}{}") == std::make_pair(std::string(), false));
  // The next request on the connection does not ask: nothing is written for it.
  CHECK(byte_by_byte(watch, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n") ==
        std::make_pair(std::string(), false));
}

TEST_CASE("a body announced over the limit is refused with 413 and the connection closed",
          "[http]") {
  RequestWatch watch(1000);
  const auto [written, closed] = byte_by_byte(
      watch, "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n");
  CHECK(closed);
  CHECK(written.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0) == 0);
  CHECK(written.find("Connection: close") != std::string::npos);
  CHECK(written.find("100 Continue") == std::string::npos);
  CHECK(watch.feed("more", 4).close);
}

TEST_CASE("a chunked body is refused when it passes the limit", "[http]") {
  RequestWatch watch(10);
  const std::string head = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK_FALSE(watch.feed(head.data(), head.size()).close);
  CHECK_FALSE(watch.feed("6\r\nabcdef\r\n", 11).close);
  const auto reply = watch.feed("6\r\nabcdef\r\n", 11);
  CHECK(reply.close);
  CHECK(reply.bytes.find("payload_too_large") != std::string::npos);
}

TEST_CASE("bytes that are not HTTP get 400 malformed_request", "[http]") {
  RequestWatch watch(1000);
  const auto reply = watch.feed("HELLO\r\n\r\n", 9);
  CHECK(reply.close);
  CHECK(reply.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(reply.bytes.find("malformed_request") != std::string::npos);
}

TEST_CASE("pipelined requests within the limits pass untouched", "[http]") {
  RequestWatch watch(1000);
  const std::string two =
      "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /y HTTP/1.1\r\nHost: x\r\n\r\n";
  const auto reply = watch.feed(two.data(), two.size());
  CHECK(reply.bytes.empty());
  CHECK_FALSE(reply.close);
}

// RESTinio reads every request with a new parser from the byte after the one before; the watch
// must read the same requests, or a request it skips escapes its limits and what it answers lands
// in the middle of another exchange.
TEST_CASE("the requests behind an Upgrade or CONNECT request are watched", "[http]") {
  const std::string oversized = "POST /x HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
  for (const std::string first :
       {"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "GET /health HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: "
        "2\r\n\r\n{}",
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"}) {
    RequestWatch together(1000);
    const auto reply = together.feed((first + oversized).data(), first.size() + oversized.size());
    CHECK(reply.close);
    CHECK(reply.bytes.rfind("HTTP/1.1 413 ", 0) == 0);
    RequestWatch slowly(1000);
    const auto [written, closed] = byte_by_byte(slowly, first + oversized);
    CHECK(closed);
    CHECK(written.rfind("HTTP/1.1 413 ", 0) == 0);
  }
}

TEST_CASE("bytes after a request that closes the connection are not refused as malformed",
          "[http]") {
  for (const std::string first :
       {"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", "GET /health HTTP/1.0\r\n\r\n"}) {
    RequestWatch watch(1000);
    const std::string next = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
    CHECK(byte_by_byte(watch, first + next) == std::make_pair(std::string(), false));
    CHECK(byte_by_byte(watch, "POST /x HTTP/1.1\r\nContent-Length: 1001\r\n\r\n").second);
  }
}

// A proxy in front may read these heads otherwise ("Transfer-Encoding : chunked" as chunked, a
// folded line unfolded) than the lenient parser here, which would let a request hide in another's
// body: RFC 9112 sections 5.1 and 5.2 say to refuse them, whether they arrive at once or in pieces.
TEST_CASE("whitespace before a header's colon and folded header lines are refused", "[http]") {
  for (const std::string head :
       {"POST /x HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nTransfer-Encoding:\r\n\tchunked\r\nHost: x\r\n\r\n",
        "POST /x HTTP/1.1\r\nX: a\r\n  \t b\r\nContent-Length: 0\r\n\r\n"}) {
    RequestWatch together(1000);
    const auto reply = together.feed(head.data(), head.size());
    CHECK(reply.close);
    CHECK(reply.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    RequestWatch slowly(1000);
    const auto [written, closed] = byte_by_byte(slowly, head);
    CHECK(closed);
    CHECK(written.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  }
}

TEST_CASE("header values arriving in pieces, spaces included, are not taken for folds", "[http]") {
  const std::string head =
      "POST /x HTTP/1.1\r\nHost:   x  \r\nX-Long:  a  b \t c\r\nContent-Length: 0\r\n\r\n";
  RequestWatch watch(1000);
  CHECK(byte_by_byte(watch, head) == std::make_pair(std::string(), false));
}

TEST_CASE("a request without a body is not told to send one", "[http]") {
  RequestWatch watch(1000);
  CHECK(byte_by_byte(watch,
                     "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"
                     "GET /y HTTP/1.1\r\nExpect: 100-continue\r\n\r\n") ==
        std::make_pair(std::string(), false));
  CHECK(byte_by_byte(watch,
                     "POST /x HTTP/1.1\r\nExpect: 100-continue\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n") == std::make_pair(kContinue, false));
}

TEST_CASE("a refusal comes after the 100 Continue of a request before it", "[http]") {
  const std::string bytes =
      "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}"
      "POST /y HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
  RequestWatch watch(1000);
  const auto reply = watch.feed(bytes.data(), bytes.size());
  CHECK(reply.close);
  CHECK(reply.bytes.rfind(kContinue + "HTTP/1.1 413 ", 0) == 0);
}
