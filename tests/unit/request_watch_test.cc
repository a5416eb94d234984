#include <catch2/catch.hpp>

#include <string>

#include "http/request_watch.h"

using codearena::http::RequestWatch;

namespace {

// What the client receives while `bytes` arrive one at a time, the slowest a client can send,
// to a server that answers each request at once: what is due before each read, and whether the
// connection closed.
std::pair<std::string, bool> byte_by_byte(RequestWatch& watch, const std::string& bytes) {
  std::string written;
  for (const char byte : bytes) {
    const auto due = watch.due();
    written += due.bytes;
    if (due.close) return {written, true};
    if (watch.feed(&byte, 1) == 0) {
      written += watch.due().bytes;
      return {written, true};
    }
  }
  const auto due = watch.due();
  return {written + due.bytes, due.close};
}

// The same with all of `bytes` in one read.
std::pair<std::string, bool> at_once(RequestWatch& watch, const std::string& bytes) {
  std::string written = watch.due().bytes;
  watch.feed(bytes.data(), bytes.size());
  const auto due = watch.due();
  return {written + due.bytes, due.close};
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

// Proves a 100 Continue never follows the request's own answer: a body that came with the head
// leaves nothing to continue.
TEST_CASE("no 100 Continue is due when the body arrived with the head", "[http]") {
  RequestWatch watch(1000);
  const std::string whole =
      "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}";
  CHECK(watch.feed(whole.data(), whole.size()) == whole.size());
  CHECK(watch.due().bytes.empty());
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
  CHECK(watch.feed("more", 4) == 0);
  CHECK(watch.due().close);
}

TEST_CASE("a chunked body is refused when it passes the limit", "[http]") {
  RequestWatch watch(10);
  const std::string head = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(watch.feed(head.data(), head.size()) == head.size());
  CHECK(watch.feed("6\r\nabcdef\r\n", 11) == 11);
  CHECK(watch.feed("6\r\nabcdef\r\n", 11) == 0);
  const auto due = watch.due();
  CHECK(due.close);
  CHECK(due.bytes.find("payload_too_large") != std::string::npos);
}

TEST_CASE("bytes that are not HTTP get 400 malformed_request", "[http]") {
  RequestWatch watch(1000);
  CHECK(watch.feed("HELLO\r\n\r\n", 9) == 0);
  const auto due = watch.due();
  CHECK(due.close);
  CHECK(due.bytes.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
  CHECK(due.bytes.find("malformed_request") != std::string::npos);
}

TEST_CASE("pipelined requests within the limits pass untouched", "[http]") {
  RequestWatch watch(1000);
  const std::string two =
      "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /y HTTP/1.1\r\nHost: x\r\n\r\n";
  CHECK(watch.feed(two.data(), two.size()) == two.size());
  const auto due = watch.due();
  CHECK(due.bytes.empty());
  CHECK_FALSE(due.close);
}

// Proves a refused request behind pipelined ones does not overtake their answers: the requests
// before it are handed on, and the refusal is due only at the next read.
TEST_CASE("a refused request behind pipelined ones waits for their answers", "[http]") {
  RequestWatch watch(1000);
  const std::string good =
      "GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
  const std::string bytes = good + "POST /c HTTP/1.1\r\nContent-Length: 5000\r\n\r\n";
  CHECK(watch.feed(bytes.data(), bytes.size()) == good.size());
  const auto due = watch.due();
  CHECK(due.close);
  CHECK(due.bytes.rfind("HTTP/1.1 413 ", 0) == 0);
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
    const auto [all, refused] = at_once(together, first + oversized);
    CHECK(refused);
    CHECK(all.rfind("HTTP/1.1 413 ", 0) == 0);
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
    const auto [all, refused] = at_once(together, head);
    CHECK(refused);
    CHECK(all.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
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

// A 100 Continue is due only while its request still waits for its body: one whose body came
// along gets none, and the refusal of the request behind it follows its answer alone.
TEST_CASE("a refusal behind a request whose body came along brings no 100 Continue", "[http]") {
  const std::string first =
      "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}";
  const std::string bytes = first + "POST /y HTTP/1.1\r\nContent-Length: 1001\r\n\r\n";
  RequestWatch watch(1000);
  CHECK(watch.feed(bytes.data(), bytes.size()) == first.size());
  const auto due = watch.due();
  CHECK(due.close);
  CHECK(due.bytes.rfind("HTTP/1.1 413 ", 0) == 0);
}
