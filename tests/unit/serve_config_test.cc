#include <sched.h>

#include <catch2/catch.hpp>

#include <map>

#include "app/serve_config.h"

using codearena::app::parse_serve_config;
using codearena::app::ServeUsageError;

namespace {

auto environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    const auto found = values.find(name);
    return found == values.end() ? nullptr : found->second.c_str();
  };
}

}  // namespace

TEST_CASE("serve takes the product brief's variables, and flags override them", "[serve]") {
  const auto config = parse_serve_config({"--port", "8080", "--queue-max-depth=7"},
                                         environment({{"PORT", "3005"},
                                                      {"WORKER_CONCURRENCY", "3"},
                                                      {"TIME_LIMIT", "2"},
                                                      {"MEMORY_LIMIT", "64m"},
                                                      {"OUTPUT_LIMIT", "8k"},
                                                      {"API_RATE_LIMIT", "0"},
                                                      {"LOG_LEVEL", "warn"},
                                                      {"QUEUE_MAX_DEPTH", "50"}}));
  CHECK(config.http.port == 8080);
  CHECK(config.service.policy.queue_max_depth == 7);
  CHECK(config.service.worker.slots == 3);
  CHECK(config.service.worker.defaults.time_ms == 2000);
  CHECK(config.service.worker.defaults.memory_bytes == 64LL << 20);
  CHECK(config.service.worker.defaults.output_bytes == 8 << 10);
  CHECK(config.http.rate_limit_per_minute == 0);
  CHECK(config.log_level == codearena::telemetry::LogLevel::warn);
}

TEST_CASE("serve defaults follow the product brief", "[serve]") {
  const auto config = parse_serve_config({}, environment({}));
  CHECK(config.http.port == 3001);
  // One slot per CPU the node may use, so that slots never wait for a core.
  cpu_set_t cpus;
  REQUIRE(::sched_getaffinity(0, sizeof cpus, &cpus) == 0);
  CHECK(config.service.worker.slots == CPU_COUNT(&cpus));
  CHECK(config.service.policy.queue_max_depth == 1000);
  CHECK(config.http.limits.max_code_bytes == 65536);
  CHECK(config.http.rate_limit_per_minute == 100);
  CHECK(config.http.metrics_enabled);
  CHECK_FALSE(config.service.worker.defaults.time_ms);  // The language's own default.
  CHECK(config.service.worker.injected_internal_errors == 0);
}

TEST_CASE("bad serve settings name the flag or variable", "[serve]") {
  const auto message = [](std::vector<std::string> args, std::map<std::string, std::string> env) {
    try {
      parse_serve_config(args, environment(std::move(env)));
    } catch (const ServeUsageError& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  CHECK(message({"--port", "70000"}, {}).find("--port") != std::string::npos);
  CHECK(message({}, {{"WORKER_CONCURRENCY", "0"}}).find("WORKER_CONCURRENCY") != std::string::npos);
  CHECK(message({}, {{"LOG_LEVEL", "chatty"}}).find("LOG_LEVEL") != std::string::npos);
  CHECK(message({"--bogus", "1"}, {}).find("unknown option '--bogus'") != std::string::npos);
  CHECK(message({"--port"}, {}).find("needs a value") != std::string::npos);
  CHECK(message({}, {{"METRICS_ENABLED", "maybe"}}).find("METRICS_ENABLED") != std::string::npos);
  CHECK(message({}, {{"CORS_ORIGINS", "app.example.com"}}).find("CORS_ORIGINS") !=
        std::string::npos);
  CHECK(message({"--tls-cert", "cert.pem"}, {}).find("--tls-key") != std::string::npos);
}

TEST_CASE("serve without cluster settings is one node with every role", "[serve][cluster]") {
  const auto config = parse_serve_config({}, environment({}));
  const auto& cluster = config.service.cluster;
  CHECK((cluster.api && cluster.scheduler && cluster.worker));
  CHECK_FALSE(cluster.networked());
  CHECK(cluster.node_id == "local");
}

TEST_CASE("serve takes the cluster settings from flags and variables", "[serve][cluster]") {
  const auto config = parse_serve_config(
      {"--roles", "api,scheduler", "--cluster-listen", "0.0.0.0:4100", "--lease-ttl", "3s"},
      environment({{"REDIS_URL", "redis://redis:6379"},
                   {"NODE_ID", "node-a"},
                   {"NODE_TIMEOUT", "2500ms"}}));
  const auto& cluster = config.service.cluster;
  CHECK((cluster.api && cluster.scheduler && !cluster.worker));
  CHECK(cluster.redis_url == "redis://redis:6379");
  CHECK(cluster.node_id == "node-a");
  CHECK(cluster.lease_ttl_ms == 3000);
  CHECK(cluster.node_timeout_ms == 2500);
  CHECK(cluster.listen == "0.0.0.0:4100");
  // 0.0.0.0 is no address to reach: other nodes are told the host name.
  CHECK(cluster.advertise.find("0.0.0.0") == std::string::npos);
  CHECK(cluster.advertise.substr(cluster.advertise.size() - 5) == ":4100");
}

TEST_CASE("a Redis cluster node gets a unique id and a cluster port by default",
          "[serve][cluster]") {
  const auto config = parse_serve_config({"--redis", "redis://127.0.0.1:6379"}, environment({}));
  const auto& cluster = config.service.cluster;
  CHECK(cluster.node_id != "local");
  CHECK(cluster.listen == "127.0.0.1:4001");
  CHECK(cluster.advertise == "127.0.0.1:4001");
}

TEST_CASE("a node joining without Redis is an API and worker node", "[serve][cluster]") {
  const auto config = parse_serve_config({"--join", "leader:4001"}, environment({}));
  const auto& cluster = config.service.cluster;
  CHECK((cluster.api && !cluster.scheduler && cluster.worker));
  CHECK(cluster.join == "leader:4001");
}

TEST_CASE("cluster settings that cannot work are refused with a reason", "[serve][cluster]") {
  const auto refused = [](std::vector<std::string> args, const char* says) {
    CHECK_THROWS_WITH(parse_serve_config(args, environment({})), Catch::Matchers::Contains(says));
  };
  refused({"--roles", "api,cook"}, "unknown role 'cook'");
  refused({"--roles", "worker"}, "needs --redis or --join");
  refused({"--join", "leader:4001", "--roles", "scheduler"}, "cannot have the scheduler role");
  refused({"--join", "leader:4001", "--redis", "redis://r:6379"}, "exclude each other");
  refused({"--join", "leader"}, "not host:port");
  refused({"--cluster-listen", "127.0.0.1:99999"}, "between 1 and 65535");
  refused({"--redis", "http://r:6379"}, "--redis");
  refused({"--redis-password", "secret"}, "needs --redis");
}

TEST_CASE("the Redis password reaches the job store, the lease and the shared rate limit",
          "[serve][cluster]") {
  const auto config = parse_serve_config(
      {}, environment({{"REDIS_URL", "redis://redis:6379"}, {"REDIS_PASSWORD", "s3cret"}}));
  CHECK(config.service.cluster.redis_password == "s3cret");
  CHECK(config.http.rate_limit_redis_password == "s3cret");
}

TEST_CASE("serve takes the JWT settings and refuses token checks without a key", "[serve][auth]") {
  const std::string kSecret = "a secret of at least thirty-two bytes";
  const auto config =
      parse_serve_config({"--jwt-leeway", "5s"}, environment({{"JWT_SECRET", kSecret},
                                                              {"JWT_ISSUER", "https://issuer.test"},
                                                              {"JWT_AUDIENCE", "api"},
                                                              {"METRICS_AUTH", "true"}}));
  CHECK(config.http.auth.enabled());
  CHECK(config.http.auth.secret == kSecret);
  CHECK(config.http.auth.issuer == "https://issuer.test");
  CHECK(config.http.auth.audience == "api");
  CHECK(config.http.auth.leeway_s == 5);
  CHECK(config.http.auth.protect_metrics);
  CHECK_FALSE(parse_serve_config({}, environment({})).http.auth.enabled());

  CHECK_THROWS_WITH(parse_serve_config({}, environment({{"JWT_PUBLIC_KEY_FILE", "/nonexistent"}})),
                    Catch::Contains("JWT_PUBLIC_KEY_FILE") && Catch::Contains("/nonexistent"));
  CHECK_THROWS_WITH(parse_serve_config({"--jwt-public-key-file", "/proc/version"}, environment({})),
                    Catch::Contains("--jwt-public-key-file") &&
                        Catch::Contains("neither a PEM public key nor a JWKS"));
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"JWT_ISSUER", "x"}, {"JWT_AUDIENCE", "x"}, {"METRICS_AUTH", "true"}}) {
    CHECK_THROWS_AS(parse_serve_config({}, environment({{name, value}})), ServeUsageError);
  }
  CHECK_THROWS_WITH(parse_serve_config({"--cluster-secret", "s3cret"}, environment({})),
                    Catch::Contains("--cluster-secret") && Catch::Contains("at least 32"));
  const auto secret_cluster = parse_serve_config({"--cluster-secret", kSecret}, environment({}));
  CHECK(secret_cluster.service.cluster.tls);
  CHECK(secret_cluster.cluster_secret == kSecret);
  // A secret always means TLS, whatever order or source the settings come in.
  CHECK(parse_serve_config({"--cluster-secret", kSecret, "--cluster-tls", "false"},
                           environment({}))
            .service.cluster.tls);
  CHECK(parse_serve_config({"--cluster-tls", "false"}, environment({{"CLUSTER_SECRET", kSecret}}))
            .service.cluster.tls);
  CHECK_THROWS_WITH(
      parse_serve_config({"--cluster-secret", kSecret, "--cluster-tls-ca", "/ca.pem"},
                         environment({})),
      Catch::Contains("excludes"));
  CHECK_THROWS_WITH(parse_serve_config({"--jwt-secret", "s3cret"}, environment({})),
                    Catch::Contains("--jwt-secret") && Catch::Contains("at least 32"));
  for (const char* flag : {"--jwt-secret=", "--jwt-issuer=", "--jwt-public-key-file="}) {
    INFO(flag);
    CHECK_THROWS_WITH(parse_serve_config({flag}, environment({{"JWT_SECRET", kSecret}})),
                      Catch::Contains("empty"));
  }
}

TEST_CASE("serve takes the connection settings", "[serve]") {
  const auto defaults = parse_serve_config({}, environment({}));
  CHECK(defaults.http.max_connections == 10'000);
  CHECK(defaults.http.max_connections_per_client == 256);
  CHECK(defaults.http.silent_connection_timeout_ms == 5'000);
  CHECK(defaults.http.keep_alive_timeout_ms == 60'000);
  const auto config = parse_serve_config(
      {"--max-connections", "500"}, environment({{"MAX_CONNECTIONS_PER_CLIENT", "0"},
                                                 {"SILENT_CONNECTION_TIMEOUT", "1500ms"},
                                                 {"KEEP_ALIVE_TIMEOUT", "2m"}}));
  CHECK(config.http.max_connections == 500);
  CHECK(config.http.max_connections_per_client == 0);
  CHECK(config.http.silent_connection_timeout_ms == 1'500);
  CHECK(config.http.keep_alive_timeout_ms == 120'000);
  CHECK_THROWS_AS(parse_serve_config({}, environment({{"MAX_CONNECTIONS", "0"}})),
                  ServeUsageError);
  CHECK_THROWS_AS(parse_serve_config({}, environment({{"SILENT_CONNECTION_TIMEOUT", "0"}})),
                  ServeUsageError);
}

TEST_CASE("spare compilers are on by default and SPARE_COMPILERS turns them off", "[serve]") {
  CHECK(parse_serve_config({}, environment({})).service.judging.spare_compilers);
  CHECK_FALSE(parse_serve_config({}, environment({{"SPARE_COMPILERS", "false"}}))
                  .service.judging.spare_compilers);
  CHECK_FALSE(
      parse_serve_config({"--spare-compilers", "false"}, environment({{"SPARE_COMPILERS", "true"}}))
          .service.judging.spare_compilers);
}
