// Configuration of `codearena serve`: every setting has an environment variable (the product
// brief's names where it has one) and a flag that overrides it; serve_usage() lists them all.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http/server.h"
#include "node/service.h"
#include "telemetry/log.h"
#include "webhooks/webhook_config.h"

namespace codearena::app {

class ServeUsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ServeConfig {
  actors::ServiceConfig service;
  http::HttpConfig http;
  webhooks::WebhookConfig webhooks;
  telemetry::LogLevel log_level = telemetry::LogLevel::info;
  int64_t shutdown_grace_ms = 30'000;
  bool roles_given = false;  // --roles or ROLES was set (else the roles default by mode).
  // CLUSTER_SECRET: the nodes' TLS identity is derived from it (cluster/secret_identity.h).
  std::string cluster_secret;
};

// Reads the environment through `getenv` (injectable for tests), then the flags. Throws
// ServeUsageError naming the flag or variable and the bad value.
ServeConfig parse_serve_config(const std::vector<std::string>& args,
                               const std::function<const char*(const char*)>& getenv);

std::string serve_usage();

}  // namespace codearena::app
