// The REST front end: a RESTinio server whose handlers parse and validate requests, hand them to
// the JobService and answer when the actors reply (never blocking an asio thread).
//
// Endpoints: POST /api/execute, GET|DELETE /api/jobs/:id, GET /api/jobs/:id/events (SSE),
// GET /api/stats, /api/languages, /api/openapi.json, /health, /ready, /metrics. With a JWT key
// configured the job endpoints, stats and (optionally) metrics need a bearer token with the
// endpoint's scope (http/auth.h), and a job is visible only to its owner and admins. Errors are
// {"error":{"code","message"}} with the matching status. Every request is counted in the
// metrics registry and logged as one JSON line. Thread-safe; start() and stop() once each.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/auth.h"
#include "http/client_address.h"
#include "http/cors.h"
#include "http/request_parsing.h"
#include "webhooks/address_policy.h"

namespace codearena::actors {
class JobService;
}
namespace codearena::telemetry {
class Registry;
class Logger;
}  // namespace codearena::telemetry

namespace codearena::http {

struct HttpConfig {
  std::string address = "0.0.0.0";
  uint16_t port = 3001;
  size_t threads = 2;  // asio threads
  // Open client connections: in all (beyond it new ones wait to be accepted), and per client
  // address (beyond it they are refused with 429; 0: no limit; TRUSTED_PROXIES are exempt).
  size_t max_connections = 10'000;
  size_t max_connections_per_client = 256;
  // A connection that sends no request bytes this long after it is accepted is closed (0: never).
  int64_t silent_connection_timeout_ms = 5'000;
  // Longest wait for the next request on an open connection, and to read one whole.
  int64_t keep_alive_timeout_ms = 60'000;
  RequestLimits limits;
  int64_t wait_max_ms = 20'000;  // Longest ?wait=true answer; then 202 as usual.
  // Submissions per subject (or client address without a token) in any 60 s; 0: unlimited.
  int64_t rate_limit_per_minute = 100;
  // With a Redis URL (the cluster's REDIS_URL) every API node shares each key's budget.
  std::string rate_limit_redis_url;
  std::string rate_limit_redis_password;  // AUTH for rate_limit_redis_url; empty: none.
  // Proxies whose forwarding header names the client (TRUSTED_PROXIES), and which header they
  // write (FORWARDED_HEADER).
  TrustedProxies trusted_proxies;
  ForwardingHeader forwarding_header = ForwardingHeader::kXForwardedFor;
  bool metrics_enabled = true;
  int64_t sse_heartbeat_ms = 15'000;  // Comment lines keeping idle event streams open.
  // Serve the job API (submit, status, cancel, events); without it (a node without the api
  // role) only stats, languages, health, readiness and metrics are served.
  bool job_api = true;
  AuthConfig auth;  // Without a key: no authentication (a warning is logged at start).
  CorsPolicy cors;  // Which browser origins may call the API (CORS_ORIGINS).
  // Where callbacks may go (WEBHOOK_ALLOW_PRIVATE): a callbackUrl that can never be delivered
  // to is refused at submission.
  webhooks::AddressPolicy callback_destinations;
  // HTTPS instead of HTTP when set (both): PEM files of the certificate chain and its key.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  // `service`, `registry` and `logger` must outlive the server.
  HttpServer(HttpConfig config, actors::JobService& service, telemetry::Registry& registry,
             telemetry::Logger& logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; throws std::runtime_error when the address cannot be bound or
  // the TLS certificate or key cannot be used.
  void start();
  // From now on submissions get 503 shutting_down and /ready answers 503; the rest still works.
  void stop_accepting_jobs();
  // Closes the listener and every connection, and joins the asio threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codearena::http
