#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>

#include <restinio/all.hpp>

#include "common/epoch_ms.h"
#include "common/json_text.h"
#include "http/callback_check.h"
#include "http/client_socket.h"
#include "http/conditional.h"
#include "http/cors.h"
#include "http/inspect_json.h"
#include "http/echo_text.h"
#include "http/event_stream.h"
#include "http/job_json.h"
#include "http/job_list.h"
#include "http/language_offers.h"
#include "http/openapi_document.h"
#include "http/query_flags.h"
#include "http/rate_limiter.h"
#include "http/route_table.h"
#include "http/shared_rate_limiter.h"
#include "node/service.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"

namespace codearena::http {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Traits : public restinio::default_traits_t {
  using stream_socket_t = ClientSocket;
  static constexpr bool use_connection_count_limiter = true;
};

// HTTPS (TLS_CERT_FILE, TLS_KEY_FILE): the same server over TLS connections.
struct TlsTraits : public Traits {
  using stream_socket_t = TlsClientSocket;
};

// The server's certificate chain and key, TLS 1.2 and later.
restinio::asio_ns::ssl::context tls_context(const HttpConfig& config) {
  namespace ssl = restinio::asio_ns::ssl;
  ssl::context context(ssl::context::tls_server);
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                      ssl::context::single_dh_use);
  try {
    context.use_certificate_chain_file(config.tls_cert_file);
    context.use_private_key_file(config.tls_key_file, ssl::context::pem);
  } catch (const std::system_error& error) {
    throw std::runtime_error("http: TLS certificate " + config.tls_cert_file + " or key " +
                             config.tls_key_file + " unusable: " + error.what());
  }
  return context;
}

constexpr const char* kJsonType = "application/json";

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
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
        rate_limited(registry.counter("codearena_http_rate_limited_total",
                                      "Requests refused with 429, by budget.", {"budget"})),
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
    HeaderList rate_headers;  // The RateLimit-* headers of a rate-limited route's answer.
  };

  // The headers every answer carries: no caching (results change and may be private), no
  // content sniffing, and the CORS headers for the request's origin.
  template <typename Response>
  void append_common_headers(Response& response, const Request& request) {
    response.append_header(restinio::http_field::cache_control, "no-store");
    response.append_header("X-Content-Type-Options", "nosniff");
    const auto origin = request->header().get_field_or(restinio::http_field::origin, "");
    for (const auto& [name, value] : config.cors.response_headers(origin)) {
      response.append_header(name, value);
    }
  }

  // A HEAD request gets the headers, Content-Length included, of the GET answer without its
  // body; so does a 304, whose `body` is the one a 200 would carry.
  void answer(const Exchange& exchange, int status, const std::string& body,
              const char* content_type = kJsonType, const HeaderList& headers = {}) {
    const auto send = [&](auto response) {
      response.append_header(restinio::http_field::content_type, content_type);
      append_common_headers(response, exchange.request);
      for (const auto& [name, value] : headers) response.append_header(name, value);
      for (const auto& [name, value] : exchange.rate_headers) response.append_header(name, value);
      return response;
    };
    if (exchange.request->header().method() == restinio::http_method_head() || status == 304) {
      send(exchange.request->create_response<restinio::user_controlled_output_t>(
               status_line(status)))
          .set_content_length(body.size())
          .done();
    } else {
      send(exchange.request->create_response(status_line(status))).set_body(body).done();
    }
    record(exchange, status);
  }

  void answer_json(const Exchange& exchange, int status, const json& body,
                   const HeaderList& headers = {}) {
    answer(exchange, status, common::lossy_json_text(body), kJsonType, headers);
  }

  void answer_error(const Exchange& exchange, int status, const std::string& code,
                    const std::string& message, const HeaderList& headers = {}) {
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

  // Every value of the header `field`, its lines joined with commas.
  static std::string joined_values(const Request& request, restinio::string_view_t field) {
    std::string values;
    request->header().for_each_value_of(field, [&](restinio::string_view_t value) {
      values += (values.empty() ? "" : ",") + std::string(value);
      return restinio::http_header_fields_t::continue_enumeration();
    });
    return values;
  }

  // The client's address, read from the forwarding header only behind TRUSTED_PROXIES.
  std::string client_address_of(const Request& request) const {
    return client_address(request->remote_endpoint().address().to_string(),
                          config.forwarding_header,
                          joined_values(request, forwarding_header_name(config.forwarding_header)),
                          config.trusted_proxies);
  }

  // Counts the request in the submissions budget of its subject, or of the client's address
  // (an IPv6 client's /64) without one: in Redis when the cluster shares the budget, else in this
  // node's window. Then runs `then` with the exchange, now carrying the RateLimit-* headers, or
  // answers 429.
  template <class Then>
  void admit(Exchange exchange, const std::string& subject, const std::string& client, Then then) {
    auto key = subject.empty() ? "address " + budget_address(client) : "subject " + subject;
    if (!shared_rate_limiter) {
      const auto decision = rate_limiter.take(key, common::epoch_ms());
      if (settle(exchange, decision, key)) then(std::move(exchange));
      return;
    }
    shared_rate_limiter->take(key, [this, exchange, key, then](const RateDecision& decision) {
      auto admitted = exchange;
      if (settle(admitted, decision, key)) then(std::move(admitted));
    });
  }

  // True when `decision` admits the request (its headers go on the answer); else answers 429.
  bool settle(Exchange& exchange, const RateDecision& decision, const std::string& key) {
    if (decision.limit == 0) return true;
    HeaderList headers = {{"RateLimit-Limit", std::to_string(decision.limit)},
                          {"RateLimit-Remaining", std::to_string(decision.remaining)},
                          {"RateLimit-Reset", std::to_string(decision.reset_s)},
                          {"RateLimit-Policy", std::to_string(decision.limit) + ";w=60"}};
    if (decision.allowed) {
      exchange.rate_headers = std::move(headers);
      return true;
    }
    rate_limited.with({"submissions"}).inc();
    headers.emplace_back("Retry-After", std::to_string(decision.retry_after_s));
    answer_error(exchange, 429, "rate_limited",
                 "more than " + std::to_string(decision.limit) + " submissions within 60 s from " +
                     key + "; retry in " + std::to_string(decision.retry_after_s) + " s",
                 headers);
    return false;
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
    // A missing type is refused too: a browser may send a body without one from any page
    // without a CORS preflight, and a type of JSON forces that preflight.
    const auto content_type =
        request->header().get_field_or(restinio::http_field::content_type, std::string{});
    if (!is_json_media_type(content_type)) {
      answer_error(exchange, 415, "unsupported_media_type",
                   "send the job as JSON (Content-Type: application/json)");
      return restinio::request_accepted();
    }
    // Parsed here, on the asio thread, and answered after the rate limit: malformed
    // submissions count too. The callback's host name is resolved elsewhere (CallbackChecks).
    auto parsed = std::make_shared<ExecuteRequest>();
    std::optional<ApiError> malformed;
    try {
      const bool wait = query_flags(request, {"wait"})["wait"];
      *parsed = parse_execute_request(request->body(), config.limits, service.languages());
      parsed->wait = parsed->wait || wait;
    } catch (const ApiError& error) {
      malformed = error;
    }
    const auto client = client_address_of(request);
    callback_checks.check(
        malformed ? "" : parsed->spec.callback_url,
        [this, exchange, parsed, malformed, principal = *principal,
         client](std::optional<ApiError> refused) {
          const auto problem = malformed ? malformed : refused;
          admit(exchange, principal.subject, client,
                [this, parsed, problem, principal, client](Exchange admitted) {
                  if (problem) {
                    return answer_error(admitted, problem->status(), problem->code(),
                                        problem->what());
                  }
                  submit(std::move(admitted), principal, client, std::move(*parsed));
                });
        });
    return restinio::request_accepted();
  }

  // The request's query read as the flags `known` (throws ApiError 400 invalid_query); its
  // encoding was checked before routing (malformed_target).
  static QueryFlags query_flags(const Request& request,
                                std::initializer_list<std::string_view> known) {
    const auto query = restinio::parse_query(request->header().query());
    std::vector<std::pair<std::string, std::string>> parameters;
    for (const auto& [name, value] : query) parameters.emplace_back(name, value);
    const auto bare = query.tag() ? std::string(*query.tag()) : std::string();
    return QueryFlags(parameters, bare, known);
  }

  void submit(Exchange exchange, const Principal& principal, const std::string& client,
              ExecuteRequest parsed) {
    const bool wait = parsed.wait;
    parsed.spec.owner = principal.subject;
    auto audit = submission_audit(principal, client, parsed.spec);
    service.submit(std::move(parsed.spec), [this, exchange, wait, audit](auto reply) mutable {
      if (!reply) return answer_unavailable(exchange);
      if (reply->refusal != actors::SubmitRefusal::kNone) {
        return answer_error(exchange, 503, actors::refusal_code(reply->refusal),
                            reply->error_message,
                            {{"Retry-After", std::to_string(reply->retry_after_s)}});
      }
      audit["jobId"] = reply->job_id;
      logger.log(telemetry::LogLevel::info, "job_submitted", audit);
      // Where the job's status is read, on every answer that is not the final one.
      const HeaderList location = {{"Location", "/api/jobs/" + reply->job_id}};
      if (!wait) {
        return answer_json(exchange, 202, {{"jobId", reply->job_id}, {"status", "queued"}},
                           location);
      }
      // Its duration includes the job's run: kept apart from the API's own latency.
      exchange.route = "/api/execute?wait=true";
      service.await(reply->job_id, config.wait_max_ms, [this, exchange, location](auto status) {
        if (!status) return answer_unavailable(exchange);
        auto body = job_json(*status);
        body["status"] = body["state"];
        const bool final = actors::is_final(status->state);
        answer_json(exchange, final ? 200 : 202, body, final ? HeaderList{} : location);
      });
    });
  }

  // The job id of a /api/jobs/:id route, or an answered 404 that does not repeat what cannot
  // be an id (it could be anything, of any length).
  std::optional<std::string> job_id(const Exchange& exchange, const Params& params) {
    auto id = restinio::cast_to<std::string>(params["id"]);
    if (looks_like_job_id(id)) return id;
    answer_error(exchange, 404, "job_not_found",
                 "no such job: job ids are UUIDs (8-4-4-4-12 hexadecimal digits)");
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
      const auto body = common::lossy_json_text(job_json(status));
      const auto etag = job_etag(status, body);
      const bool unchanged =
          none_match_names(joined_values(exchange.request, "If-None-Match"), etag);
      answer(exchange, unchanged ? 304 : 200, body, kJsonType, {{"ETag", etag}});
    });
    return restinio::request_accepted();
  }

  Status list_jobs(const Request& request) {
    Exchange exchange{request, "/api/jobs"};
    const auto principal = authorize(exchange, Scope::kRead);
    if (!principal) return restinio::request_accepted();
    actors::JobQuery query;
    try {
      QueryParams params;
      // The query was checked before routing (malformed_target).
      for (const auto& [name, value] : restinio::parse_query(request->header().query()))
        params.emplace_back(std::string(name), std::string(value));
      query = parse_job_query(params, service.languages());
    } catch (const ApiError& error) {
      answer_error(exchange, error.status(), error.code(), error.what());
      return restinio::request_accepted();
    }
    query.any_owner = principal->has(Scope::kAdmin);
    query.owner = principal->subject;
    service.list(std::move(query), [this, exchange](auto page) {
      if (!page) return answer_unavailable(exchange);
      answer_json(exchange, 200, job_page_json(*page));
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
    const auto last = parse_last_event_id(
        std::string(request->header().get_field_or("Last-Event-ID", "")));
    with_visible_job(exchange, *principal, *id,
                     [this, exchange, id = *id, last](const actors::JobStatus&) {
                       // A client that has the final event is told there is nothing more, so
                       // that an EventSource stops reconnecting.
                       if (last.final) return answer(exchange, 204, "", "text/event-stream");
                       if (exchange.request->header().method() == restinio::http_method_head()) {
                         return answer(exchange, 200, "", "text/event-stream");
                       }
                       stream_events(exchange, id, last);
                     });
    return restinio::request_accepted();
  }

  // The job's events as SSE, from its current state on, without the tests `received` says the
  // client has; its visibility is checked already. The stream ends after the final state.
  void stream_events(const Exchange& exchange, const std::string& id, const LastEvent& received) {
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
              .append_header("X-Accel-Buffering", "no");
          append_common_headers(**stream, exchange.request);
          record(exchange, 200);
          send(state_event_text(*status), actors::is_final(status->state));
        },
        [send, received](const actors::JobEvent& event) {
          if (already_received(received, event)) return;
          if (event.test) return send(test_event_text(event), false);
          send(state_event_text(event.status), actors::is_final(event.status.state));
        },
        config.sse_heartbeat_ms,
        [send, gone] {
          if (gone->load()) return false;
          send(": keep-alive\n\n", false);
          return true;
        },
        [this, exchange, stream] {
          if (!*stream) return answer_unavailable(exchange);
          (*stream)->done();
        });
  }

  Status stats(const Request& request) {
    Exchange exchange{request, "/api/stats"};
    if (!authorize(exchange, Scope::kAdmin)) return restinio::request_accepted();
    service.stats([this, exchange](auto stats) {
      if (!stats) return answer_unavailable(exchange);
      json body = stats_json(*stats);
      body["languages"] = language_offers_json(service.languages(), &*stats);
      answer_json(exchange, 200, body);
    });
    return restinio::request_accepted();
  }

  Status languages(const Request& request) {
    Exchange exchange{request, "/api/languages"};
    service.stats([this, exchange](auto stats) {
      answer_json(exchange, 200,
                  languages_with_offers_json(service.languages(), stats ? &*stats : nullptr));
    });
    return restinio::request_accepted();
  }

  // The cluster gathered now (admin scope), answered by `render` as JSON or nullopt for 404.
  template <class Render>
  Status inspect(const Request& request, const char* route, Render render) {
    Exchange exchange{request, route};
    if (!authorize(exchange, Scope::kAdmin)) return restinio::request_accepted();
    service.inspect([this, exchange, render](auto inspection) {
      if (!inspection) return answer_unavailable(exchange);
      if (auto body = render(*inspection)) return answer_json(exchange, 200, *body);
      answer_error(exchange, 404, "node_not_found", "no node with that id in the cluster");
    });
    return restinio::request_accepted();
  }

  Status inspect_actors(const Request& request) {
    const auto query = restinio::parse_query(request->header().query());
    const std::string node = query.has("node") ? std::string(query["node"]) : "";
    return inspect(request, "/api/admin/inspect/actors",
                   [node](const auto& inspection) { return actors_json(inspection, node); });
  }

  Status inspect_job(const Request& request, const Params& params) {
    Exchange exchange{request, "/api/admin/inspect/jobs/:id"};
    const auto id = authorize(exchange, Scope::kAdmin) ? job_id(exchange, params) : std::nullopt;
    if (!id) return restinio::request_accepted();
    service.status(*id, [this, exchange, id = *id](auto status) {
      if (!status) return answer_unavailable(exchange);
      if (status->id.empty()) return answer_not_found(exchange, id);
      answer_json(exchange, 200, timeline_json(*status));
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
                     echo(request->header().path()) + " (see GET /api/openapi.json)");
    return restinio::request_accepted();
  }

  // A CORS preflight, or a client asking which methods a path serves; never needs a token.
  Status preflight(const Request& request, const std::string& methods) {
    Exchange exchange{request, "preflight"};
    const auto origin = request->header().get_field_or(restinio::http_field::origin, "");
    auto response = request->create_response(status_line(204));
    response.append_header(restinio::http_field::allow, methods + ", OPTIONS");
    response.append_header("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : config.cors.preflight_headers(origin, methods)) {
      response.append_header(name, value);
    }
    response.done();
    record(exchange, 204);
    return restinio::request_accepted();
  }

  Status method_not_allowed(const Request& request, const std::string& methods) {
    const auto allowed = methods + ", OPTIONS";
    answer_error(Exchange{request, "unmatched"}, 405, "method_not_allowed",
                 std::string(request->header().method().c_str()) + " is not served at " +
                     echo(request->header().path()) + "; allowed: " + allowed,
                 {{"Allow", allowed}});
    return restinio::request_accepted();
  }

  // What is wrong with the request's path or query ("" when nothing): bad percent-encoding
  // would otherwise make the router, or a handler reading the query, drop the connection.
  static std::string target_problem(const restinio::http_request_header_t& header) {
    try {  // The router's own reading of the path, which throws where it cannot.
      (void)restinio::utils::uri_normalization::unreserved_chars::estimate_required_capacity(
          header.path());
    } catch (const std::exception& error) {
      return std::string("the path is malformed: ") + error.what();
    }
    if (auto query = restinio::try_parse_query<restinio::parse_query_traits::restinio_defaults>(
            header.query());
        !query) {
      return "the query string is malformed: " + query.error().giveout_description();
    }
    return "";
  }

  // Routes the requests whose target can be read; the others get 400 malformed_target. Each
  // request is handled off its connection's strand: RESTinio 0.6 goes on reading pipelined
  // requests both when a handler answers on the strand and when that answer has been written,
  // and the second reader overflows the one-request pipeline and drops the connection (a third
  // pipelined request lost the second's answer). Answers that always reach the connection from
  // elsewhere leave the finished write as the only reader, so every request gets its answer,
  // in order.
  restinio::default_request_handler_t request_handler() {
    std::shared_ptr<Router> router = routes();
    return [this, router](const Request& request) {
      restinio::asio_ns::post(io_context, [this, router, request] { route(*router, request); });
      return restinio::request_accepted();
    };
  }

  // A handler's exception must not end an asio thread (RESTinio caught them on the strand); the
  // request then goes unanswered until handle_request_timeout closes its connection.
  void route(Router& router, const Request& request) {
    try {
      if (auto problem = target_problem(request->header()); !problem.empty()) {
        answer_error(Exchange{request, "unmatched"}, 400, "malformed_target", problem);
        return;
      }
      // Every route answers, the unmatched one included, so the status is always "accepted".
      static_cast<void>(router(request));
    } catch (const std::exception& error) {
      logger.log(
          telemetry::LogLevel::error, "http_handler_failed",
          {{"target", std::string(request->header().request_target())}, {"error", error.what()}});
    }
  }

  std::unique_ptr<Router> routes() {
    auto router = std::make_unique<Router>();
    RouteTable table(*router);
    if (config.job_api) {
      table.on(restinio::http_method_post(), "/api/execute",
               [this](auto request, auto) { return execute(request); });
      table.get("/api/jobs", [this](auto request, auto) { return list_jobs(request); });
      table.get("/api/jobs/:id", [this](auto r, auto p) { return get_job(r, p); });
      table.on(restinio::http_method_delete(), "/api/jobs/:id",
               [this](auto r, auto p) { return cancel_job(r, p); });
      table.get("/api/jobs/:id/events", [this](auto r, auto p) { return job_events(r, p); });
    } else {
      const auto refuse = [this](const char* route) {
        return [this, route](auto request, auto) { return not_an_api_node(request, route); };
      };
      table.on(restinio::http_method_post(), "/api/execute", refuse("/api/execute"));
      table.get("/api/jobs", refuse("/api/jobs"));
      table.get("/api/jobs/:id", refuse("/api/jobs/:id"));
      table.on(restinio::http_method_delete(), "/api/jobs/:id", refuse("/api/jobs/:id"));
      table.get("/api/jobs/:id/events", refuse("/api/jobs/:id/events"));
    }
    table.get("/api/stats", [this](auto request, auto) { return stats(request); });
    table.get("/api/admin/inspect/nodes", [this](auto request, auto) {
      return inspect(request, "/api/admin/inspect/nodes", [](const auto& inspection) {
        return std::optional<json>(nodes_json(inspection));
      });
    });
    table.get("/api/admin/inspect/actors",
              [this](auto request, auto) { return inspect_actors(request); });
    table.get("/api/admin/inspect/jobs/:id",
              [this](auto request, auto params) { return inspect_job(request, params); });
    table.get("/api/languages", [this](auto request, auto) { return languages(request); });
    table.get("/api/openapi.json", [this](auto request, auto) {
      return fixed(request, "/api/openapi.json", openapi_document());
    });
    table.get("/health", [this](auto request, auto) {
      return fixed(request, "/health", R"({"status":"ok"})");
    });
    table.get("/ready", [this](auto request, auto) { return ready(request); });
    table.get("/metrics", [this](auto request, auto) { return metrics(request); });
    table.close(
        [this](auto request, const auto& methods) { return preflight(request, methods); },
        [this](auto request, const auto& methods) { return method_not_allowed(request, methods); });
    router->non_matched_request_handler([this](auto request) { return not_matched(request); });
    return router;
  }

  HttpConfig config;
  actors::JobService& service;
  telemetry::Logger& logger;
  RateLimiter rate_limiter;
  telemetry::CounterFamily& rate_limited;
  Authenticator authenticator{config.auth};
  telemetry::CounterFamily& requests;
  telemetry::HistogramFamily& durations;
  std::atomic<bool> accepting{true};
  template <typename ServerTraits>
  restinio::server_settings_t<ServerTraits> settings();

  // The asio threads' context; it outlives the servers that run on it.
  restinio::asio_ns::io_context io_context;
  // A name a callback URL names gets this long to resolve at submission.
  static constexpr std::chrono::milliseconds kCallbackCheckPatience{2'000};
  CallbackChecks callback_checks{config.callback_destinations, kCallbackCheckPatience,
                                 config.threads};
  // One of the two runs: plain HTTP or HTTPS.
  restinio::running_server_handle_t<Traits> server;
  restinio::running_server_handle_t<TlsTraits> tls_server;
  bool stopped = false;
  // Last, so that its thread stops before anything its callbacks use goes.
  std::unique_ptr<SharedRateLimiter> shared_rate_limiter = shared_limiter();

  std::unique_ptr<SharedRateLimiter> shared_limiter() {
    if (config.rate_limit_redis_url.empty() || config.rate_limit_per_minute <= 0) return nullptr;
    cluster::RedisOptions options;
    options.url = config.rate_limit_redis_url;
    options.password = config.rate_limit_redis_password;
    return std::make_unique<SharedRateLimiter>(config.rate_limit_per_minute, options, rate_limiter,
                                               logger);
  }
};

HttpServer::HttpServer(HttpConfig config, actors::JobService& service,
                       telemetry::Registry& registry, telemetry::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(config), service, registry, logger)) {}

HttpServer::~HttpServer() {
  stop();
}

template <typename ServerTraits>
restinio::server_settings_t<ServerTraits> HttpServer::Impl::settings() {
  return std::move(
      restinio::server_settings_t<ServerTraits>{}
          .address(config.address)
          .port(config.port)
          .request_handler(request_handler())
          .max_parallel_connections(config.max_connections)
          .read_next_http_message_timelimit(std::chrono::milliseconds(config.keep_alive_timeout_ms))
          .acceptor_post_bind_hook([](restinio::asio_ns::ip::tcp::acceptor& listener) {
            mark_close_on_exec(listener.native_handle());
          })
          // Long enough for the longest ?wait=true answer and for an idle event stream's
          // first keep-alive, whichever is later.
          .handle_request_timeout(
              std::chrono::milliseconds(std::max(config.wait_max_ms, config.sse_heartbeat_ms)) +
              std::chrono::seconds(10))
          // Above the limit the client sockets answer with 413, so RESTinio never meets it.
          .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(
              static_cast<std::size_t>(config.limits.max_body_bytes) + (1 << 20))));
}

void HttpServer::start() {
  const auto& config = impl_->config;
  if (!impl_->authenticator.enabled()) {
    impl_->logger.log(telemetry::LogLevel::warn, "auth_disabled",
                      {{"message",
                        "no JWT key is configured (JWT_SECRET, JWT_PUBLIC_KEY_FILE): every "
                        "client may submit, read and cancel every job; do not expose this node"}});
  }
  client_socket_settings = {
      static_cast<uint64_t>(config.limits.max_body_bytes),
      std::make_shared<ConnectionLimits>(config.max_connections_per_client, config.trusted_proxies),
      std::chrono::milliseconds(config.silent_connection_timeout_ms)};
  if (config.tls_cert_file.empty()) {
    impl_->server = restinio::run_async<Traits>(restinio::external_io_context(impl_->io_context),
                                                impl_->settings<Traits>(), config.threads);
  } else {
    impl_->tls_server = restinio::run_async<TlsTraits>(
        restinio::external_io_context(impl_->io_context),
        impl_->settings<TlsTraits>().tls_context(tls_context(config)), config.threads);
  }
}

void HttpServer::stop_accepting_jobs() {
  impl_->accepting.store(false);
}

void HttpServer::stop() {
  if ((!impl_->server && !impl_->tls_server) || impl_->stopped) return;
  // The handle (and its io_context) is released by ~HttpServer, after the actors that may still
  // write to its connections are gone.
  impl_->stopped = true;
  const auto stop_and_wait = [](auto& running) {
    if (!running) return;
    running->stop();
    running->wait();
  };
  stop_and_wait(impl_->server);
  stop_and_wait(impl_->tls_server);
}

}  // namespace codearena::http
