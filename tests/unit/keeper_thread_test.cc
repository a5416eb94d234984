// KeeperThread on its own: orders carried out in turn on one other thread, each failure reported
// once, a failed set-up refusing every order.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/errors.h"
#include "sandbox/keeper_thread.h"

using codearena::sandbox::KeeperThread;
using codearena::sandbox::SandboxError;

TEST_CASE("KeeperThread: orders run in turn on the thread, after its set-up", "[keeper-thread]") {
  // Written on the thread, read here once it is idle (Catch's assertions are for this thread).
  std::vector<std::string> done;
  std::vector<std::thread::id> done_on;
  KeeperThread thread("the test thread", [&] {
    done.push_back("set-up");
    done_on.push_back(std::this_thread::get_id());
    return std::string();
  });
  for (int i = 0; i < 3; ++i) {
    thread.give([&, i] {
      done.push_back("order " + std::to_string(i));
      done_on.push_back(std::this_thread::get_id());
      return std::string();
    });
  }
  thread.wait_idle();
  CHECK(done == std::vector<std::string>{"set-up", "order 0", "order 1", "order 2"});
  REQUIRE(done_on.size() == 4);
  CHECK(done_on[0] != std::this_thread::get_id());
  for (const auto& id : done_on) CHECK(id == done_on[0]);
}

TEST_CASE("KeeperThread: an order's failure is reported once, naming the thread",
          "[keeper-thread]") {
  KeeperThread thread("the test thread", [] { return std::string(); });
  REQUIRE_THROWS_WITH(thread.carry_out([] { return std::string("enter it: denied"); }),
                      "the test thread: enter it: denied");
  CHECK_NOTHROW(thread.wait_idle());
  int runs = 0;
  thread.give([&] { return ++runs, std::string("failed again"); });
  // The next order is refused until the failure is reported.
  REQUIRE_THROWS_WITH(thread.give([&] { return ++runs, std::string(); }),
                      "the test thread: failed again");
  CHECK_NOTHROW(thread.carry_out([&] { return ++runs, std::string(); }));
  CHECK(runs == 2);
}

TEST_CASE("KeeperThread: a failed set-up refuses every order", "[keeper-thread]") {
  KeeperThread thread("the test thread", [] { return std::string("load it: invalid"); });
  bool ran = false;
  REQUIRE_THROWS_AS(thread.wait_idle(), SandboxError);
  REQUIRE_THROWS_WITH(thread.give([&] { return ran = true, std::string(); }),
                      "the test thread: load it: invalid");
  REQUIRE_THROWS_WITH(thread.carry_out([&] { return ran = true, std::string(); }),
                      "the test thread: load it: invalid");
  CHECK_FALSE(ran);
}
