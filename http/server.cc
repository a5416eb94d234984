#include "http/server.h"

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>

#include <restinio/all.hpp>

#include "common/epoch_ms.h"
#include "common/json_text.h"
#include "http/job_json.h"
#include "http/openapi_document.h"
#include "http/rate_limiter.h"
#include "node/service.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace codearena::http {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// asio opens the listening socket and accepts connections without SOCK_CLOEXEC; a client's
// connection must never be open in a program the node starts. So the listener is marked
// close-on-exec right after bind, and each connection as RESTinio takes it from the acceptor
// (it moves the accepted socket out of its pool before anything else).
void mark_close_on_exec(int fd) {
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "http: marking socket " + std::to_string(fd) + " close-on-exec");
  }
}

using TcpSocket = restinio::asio_ns::ip::tcp::socket;

class CloseOnExecSocket : public TcpSocket {
 public:
  using TcpSocket::TcpSocket;
  CloseOnExecSocket(CloseOnExecSocket&& accepted) : TcpSocket(std::move(accepted)) {
    if (is_open()) mark_close_on_exec(native_handle());
  }
  CloseOnExecSocket& operator=(CloseOnExecSocket&&) = default;
};

struct Traits : public restinio::default_traits_t {
  using request_handler_t = restinio::router::express_router_t<>;
  using stream_socket_t = CloseOnExecSocket;
  static constexpr bool use_connection_count_limiter = true;
};

using Router = Traits::request_handler_t;
using Request = restinio::request_handle_t;
using Params = restinio::router::route_params_t;
using Status = restinio::request_handling_status_t;

constexpr const char* kJsonType = "application/json";

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

restinio::http_status_line_t status_line(int status) {
  return restinio::http_status_line_t{
      restinio::http_status_code_t{static_cast<std::uint16_t>(status)}, reason_phrase(status)};
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpConfig http_config, actors::JobService& job_service, telemetry::Registry& registry,
       telemetry::Logger& log)
      : config(std::move(http_config)),
        service(job_service),
        logger(log),
        rate_limiter(config.rate_limit_per_minute),
        requests(registry.counter("codearena_http_requests_total",
                                  "HTTP requests answered, by route, method and status.",
                                  {"route", "method", "status"})),
        durations(registry.histogram(
            "codearena_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route.", {"route"},
            {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})) {
  }

  // One request in flight: where it came from and when, for the answer's metrics and log line.
  struct Exchange {
    Request request;
    const char* route;
    Clock::time_point start = Clock::now();
  };

  void answer(const Exchange& exchange, int status, const std::string& body,
              const char* content_type = kJsonType,
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    auto response = exchange.request->create_response(status_line(status));
    response.append_header(restinio::http_field::content_type, content_type);
    response.append_header(restinio::http_field::cache_control, "no-store");
    for (const auto& [name, value] : headers) response.append_header(name, value);
    response.set_body(body);
    response.done();
    record(exchange, status);
  }

  void answer_json(const Exchange& exchange, int status, const json& body) {
    answer(exchange, status, common::lossy_json_text(body));
  }

  void answer_error(const Exchange& exchange, int status, const std::string& code,
                    const std::string& message,
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    answer(exchange, status, common::lossy_json_text(error_json(code, message)), kJsonType,
           headers);
  }

  void answer_unavailable(const Exchange& exchange) {
    answer_error(exchange, 503, "unavailable", "the job service did not answer; try again",
                 {{"Retry-After", "1"}});
  }

  void record(const Exchange& exchange, int status) {
    const double seconds = std::chrono::duration<double>(Clock::now() - exchange.start).count();
    const auto method = std::string(exchange.request->header().method().c_str());
    requests.with({exchange.route, method, std::to_string(status)}).inc();
    durations.with({exchange.route}).observe(seconds);
    if (!logger.enabled(telemetry::LogLevel::info)) return;
    logger.log(telemetry::LogLevel::info, "http_request",
               {{"method", method},
                {"route", exchange.route},
                {"target", std::string(exchange.request->header().request_target())},
                {"status", status},
                {"durationMs", seconds * 1000},
                {"remote", exchange.request->remote_endpoint().address().to_string()}});
  }

  // Who the request acts for when it may use `scope`; else nullopt, answered with 401 or 403.
  std::optional<Principal> authorize(const Exchange& exchange, Scope scope) {
    const auto header =
        exchange.request->header().get_field_or(restinio::http_field::authorization, "");
    auto decision =
        authenticator.check(header.empty() ? std::nullopt : std::optional<std::string>(header),
                            scope, common::epoch_ms() / 1000);
    if (!decision.principal) {
      answer_error(exchange, decision.status, decision.code, decision.message,
                   {{"WWW-Authenticate", decision.challenge}});
    }
    return decision.principal;
  }

  Status execute(const Request& request) {
    Exchange exchange{request, "/api/execute"};
    const auto principal = authorize(exchange, Scope::kSubmit);
    if (!principal) return restinio::request_accepted();
    if (!accepting.load()) {
      answer_error(exchange, 503, actors::refusal_code(actors::SubmitRefusal::kShuttingDown),
                   "the server is shutting down", {{"Retry-After", "5"}});
      return restinio::request_accepted();
    }
    const auto content_type =
        request->header().get_field_or(restinio::http_field::content_type, kJsonType);
    if (content_type.find("json") == std::string::npos) {
      answer_error(exchange, 415, "unsupported_media_type",
                   "send the job as JSON (Content-Type: application/json)");
      return restinio::request_accepted();
    }
    const auto client = request->remote_endpoint().address().to_string();
    if (const int64_t retry_after = rate_limiter.take(client, common::epoch_ms());
        retry_after > 0) {
      answer_error(exchange, 429, "rate_limited",
                   "more than " + std::to_string(config.rate_limit_per_minute) +
                       " submissions per minute from " + client,
                   {{"Retry-After", std::to_string(retry_after)}});
      return restinio::request_accepted();
    }
    ExecuteRequest parsed;
    try {
      parsed = parse_execute_request(request->body(), config.limits, service.languages());
    } catch (const ApiError& error) {
      answer_error(exchange, error.status(), error.code(), error.what());
      return restinio::request_accepted();
    }
    bool wait = parsed.wait;
    try {
      const auto query = restinio::parse_query(request->header().query());
      wait = wait || (query.has("wait") && query["wait"] == "true");
    } catch (const std::exception& error) {
      answer_error(exchange, 400, "invalid_field",
                   std::string("the query string is malformed: ") + error.what());
      return restinio::request_accepted();
    }
    parsed.spec.owner = principal->subject;
    auto audit = submission_audit(*principal, client, parsed.spec);
    service.submit(std::move(parsed.spec), [this, exchange, wait, audit](auto reply) mutable {
      if (!reply) return answer_unavailable(exchange);
      if (reply->refusal != actors::SubmitRefusal::kNone) {
        return answer_error(exchange, 503, actors::refusal_code(reply->refusal),
                            reply->error_message,
                            {{"Retry-After", std::to_string(reply->retry_after_s)}});
      }
      audit["jobId"] = reply->job_id;
      logger.log(telemetry::LogLevel::info, "job_submitted", audit);
      if (!wait) {
        return answer_json(exchange, 202, {{"jobId", reply->job_id}, {"status", "queued"}});
      }
      service.await(reply->job_id, config.wait_max_ms, [this, exchange](auto status) {
        if (!status) return answer_unavailable(exchange);
        auto body = job_json(*status);
        body["status"] = body["state"];
        answer_json(exchange, actors::is_final(status->state) ? 200 : 202, body);
      });
    });
    return restinio::request_accepted();
  }

  // The job id of a /api/jobs/:id route, or an answered 404.
  std::optional<std::string> job_id(const Exchange& exchange, const Params& params) {
    auto id = restinio::cast_to<std::string>(params["id"]);
    if (looks_like_job_id(id)) return id;
    answer_error(exchange, 404, "job_not_found", "no job with id '" + id + "'");
    return std::nullopt;
  }

  void answer_not_found(const Exchange& exchange, const std::string& id) {
    answer_error(exchange, 404, "job_not_found",
                 "no job with id '" + id + "' (unknown, or finished and expired)");
  }

  // Calls `then` with the status of job `id` when `principal` may see it; else answers 404, the
  // same as for an unknown job, so that other subjects' job ids cannot be probed.
  template <class Then>
  void with_visible_job(const Exchange& exchange, const Principal& principal, const std::string& id,
                        Then then) {
    service.status(id, [this, exchange, principal, id, then](auto status) {
      if (!status) return answer_unavailable(exchange);
      if (status->id.empty() || !principal.may_access(status->owner))
        return answer_not_found(exchange, id);
      then(*status);
    });
  }

  Status get_job(const Request& request, const Params& params) {
    Exchange exchange{request, "/api/jobs/:id"};
    const auto principal = authorize(exchange, Scope::kRead);
    const auto id = principal ? job_id(exchange, params) : std::nullopt;
    if (!id) return restinio::request_accepted();
    with_visible_job(exchange, *principal, *id, [this, exchange](const actors::JobStatus& status) {
      answer_json(exchange, 200, job_json(status));
    });
    return restinio::request_accepted();
  }

  Status cancel_job(const Request& request, const Params& params) {
    Exchange exchange{request, "/api/jobs/:id"};
    const auto principal = authorize(exchange, Scope::kSubmit);
    const auto id = principal ? job_id(exchange, params) : std::nullopt;
    if (!id) return restinio::request_accepted();
    with_visible_job(
        exchange, *principal, *id,
        [this, exchange, id = *id](const actors::JobStatus&) { cancel(exchange, id); });
    return restinio::request_accepted();
  }

  void cancel(const Exchange& exchange, const std::string& id) {
    service.cancel(id, [this, exchange, id](auto reply) {
      if (!reply) return answer_unavailable(exchange);
      switch (reply->result) {
        case actors::CancelResult::kNotFound:
          return answer_not_found(exchange, id);
        case actors::CancelResult::kAlreadyFinished:
          return answer_error(
              exchange, 409, "job_finished",
              "job '" + id + "' already finished as " + actors::state_name(reply->status.state));
        case actors::CancelResult::kCancelled:
          return answer_json(exchange, 200, job_json(reply->status));
      }
    });
  }

  Status job_events(const Request& request, const Params& params) {
    Exchange exchange{request, "/api/jobs/:id/events"};
    const auto principal = authorize(exchange, Scope::kRead);
    const auto id = principal ? job_id(exchange, params) : std::nullopt;
    if (!id) return restinio::request_accepted();
    with_visible_job(
        exchange, *principal, *id,
        [this, exchange, id = *id](const actors::JobStatus&) { stream_events(exchange, id); });
    return restinio::request_accepted();
  }

  // The job's events as SSE, from its current state on; its visibility is checked already.
  void stream_events(const Exchange& exchange, const std::string& id) {
    using Stream = restinio::response_builder_t<restinio::chunked_output_t>;
    auto stream = std::make_shared<std::optional<Stream>>();
    // Set on the connection's thread when a write fails: the client is gone.
    auto gone = std::make_shared<std::atomic<bool>>(false);
    const auto send = [stream, gone](const std::string& chunk, bool last) {
      auto& response = **stream;
      response.append_chunk(chunk);
      if (last) {
        response.done();
      } else {
        response.flush([gone](const restinio::asio_ns::error_code& error) {
          if (error) gone->store(true);
        });
      }
    };
    service.watch(
        id,
        [this, exchange, stream, send, id](auto status) {
          if (!status) return answer_unavailable(exchange);
          if (status->id.empty()) return answer_not_found(exchange, id);
          stream->emplace(exchange.request->create_response<restinio::chunked_output_t>());
          (*stream)
              ->append_header(restinio::http_field::content_type, "text/event-stream")
              .append_header(restinio::http_field::cache_control, "no-store")
              .append_header("X-Accel-Buffering", "no");
          record(exchange, 200);
          const bool final = actors::is_final(status->state);
          send("event: state\ndata: " + common::lossy_json_text(job_json(*status)) + "\n\n", final);
        },
        [send](const actors::JobEvent& event) {
          const bool final = actors::is_final(event.status.state);
          if (event.test) {
            json data = {{"jobId", event.status.id},
                         {"progress",
                          {{"done", event.status.tests_done}, {"total", event.status.tests_total}}},
                         {"test", test_json(*event.test)}};
            send("event: test\ndata: " + common::lossy_json_text(data) + "\n\n", false);
          } else {
            send("event: state\ndata: " + common::lossy_json_text(job_json(event.status)) + "\n\n",
                 final);
          }
        },
        config.sse_heartbeat_ms,
        [send, gone] {
          if (gone->load()) return false;
          send(": keep-alive\n\n", false);
          return true;
        });
  }

  Status stats(const Request& request) {
    Exchange exchange{request, "/api/stats"};
    if (!authorize(exchange, Scope::kAdmin)) return restinio::request_accepted();
    service.stats([this, exchange](auto stats) {
      if (!stats) return answer_unavailable(exchange);
      answer_json(exchange, 200, stats_json(*stats));
    });
    return restinio::request_accepted();
  }

  Status metrics(const Request& request) {
    Exchange exchange{request, "/metrics"};
    if (!config.metrics_enabled) {
      answer_error(exchange, 404, "metrics_disabled", "metrics are off (METRICS_ENABLED=false)");
      return restinio::request_accepted();
    }
    if (config.auth.protect_metrics && !authorize(exchange, Scope::kAdmin))
      return restinio::request_accepted();
    service.metrics_text([this, exchange](auto text) {
      if (!text) return answer_unavailable(exchange);
      answer(exchange, 200, *text, telemetry::kPrometheusContentType);
    });
    return restinio::request_accepted();
  }

  Status ready(const Request& request) {
    Exchange exchange{request, "/ready"};
    if (!accepting.load()) {
      answer_json(exchange, 503, {{"status", "shutting_down"}});
      return restinio::request_accepted();
    }
    service.stats([this, exchange](auto stats) {
      if (!stats) return answer_unavailable(exchange);
      const bool ready = stats->accepting && stats->slots_total > 0;
      answer_json(
          exchange, ready ? 200 : 503,
          {{"status", ready ? "ready" : "not_ready"},
           {"slots", stats->slots_total},
           {"queueDepth", stats->retry_waiting + stats->queued_by_priority[0] +
                              stats->queued_by_priority[1] + stats->queued_by_priority[2]}});
    });
    return restinio::request_accepted();
  }

  Status fixed(const Request& request, const char* route, const std::string& body) {
    answer(Exchange{request, route}, 200, body);
    return restinio::request_accepted();
  }

  Status not_an_api_node(const Request& request, const char* route) {
    answer_error(Exchange{request, route}, 404, "not_an_api_node",
                 "this node does not serve the job API (its roles lack api); send jobs to an "
                 "API node");
    return restinio::request_accepted();
  }

  Status not_matched(const Request& request) {
    Exchange exchange{request, "unmatched"};
    answer_error(exchange, 404, "not_found",
                 "no such endpoint: " + std::string(request->header().method().c_str()) + " " +
                     std::string(request->header().path()) + " (see GET /api/openapi.json)");
    return restinio::request_accepted();
  }

  std::unique_ptr<Router> routes() {
    auto router = std::make_unique<Router>();
    if (config.job_api) {
      router->http_post("/api/execute", [this](auto request, auto) { return execute(request); });
      router->http_get("/api/jobs/:id", [this](auto r, auto p) { return get_job(r, p); });
      router->http_delete("/api/jobs/:id", [this](auto r, auto p) { return cancel_job(r, p); });
      router->http_get("/api/jobs/:id/events", [this](auto r, auto p) { return job_events(r, p); });
    } else {
      const auto refuse = [this](const char* route) {
        return [this, route](auto request, auto) { return not_an_api_node(request, route); };
      };
      router->http_post("/api/execute", refuse("/api/execute"));
      router->http_get("/api/jobs/:id", refuse("/api/jobs/:id"));
      router->http_delete("/api/jobs/:id", refuse("/api/jobs/:id"));
      router->http_get("/api/jobs/:id/events", refuse("/api/jobs/:id/events"));
    }
    router->http_get("/api/stats", [this](auto request, auto) { return stats(request); });
    router->http_get("/api/languages", [this](auto request, auto) {
      return fixed(request, "/api/languages", languages_text);
    });
    router->http_get("/api/openapi.json", [this](auto request, auto) {
      return fixed(request, "/api/openapi.json", openapi_document());
    });
    router->http_get("/health", [this](auto request, auto) {
      return fixed(request, "/health", R"({"status":"ok"})");
    });
    router->http_get("/ready", [this](auto request, auto) { return ready(request); });
    router->http_get("/metrics", [this](auto request, auto) { return metrics(request); });
    router->non_matched_request_handler([this](auto request) { return not_matched(request); });
    return router;
  }

  HttpConfig config;
  actors::JobService& service;
  telemetry::Logger& logger;
  RateLimiter rate_limiter;
  Authenticator authenticator{config.auth};
  telemetry::CounterFamily& requests;
  telemetry::HistogramFamily& durations;
  std::string languages_text = common::lossy_json_text(languages_json(service.languages()));
  std::atomic<bool> accepting{true};
  restinio::running_server_handle_t<Traits> server;
  bool stopped = false;
};

HttpServer::HttpServer(HttpConfig config, actors::JobService& service,
                       telemetry::Registry& registry, telemetry::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(config), service, registry, logger)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  const auto& config = impl_->config;
  if (!impl_->authenticator.enabled()) {
    impl_->logger.log(telemetry::LogLevel::warn, "auth_disabled",
                      {{"message",
                        "no JWT key is configured (JWT_SECRET, JWT_PUBLIC_KEY_FILE): every "
                        "client may submit, read and cancel every job; do not expose this node"}});
  }
  auto settings =
      restinio::server_settings_t<Traits>{}
          .address(config.address)
          .port(config.port)
          .request_handler(impl_->routes())
          .max_parallel_connections(config.max_connections)
          .acceptor_post_bind_hook([](restinio::asio_ns::ip::tcp::acceptor& listener) {
            mark_close_on_exec(listener.native_handle());
          })
          // Long enough for the longest ?wait=true answer and for an idle event stream's
          // first keep-alive, whichever is later.
          .handle_request_timeout(
              std::chrono::milliseconds(std::max(config.wait_max_ms, config.sse_heartbeat_ms)) +
              std::chrono::seconds(10))
          // Above every limit the parser checks itself, so oversized bodies get a
          // 413 with a reason instead of a closed connection.
          .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(
              static_cast<std::size_t>(config.limits.max_body_bytes) + (1 << 20)));
  impl_->server =
      restinio::run_async<Traits>(restinio::own_io_context(), std::move(settings), config.threads);
}

void HttpServer::stop_accepting_jobs() {
  impl_->accepting.store(false);
}

void HttpServer::stop() {
  if (!impl_->server) return;
  // The handle (and its io_context) is released by ~HttpServer, after the actors that may still
  // write to its connections are gone.
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server->stop();
  impl_->server->wait();
}

}  // namespace codearena::http
