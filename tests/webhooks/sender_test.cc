// WebhookSender against a real HTTP receiver on 127.0.0.1 (private destinations allowed), and
// the default policy refusing internal destinations without sending anything.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>

#include "tests/webhooks/test_receiver.h"
#include "webhooks/signature.h"
#include "webhooks/webhook_sender.h"

using namespace codearena::webhooks;
using namespace codearena::webhooks::testing;
using namespace std::chrono_literals;

namespace {

// Collects outcome reports from the delivery threads.
class OutcomeLog {
 public:
  OutcomeCallback callback() {
    return [this](const DeliveryOutcome& outcome) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        outcomes_.push_back(outcome);
      }
      changed_.notify_all();
    };
  }

  // The first `count` outcomes, in arrival order; fails the test if they do not come.
  std::vector<DeliveryOutcome> wait_for(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    const bool arrived = changed_.wait_for(lock, 30s, [&] { return outcomes_.size() >= count; });
    REQUIRE(arrived);
    return outcomes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<DeliveryOutcome> outcomes_;
};

// Quick retries, private destinations allowed: the receiver lives on loopback.
WebhookConfig local_config() {
  WebhookConfig config;
  config.first_backoff = 20ms;
  config.max_backoff = 100ms;
  config.destinations = AddressPolicy(true, {});
  return config;
}

}  // namespace

TEST_CASE("a delivery arrives with body, headers and signature", "[webhooks][sender]") {
  TestReceiver receiver;
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.secret = "s3cret";
  WebhookSender sender(config, log.callback());
  const std::string body = R"({"jobId":"job-1","state":"completed"})";

  REQUIRE(sender.deliver("job-1", receiver.url("/hooks/done?x=1"), body));
  const auto outcomes = log.wait_for(1);
  CHECK(outcomes[0].delivered);
  CHECK(outcomes[0].attempts == 1);
  CHECK(outcomes[0].job_id == "job-1");
  CHECK(outcomes[0].last_http_status == 200);
  CHECK(outcomes[0].last_error.empty());

  const auto requests = receiver.requests();
  REQUIRE(requests.size() == 1);
  const ReceivedRequest& request = requests[0];
  CHECK(request.method == "POST");
  CHECK(request.target == "/hooks/done?x=1");
  CHECK(request.body == body);
  CHECK(request.headers.at("content-type") == "application/json");
  CHECK_THAT(request.headers.at("user-agent"), Catch::StartsWith("codearena/"));
  CHECK(request.headers.at("x-codearena-job") == "job-1");
  CHECK(request.headers.at("x-codearena-signature") == webhook_signature("s3cret", body));
  CHECK(sender.pending() == 0);
}

TEST_CASE("no signature header without a secret", "[webhooks][sender]") {
  TestReceiver receiver;
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  REQUIRE(sender.deliver("job-2", receiver.url(), "{}"));
  CHECK(log.wait_for(1)[0].delivered);
  CHECK(receiver.requests().at(0).headers.count("x-codearena-signature") == 0);
}

TEST_CASE("a host name is resolved, checked and connected to", "[webhooks][sender]") {
  TestReceiver receiver;
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  REQUIRE(sender.deliver("job-named", "http://localhost:" + std::to_string(receiver.port()) + "/",
                         "{}"));
  CHECK(log.wait_for(1)[0].delivered);
  CHECK(receiver.requests().size() == 1);
}

TEST_CASE("server errors are retried until delivered", "[webhooks][sender]") {
  TestReceiver receiver(std::vector<Reply>{{500}, {500}, {200}});
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  REQUIRE(sender.deliver("job-3", receiver.url(), "{}"));
  const DeliveryOutcome outcome = log.wait_for(1)[0];
  CHECK(outcome.delivered);
  CHECK(outcome.attempts == 3);
  CHECK(receiver.requests().size() == 3);
}

TEST_CASE("429 is retried and the attempts are bounded", "[webhooks][sender]") {
  TestReceiver receiver(std::vector<Reply>{{429}});
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.max_attempts = 3;
  WebhookSender sender(config, log.callback());
  REQUIRE(sender.deliver("job-4", receiver.url(), "{}"));
  const DeliveryOutcome outcome = log.wait_for(1)[0];
  CHECK_FALSE(outcome.delivered);
  CHECK(outcome.attempts == 3);
  CHECK(outcome.last_http_status == 429);
  CHECK_THAT(outcome.last_error, Catch::Contains("429"));
  CHECK(receiver.requests().size() == 3);
}

TEST_CASE("client errors and redirects are final after one attempt", "[webhooks][sender]") {
  const int status = GENERATE(400, 404, 301);
  TestReceiver receiver(std::vector<Reply>{{status}});
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  REQUIRE(sender.deliver("job-5", receiver.url(), "{}"));
  const DeliveryOutcome outcome = log.wait_for(1)[0];
  CHECK_FALSE(outcome.delivered);
  CHECK(outcome.attempts == 1);
  CHECK(outcome.last_http_status == status);
  CHECK(receiver.requests().size() == 1);
}

TEST_CASE("an unreachable port is retried and then given up", "[webhooks][sender]") {
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.max_attempts = 3;
  WebhookSender sender(config, log.callback());
  REQUIRE(sender.deliver("job-6", "http://127.0.0.1:" + std::to_string(closed_port()) + "/", "{}"));
  const DeliveryOutcome outcome = log.wait_for(1)[0];
  CHECK_FALSE(outcome.delivered);
  CHECK(outcome.attempts == 3);
  CHECK(outcome.last_http_status == 0);
  CHECK_FALSE(outcome.last_error.empty());
}

TEST_CASE("internal destinations are refused by default without sending anything",
          "[webhooks][sender]") {
  TestReceiver receiver;
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.destinations = AddressPolicy();
  WebhookSender sender(config, log.callback());
  const std::string port = std::to_string(receiver.port());
  const std::vector<std::string> urls = {
      "http://127.0.0.1:" + port + "/",          "http://[::1]:" + port + "/",
      "http://10.1.2.3:" + port + "/",           "http://169.254.169.254/latest/meta-data/",
      "http://[::ffff:127.0.0.1]:" + port + "/", "http://localhost:" + port + "/",
      "http://2130706433:" + port + "/",         "http://0.0.0.0:" + port + "/",
  };
  for (const auto& url : urls) REQUIRE(sender.deliver("job-7", url, "{}"));

  const auto outcomes = log.wait_for(urls.size());
  for (const auto& outcome : outcomes) {
    INFO(outcome.url);
    CHECK_FALSE(outcome.delivered);
    CHECK(outcome.attempts == 1);
    CHECK_THAT(outcome.last_error, Catch::Contains("refused destination"));
  }
  CHECK(receiver.requests().empty());
}

TEST_CASE("bad URLs and job ids are reported, not sent", "[webhooks][sender]") {
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  REQUIRE(sender.deliver("job-8", "ftp://127.0.0.1/", "{}"));
  REQUIRE(sender.deliver("job\r\nX-Evil: 1", "http://127.0.0.1:1/", "{}"));
  const auto outcomes = log.wait_for(2);
  for (const auto& outcome : outcomes) {
    CHECK_FALSE(outcome.delivered);
    CHECK(outcome.attempts == 1);
  }
}

TEST_CASE("a receiver that asks to wait does not hold up other deliveries", "[webhooks][sender]") {
  TestReceiver busy(std::vector<Reply>{{503, 3}, {200}});
  TestReceiver ready;
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.threads = 1;
  config.max_backoff = 10s;
  WebhookSender sender(config, log.callback());
  REQUIRE(sender.deliver("busy", busy.url(), "{}"));
  REQUIRE(busy.wait_for_requests(1));
  REQUIRE(sender.deliver("ready", ready.url(), "{}"));

  const auto outcomes = log.wait_for(2);
  CHECK(outcomes[0].job_id == "ready");
  CHECK(outcomes[0].delivered);
  CHECK(outcomes[1].job_id == "busy");
  CHECK(outcomes[1].delivered);
  CHECK(outcomes[1].attempts == 2);
}

TEST_CASE("the queue is bounded and refuses work once stopped", "[webhooks][sender]") {
  TestReceiver silent(std::vector<Reply>{});
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.threads = 1;
  config.queue_capacity = 2;
  config.timeout = 60s;
  WebhookSender sender(config, log.callback());
  CHECK(sender.deliver("a", silent.url(), "{}"));
  CHECK(sender.deliver("b", silent.url(), "{}"));
  CHECK_FALSE(sender.deliver("c", silent.url(), "{}"));
  CHECK(sender.pending() == 2);

  const auto started = std::chrono::steady_clock::now();
  sender.stop(200ms);
  CHECK(std::chrono::steady_clock::now() - started < 20s);
  CHECK_FALSE(sender.deliver("d", silent.url(), "{}"));
  CHECK(sender.pending() == 0);

  const auto outcomes = log.wait_for(2);
  CHECK(outcomes.size() == 2);
  for (const auto& outcome : outcomes) {
    CHECK_FALSE(outcome.delivered);
    CHECK_THAT(outcome.last_error, Catch::Contains("abandoned at shutdown"));
  }
}

TEST_CASE("the queue is bounded by the bytes of its bodies, freed as deliveries end",
          "[webhooks][sender]") {
  TestReceiver silent(std::vector<Reply>{});
  TestReceiver receiver;
  OutcomeLog log;
  WebhookConfig config = local_config();
  config.threads = 1;
  config.queue_capacity_bytes = 100;
  config.timeout = 60s;
  WebhookSender sender(config, log.callback());
  const std::string body(60, 'x');
  CHECK(sender.deliver("delivered", receiver.url(), body));
  log.wait_for(1);
  CHECK(sender.pending() == 0);
  CHECK(sender.deliver("held", silent.url(), body));  // The delivered one's bytes are free.
  CHECK_FALSE(sender.deliver("too-big", silent.url(), body));
  CHECK(sender.deliver("fits", silent.url(), std::string(40, 'x')));
  CHECK(sender.pending() == 2);
  sender.stop(200ms);
  const auto outcomes = log.wait_for(3);
  CHECK(outcomes[0].delivered);
  CHECK(receiver.requests().size() == 1);
}

TEST_CASE("stop lets due work finish within the grace period", "[webhooks][sender]") {
  TestReceiver receiver;
  OutcomeLog log;
  WebhookSender sender(local_config(), log.callback());
  for (int i = 0; i < 5; ++i)
    REQUIRE(sender.deliver("job-" + std::to_string(i), receiver.url(), "{}"));
  sender.stop(20s);
  const auto outcomes = log.wait_for(5);
  for (const auto& outcome : outcomes) CHECK(outcome.delivered);
  CHECK(receiver.requests().size() == 5);
}

TEST_CASE("configurations that cannot work are rejected", "[webhooks][sender]") {
  WebhookConfig no_threads;
  no_threads.threads = 0;
  CHECK_THROWS_AS(WebhookSender(no_threads), std::invalid_argument);
  WebhookConfig no_attempts;
  no_attempts.max_attempts = 0;
  CHECK_THROWS_AS(WebhookSender(no_attempts), std::invalid_argument);
  WebhookConfig no_bytes;
  no_bytes.queue_capacity_bytes = 0;
  CHECK_THROWS_AS(WebhookSender(no_bytes), std::invalid_argument);
}
