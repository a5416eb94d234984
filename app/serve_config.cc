#include "app/serve_config.h"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

#include "cluster/membership.h"
#include "cluster/redis_connection.h"
#include "cluster/secret_identity.h"
#include "common/setting_text.h"
#include "sandbox/units.h"

namespace codearena::app {
namespace {

struct Setting {
  const char* flag;
  const char* variable;
  const char* fallback;  // What an unset setting means, as --help shows it.
  const char* help;
  std::function<void(ServeConfig&, const std::string&)> apply;
};

int64_t positive_duration_ms(const std::string& text) {
  const int64_t value = sandbox::parse_duration_ms(text);
  if (value <= 0) throw std::invalid_argument("expected a duration above zero, got '" + text + "'");
  return value;
}

int64_t positive_size(const std::string& text) {
  const int64_t value = sandbox::parse_size(text);
  if (value <= 0) throw std::invalid_argument("expected a size above zero, got '" + text + "'");
  return value;
}

// An authentication setting given empty would silently leave the API open or a check off (a
// flag whose shell variable is unset, say).
const std::string& not_empty(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty; leave the setting out instead");
  return text;
}

void set_roles(ServeConfig& config, const std::string& text) {
  auto& cluster = config.service.cluster;
  cluster.api = cluster.scheduler = cluster.worker = false;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string role = text.substr(start, comma - start);
    if (role == "api") {
      cluster.api = true;
    } else if (role == "scheduler") {
      cluster.scheduler = true;
    } else if (role == "worker") {
      cluster.worker = true;
    } else {
      throw std::invalid_argument("unknown role '" + role +
                                  "' (roles: api, scheduler, worker, comma-separated)");
    }
    start = comma + 1;
  }
  config.roles_given = true;
}

std::vector<std::string> language_list(const std::string& text) {
  std::vector<std::string> languages;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string language = text.substr(start, comma - start);
    language.erase(0, std::min(language.find_first_not_of(' '), language.size()));
    language.erase(language.find_last_not_of(' ') + 1);
    if (language.empty())
      throw std::invalid_argument("an empty entry in '" + text +
                                  "' (language ids, comma-separated)");
    languages.push_back(language);
    start = comma + 1;
  }
  return languages;
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> table = {
      {"--host", "HOST", "0.0.0.0", "address to listen on",
       [](ServeConfig& c, const std::string& v) { c.http.address = v; }},
      {"--port", "PORT", "3001", "HTTP port",
       [](ServeConfig& c, const std::string& v) {
         const int64_t port = common::parse_whole_number(v, 1);
         if (port > 65535) throw std::invalid_argument("expected a port up to 65535, got " + v);
         c.http.port = static_cast<uint16_t>(port);
       }},
      {"--workers", "WORKER_CONCURRENCY", "the CPUs this process may use",
       "sandbox slots: jobs (or test cases) run at once, each with one core's CPU share",
       [](ServeConfig& c, const std::string& v) {
         c.service.worker.slots = static_cast<int32_t>(common::parse_whole_number(v, 1));
       }},
      {"--worker-languages", "WORKER_LANGUAGES", "every language whose toolchain is installed",
       "language ids this worker runs, comma-separated (\"python,java\"): the leader sends it "
       "only jobs of these",
       [](ServeConfig& c, const std::string& v) { c.service.worker.languages = language_list(v); }},
      {"--no-worker-timeout", "NO_WORKER_TIMEOUT", "3m",
       "how long a job waits for a worker offering its language before it fails",
       [](ServeConfig& c, const std::string& v) {
         c.service.cluster.no_worker_timeout_ms = positive_duration_ms(v);
       }},
      {"--queue-max-depth", "QUEUE_MAX_DEPTH", "1000",
       "jobs allowed to wait; beyond it submissions get 503 queue_full",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.queue_max_depth = common::parse_whole_number(v, 1);
       }},
      {"--time-limit", "TIME_LIMIT", "the language's (10s)",
       "default CPU time limit of a job (\"2s\", \"500ms\"; bare numbers are seconds)",
       [](ServeConfig& c, const std::string& v) {
         c.service.worker.defaults.time_ms = positive_duration_ms(v);
       }},
      {"--memory-limit", "MEMORY_LIMIT", "the language's (128m)",
       "default memory limit of a job (\"128m\")",
       [](ServeConfig& c, const std::string& v) {
         c.service.worker.defaults.memory_bytes = positive_size(v);
       }},
      {"--output-limit", "OUTPUT_LIMIT", "the language's (64k)",
       "default output limit of a job (\"64k\")",
       [](ServeConfig& c, const std::string& v) {
         c.service.worker.defaults.output_bytes = positive_size(v);
       }},
      {"--compile-time-limit", "COMPILE_TIME_LIMIT", "the language's (30s)",
       "CPU time limit of compilations",
       [](ServeConfig& c, const std::string& v) {
         c.service.judging.compile_time_limit_ms = positive_duration_ms(v);
       }},
      {"--spare-compilers", "SPARE_COMPILERS", "true",
       "keep a warm Java compiler ready for the next job, on a sandbox slot of its own; each "
       "serves one job and is replaced",
       [](ServeConfig& c, const std::string& v) {
         c.service.judging.spare_compilers = common::parse_flag(v);
       }},
      {"--max-code-size", "MAX_CODE_SIZE", "65536", "largest source (bytes, or \"64k\"); more: 413",
       [](ServeConfig& c, const std::string& v) {
         c.http.limits.max_code_bytes = positive_size(v);
       }},
      {"--max-test-cases", "MAX_TEST_CASES", "100", "most test cases per job; more: 422",
       [](ServeConfig& c, const std::string& v) {
         c.http.limits.max_test_cases = common::parse_whole_number(v, 1);
       }},
      {"--max-test-size", "MAX_TEST_SIZE", "1m",
       "largest input or expected output of one test case; more: 413",
       [](ServeConfig& c, const std::string& v) {
         c.http.limits.max_test_bytes = positive_size(v);
       }},
      {"--max-body-size", "MAX_BODY_SIZE", "16m", "largest request body; more: 413",
       [](ServeConfig& c, const std::string& v) {
         c.http.limits.max_body_bytes = positive_size(v);
       }},
      {"--rate-limit", "API_RATE_LIMIT", "100",
       "submissions per token subject (or client address without a token) within any 60 s "
       "(0: unlimited); more: 429",
       [](ServeConfig& c, const std::string& v) {
         c.http.rate_limit_per_minute = common::parse_whole_number(v, 0);
       }},
      {"--trusted-proxies", "TRUSTED_PROXIES", "none",
       "addresses and CIDR blocks of reverse proxies whose FORWARDED_HEADER names the "
       "client (10.0.0.0/8,::1); others' are ignored",
       [](ServeConfig& c, const std::string& v) {
         c.http.trusted_proxies = http::TrustedProxies::parse(v);
       }},
      {"--max-connections", "MAX_CONNECTIONS", "10000",
       "client connections open at once; beyond it new ones wait to be accepted",
       [](ServeConfig& c, const std::string& v) {
         c.http.max_connections = static_cast<size_t>(common::parse_whole_number(v, 1));
       }},
      {"--max-connections-per-client", "MAX_CONNECTIONS_PER_CLIENT", "256",
       "connections one client address may hold open (0: no limit; TRUSTED_PROXIES are "
       "exempt); more are answered 429 and closed",
       [](ServeConfig& c, const std::string& v) {
         c.http.max_connections_per_client = static_cast<size_t>(common::parse_whole_number(v, 0));
       }},
      {"--silent-connection-timeout", "SILENT_CONNECTION_TIMEOUT", "5s",
       "a connection that sends no request within this time of opening is closed",
       [](ServeConfig& c, const std::string& v) {
         c.http.silent_connection_timeout_ms = positive_duration_ms(v);
       }},
      {"--keep-alive-timeout", "KEEP_ALIVE_TIMEOUT", "60s",
       "an idle connection waits this long for its next request (and a request this long to "
       "arrive whole) before it is closed",
       [](ServeConfig& c, const std::string& v) {
         c.http.keep_alive_timeout_ms = positive_duration_ms(v);
       }},
      {"--forwarded-header", "FORWARDED_HEADER", "X-Forwarded-For",
       "the header the trusted proxies write the client's address in (X-Forwarded-For or "
       "Forwarded); the other is ignored",
       [](ServeConfig& c, const std::string& v) {
         c.http.forwarding_header = http::parse_forwarding_header(v);
       }},
      {"--max-attempts", "MAX_ATTEMPTS", "3", "attempts per job; only internal errors are retried",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.max_attempts = static_cast<int32_t>(common::parse_whole_number(v, 1));
       }},
      {"--retry-backoff", "RETRY_BACKOFF", "500ms",
       "first retry backoff; doubles per attempt (up to 30s), with jitter",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.retry_base_ms = positive_duration_ms(v);
       }},
      {"--job-retention", "JOB_RETENTION", "1h", "how long finished jobs stay queryable",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.retention_ms = positive_duration_ms(v);
       }},
      {"--max-retained-jobs", "MAX_RETAINED_JOBS", "100000",
       "most finished jobs kept; the oldest are forgotten first",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.max_retained_finished =
             static_cast<size_t>(common::parse_whole_number(v, 1));
       }},
      {"--job-retention-bytes", "JOB_RETENTION_BYTES", "128m",
       "most memory finished jobs hold (about); the oldest are forgotten first",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.retention_bytes = static_cast<size_t>(positive_size(v));
       }},
      {"--kept-output", "KEPT_OUTPUT", "256k",
       "of each test's stdout and stderr, what a job's result keeps (the rest is cut, flagged)",
       [](ServeConfig& c, const std::string& v) {
         c.service.policy.kept_output_bytes = static_cast<size_t>(positive_size(v));
         c.service.worker.kept_output_bytes = c.service.policy.kept_output_bytes;
       }},
      {"--wait-timeout", "WAIT_TIMEOUT", "20s",
       "longest a ?wait=true submission waits before answering 202",
       [](ServeConfig& c, const std::string& v) { c.http.wait_max_ms = positive_duration_ms(v); }},
      {"--sse-heartbeat", "SSE_HEARTBEAT", "15s",
       "keep-alive comment on an idle event stream; a gone client is noticed at the next ones",
       [](ServeConfig& c, const std::string& v) {
         c.http.sse_heartbeat_ms = positive_duration_ms(v);
       }},
      {"--shutdown-grace", "SHUTDOWN_GRACE", "30s",
       "on SIGTERM: how long running jobs may finish before they are failed",
       [](ServeConfig& c, const std::string& v) { c.shutdown_grace_ms = positive_duration_ms(v); }},
      {"--http-threads", "HTTP_THREADS", "2", "threads serving HTTP",
       [](ServeConfig& c, const std::string& v) {
         c.http.threads = static_cast<size_t>(common::parse_whole_number(v, 1));
       }},
      {"--actor-threads", "ACTOR_THREADS", "one per core", "threads running actors",
       [](ServeConfig& c, const std::string& v) {
         c.service.actor_threads = static_cast<int>(common::parse_whole_number(v, 1));
       }},
      {"--metrics-enabled", "METRICS_ENABLED", "true", "serve Prometheus metrics at /metrics",
       [](ServeConfig& c, const std::string& v) {
         c.http.metrics_enabled = common::parse_flag(v);
       }},
      {"--cors-origins", "CORS_ORIGINS", "none",
       "browser origins allowed to call the API, exact (https://app.example.com) and separated "
       "by commas, or * for any origin without credentials",
       [](ServeConfig& c, const std::string& v) { c.http.cors = http::CorsPolicy::parse(v); }},
      {"--tls-cert", "TLS_CERT_FILE", "none",
       "serve HTTPS with this PEM certificate chain (with --tls-key), for deployments without an "
       "ingress that terminates TLS",
       [](ServeConfig& c, const std::string& v) { c.http.tls_cert_file = v; }},
      {"--tls-key", "TLS_KEY_FILE", "none", "the PEM private key of --tls-cert",
       [](ServeConfig& c, const std::string& v) { c.http.tls_key_file = v; }},
      {"--jwt-secret", "JWT_SECRET", "none",
       "HS256/384/512 key of the API's bearer tokens (with no JWT key the API is open to all)",
       [](ServeConfig& c, const std::string& v) { c.http.auth.secret = not_empty(v); }},
      {"--jwt-public-key-file", "JWT_PUBLIC_KEY_FILE", "none",
       "public key of the API's bearer tokens: PEM (RSA: RS256/384/512, EC: ES256/384/512) or "
       "a JWKS file of such keys",
       [](ServeConfig& c, const std::string& v) {
         c.http.auth.public_keys = http::read_public_key_file(not_empty(v));
       }},
      {"--jwt-issuer", "JWT_ISSUER", "any", "the \"iss\" bearer tokens must have",
       [](ServeConfig& c, const std::string& v) { c.http.auth.issuer = not_empty(v); }},
      {"--jwt-audience", "JWT_AUDIENCE", "any", "the \"aud\" bearer tokens must name",
       [](ServeConfig& c, const std::string& v) { c.http.auth.audience = not_empty(v); }},
      {"--jwt-leeway", "JWT_LEEWAY", "30s", "clock skew allowed on tokens' \"exp\" and \"nbf\"",
       [](ServeConfig& c, const std::string& v) {
         c.http.auth.leeway_s = sandbox::parse_duration_ms(v) / 1000;
       }},
      {"--metrics-auth", "METRICS_AUTH", "false", "/metrics needs a bearer token with admin",
       [](ServeConfig& c, const std::string& v) {
         c.http.auth.protect_metrics = common::parse_flag(v);
       }},
      {"--log-level", "LOG_LEVEL", "info", "debug, info, warn or error (JSON lines on stderr)",
       [](ServeConfig& c, const std::string& v) { c.log_level = telemetry::parse_log_level(v); }},
      {"--languages", "CODEARENA_LANGUAGES", "the installed languages.json", "language table file",
       [](ServeConfig& c, const std::string& v) { c.service.judging.languages_path = v; }},
      {"--webhook-allow-private", "WEBHOOK_ALLOW_PRIVATE", "false",
       "let callbackUrl reach loopback, link-local and private addresses (SSRF guard off)",
       [](ServeConfig& c, const std::string& v) {
         c.webhooks.destinations = webhooks::AddressPolicy(common::parse_flag(v), {});
       }},
      {"--webhook-secret", "WEBHOOK_SECRET", "none",
       "sign webhook bodies: X-CodeArena-Signature: sha256=HMAC(secret, body)",
       [](ServeConfig& c, const std::string& v) { c.webhooks.secret = v; }},
      {"--webhook-attempts", "WEBHOOK_MAX_ATTEMPTS", "5", "delivery attempts per webhook",
       [](ServeConfig& c, const std::string& v) {
         c.webhooks.max_attempts = static_cast<int>(common::parse_whole_number(v, 1));
       }},
      {"--node-id", "NODE_ID", "<hostname>-<pid> in a cluster, else local",
       "this node's name, unique in the cluster",
       [](ServeConfig& c, const std::string& v) { c.service.cluster.node_id = v; }},
      {"--roles", "ROLES", "api,scheduler,worker (api,worker with --join)",
       "what this node does: any of api (HTTP job API), scheduler (may lead), worker (sandboxes)",
       [](ServeConfig& c, const std::string& v) { set_roles(c, v); }},
      {"--redis", "REDIS_URL", "none (job state in memory)",
       "redis://host:port[/db]: job state, the leader lease and the rate limits in Redis "
       "(failover; one budget across the API nodes)",
       [](ServeConfig& c, const std::string& v) {
         cluster::parse_redis_url(v);
         c.service.cluster.redis_url = v;
         c.http.rate_limit_redis_url = v;
       }},
      {"--redis-password", "REDIS_PASSWORD", "none",
       "password of --redis (AUTH; set it in the environment, where other users cannot read it)",
       [](ServeConfig& c, const std::string& v) {
         c.service.cluster.redis_password = not_empty(v);
         c.http.rate_limit_redis_password = v;
       }},
      {"--join", "CLUSTER_JOIN", "none",
       "host:port of the leader's cluster port: a cluster without Redis (no failover)",
       [](ServeConfig& c, const std::string& v) {
         cluster::parse_host_port(v, "join address");
         c.service.cluster.join = v;
       }},
      {"--cluster-listen", "CLUSTER_LISTEN", "none (127.0.0.1:4001 with --redis)",
       "host:port this node accepts cluster connections on (scheduler nodes)",
       [](ServeConfig& c, const std::string& v) {
         cluster::parse_host_port(v, "cluster listen address");
         c.service.cluster.listen = v;
       }},
      {"--cluster-advertise", "CLUSTER_ADVERTISE", "the listen address (hostname for 0.0.0.0)",
       "host:port other nodes reach this node's cluster port at",
       [](ServeConfig& c, const std::string& v) {
         cluster::parse_host_port(v, "cluster advertise address");
         c.service.cluster.advertise = v;
       }},
      {"--lease-ttl", "LEASE_TTL", "5s",
       "the leader lease's lifetime: a dead leader is replaced within it",
       [](ServeConfig& c, const std::string& v) {
         c.service.cluster.lease_ttl_ms = positive_duration_ms(v);
       }},
      {"--heartbeat-interval", "HEARTBEAT_INTERVAL", "1s",
       "how often nodes tell the leader they live",
       [](ServeConfig& c,
          const std::string&
              v) { c.service.cluster.heartbeat_interval_ms = positive_duration_ms(v); }},
      {"--node-timeout", "NODE_TIMEOUT", "5s",
       "a node silent this long is lost and its running jobs requeued",
       [](ServeConfig& c, const std::string& v) {
         c.service.cluster.node_timeout_ms = positive_duration_ms(v);
       }},
      {"--cluster-tls", "CLUSTER_TLS", "false", "TLS on connections between nodes",
       [](ServeConfig& c, const std::string& v) { c.service.cluster.tls = common::parse_flag(v); }},
      {"--cluster-tls-cert", "CLUSTER_TLS_CERT", "none", "this node's certificate (PEM)",
       [](ServeConfig& c, const std::string& v) { c.service.cluster.tls_certificate = v; }},
      {"--cluster-tls-key", "CLUSTER_TLS_KEY", "none", "the certificate's private key (PEM)",
       [](ServeConfig& c, const std::string& v) { c.service.cluster.tls_key = v; }},
      {"--cluster-tls-ca", "CLUSTER_TLS_CA", "none",
       "CA file the peers' certificates must chain to (mutual verification)",
       [](ServeConfig& c, const std::string& v) { c.service.cluster.tls_ca_file = v; }},
      {"--cluster-secret", "CLUSTER_SECRET", "none",
       "a secret of at least 32 bytes shared by the cluster's nodes: mutual TLS between them "
       "with an identity derived from it, for clusters without a CA of their own (instead of "
       "--cluster-tls-cert, -key and -ca)",
       [](ServeConfig& c, const std::string& v) {
         if (not_empty(v).size() < cluster::kMinClusterSecretBytes)
           throw std::invalid_argument("has " + std::to_string(v.size()) + " bytes; at least " +
                                       std::to_string(cluster::kMinClusterSecretBytes) +
                                       " are needed");
         c.cluster_secret = v;
       }},
      {"--inject-internal-errors", "CODEARENA_INJECT_INTERNAL_ERRORS", "0",
       "testing only: each job's first N attempts fail with an internal error",
       [](ServeConfig& c, const std::string& v) {
         c.service.worker.injected_internal_errors =
             static_cast<int32_t>(common::parse_whole_number(v, 0));
       }},
  };
  return table;
}

void apply(const Setting& setting, ServeConfig& config, const std::string& value,
           const std::string& source) {
  try {
    setting.apply(config, value);
  } catch (const std::invalid_argument& error) {
    throw ServeUsageError(source + ": " + error.what());
  }
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Fills the cluster defaults that depend on other settings and refuses combinations that
// cannot work.
void settle_cluster(ServeConfig& config) {
  auto& cluster = config.service.cluster;
  if (!cluster.join.empty()) {
    if (!cluster.redis_url.empty())
      throw ServeUsageError(
          "--join and --redis exclude each other: with Redis nodes find the "
          "leader through its lease");
    if (!config.roles_given) cluster.scheduler = false;
    if (cluster.scheduler)
      throw ServeUsageError(
          "--join: a node joining a cluster without Redis cannot have the "
          "scheduler role (only the node it joins leads)");
  }
  if (!cluster.redis_password.empty() && cluster.redis_url.empty())
    throw ServeUsageError("--redis-password (REDIS_PASSWORD) needs --redis (REDIS_URL)");
  if (!config.cluster_secret.empty()) {
    if (!(cluster.tls_certificate.empty() && cluster.tls_key.empty() &&
          cluster.tls_ca_file.empty()))
      throw ServeUsageError(
          "--cluster-secret excludes --cluster-tls-cert, -key and -ca: the secret gives the "
          "nodes their TLS identity");
    // Whatever --cluster-tls says: a secret without TLS would admit anyone.
    cluster.tls = true;
  }
  if (!cluster.api && !cluster.scheduler && !cluster.worker)
    throw ServeUsageError("--roles: give at least one of api, scheduler, worker");
  if (!cluster.scheduler && cluster.redis_url.empty() && cluster.join.empty())
    throw ServeUsageError(
        "--roles without scheduler: the node needs --redis or --join to "
        "find the leader");
  if (!cluster.redis_url.empty() && cluster.scheduler && cluster.listen.empty())
    cluster.listen = "127.0.0.1:4001";
  if (cluster.advertise.empty() && !cluster.listen.empty()) {
    const auto [host, port] = cluster::parse_host_port(cluster.listen, "cluster listen address");
    cluster.advertise =
        (host == "0.0.0.0" || host == "::" ? host_name() : host) + ":" + std::to_string(port);
  }
  if (cluster.node_id.empty() || (cluster.node_id == "local" && cluster.networked()))
    cluster.node_id = host_name() + "-" + std::to_string(getpid());
}

// Token checks without a key to verify tokens with would silently leave the API open.
void check_auth(const ServeConfig& config) {
  const auto& auth = config.http.auth;
  if (auth.enabled()) {
    try {
      http::TokenVerifier verifier(auth);
    } catch (const std::invalid_argument& error) {
      throw ServeUsageError(std::string("--jwt-secret (JWT_SECRET): ") + error.what());
    }
    return;
  }
  if (!auth.issuer.empty() || !auth.audience.empty() || auth.protect_metrics)
    throw ServeUsageError(
        "--jwt-issuer, --jwt-audience and --metrics-auth need a key to verify tokens with "
        "(--jwt-secret or --jwt-public-key-file)");
}

// One slot per CPU the node may run on: slots get one core's share each, and more slots than
// cores would make busy programs wait for a core, slowing them by the machine's load.
int32_t usable_cpu_count() {
  cpu_set_t cpus;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 1;
  return std::max(1, CPU_COUNT(&cpus));
}

}  // namespace

ServeConfig parse_serve_config(const std::vector<std::string>& args,
                               const std::function<const char*(const char*)>& getenv) {
  ServeConfig config;
  config.service.worker.slots = usable_cpu_count();
  config.service.judging.spare_compilers = true;
  for (const auto& setting : settings()) {
    const char* value = getenv(setting.variable);
    if (value != nullptr && *value != '\0') apply(setting, config, value, setting.variable);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    const auto equals = flag.find('=');
    if (equals != std::string::npos) {
      value = flag.substr(equals + 1);
      flag.resize(equals);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      throw ServeUsageError(flag + ": needs a value");
    }
    const Setting* match = nullptr;
    for (const auto& setting : settings()) {
      if (flag == setting.flag) match = &setting;
    }
    if (match == nullptr) throw ServeUsageError("unknown option '" + flag + "'");
    apply(*match, config, value, flag);
  }
  settle_cluster(config);
  if (config.http.tls_cert_file.empty() != config.http.tls_key_file.empty())
    throw ServeUsageError("--tls-cert and --tls-key (TLS_CERT_FILE, TLS_KEY_FILE) go together");
  check_auth(config);
  return config;
}

std::string serve_usage() {
  std::string text =
      "usage: codearena serve [--flag VALUE | --flag=VALUE]...\n\n"
      "Starts a node. Without cluster settings it has every role (HTTP API, scheduler, sandbox\n"
      "worker) and keeps job state in memory; with --redis or --join it is one node of a\n"
      "cluster (docs/cluster.md). Needs root (namespaces, cgroups). SIGTERM or SIGINT shuts it\n"
      "down gracefully.\n"
      "Each setting is read from its environment variable; a flag overrides it.\n\n";
  for (const auto& setting : settings()) {
    text += "  " + std::string(setting.flag) + " (" + setting.variable + ", default " +
            setting.fallback + ")\n      " + setting.help + "\n";
  }
  return text;
}

}  // namespace codearena::app
