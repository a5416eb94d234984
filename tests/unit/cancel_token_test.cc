// CancelToken on its own: the flag, the pollable fd and the subscriptions, without a sandbox.
#include <poll.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "sandbox/cancel.h"

using codearena::sandbox::CancelToken;

namespace {

bool fd_readable(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLIN) != 0;
}

}  // namespace

TEST_CASE("CancelToken: cancel sets the flag and makes the fd readable, once and for all",
          "[cancel]") {
  CancelToken token;
  CHECK_FALSE(token.cancelled());
  CHECK_FALSE(fd_readable(token.fd()));
  token.cancel();
  CHECK(token.cancelled());
  CHECK(fd_readable(token.fd()));
  token.cancel();
  CHECK(token.cancelled());
  CHECK(fd_readable(token.fd()));
}

TEST_CASE("CancelToken: a subscribed callback runs once, on cancel", "[cancel]") {
  CancelToken token;
  int calls = 0;
  const auto subscription = token.on_cancel([&] { ++calls; });
  CHECK(calls == 0);
  token.cancel();
  token.cancel();
  CHECK(calls == 1);
}

TEST_CASE("CancelToken: subscribing to a cancelled token runs the callback at once", "[cancel]") {
  CancelToken token;
  token.cancel();
  int calls = 0;
  const auto subscription = token.on_cancel([&] { ++calls; });
  CHECK(calls == 1);
}

TEST_CASE("CancelToken: a destroyed subscription is not called", "[cancel]") {
  CancelToken token;
  int calls = 0;
  {
    const auto subscription = token.on_cancel([&] { ++calls; });
  }
  const auto kept = token.on_cancel([&] { calls += 10; });
  token.cancel();
  CHECK(calls == 10);
}

TEST_CASE("CancelToken: a cancel from another thread wakes a poll on the fd", "[cancel]") {
  CancelToken token;
  std::thread canceller([&] { token.cancel(); });
  pollfd entry{token.fd(), POLLIN, 0};
  const int ready = ::poll(&entry, 1, 10'000);
  canceller.join();
  CHECK(ready == 1);
  CHECK(token.cancelled());
}

TEST_CASE("CancelToken: racing cancels run each callback exactly once", "[cancel]") {
  CancelToken token;
  std::atomic<int> calls{0};
  const auto first = token.on_cancel([&] { ++calls; });
  const auto second = token.on_cancel([&] { ++calls; });
  std::thread a([&] { token.cancel(); });
  std::thread b([&] { token.cancel(); });
  a.join();
  b.join();
  CHECK(calls == 2);
}
