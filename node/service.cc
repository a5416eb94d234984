#include "node/service.h"

#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/metrics_actor.h"
#include "actors/submission.h"
#include "cluster/membership.h"
#include "cluster/memory_job_store.h"
#include "cluster/redis_job_store.h"
#include "cluster/store_actor.h"
#include "cluster/tls.h"
#include "judge/toolchains.h"
#include "node/store_metrics.h"
#include "common/epoch_ms.h"
#include "telemetry/log.h"

namespace codearena::actors {
namespace {

// Replies from actors on this node come in microseconds; this bounds a lost one.
constexpr auto kRequestTimeout = std::chrono::seconds(10);
// How soon an event stream whose leader was lost asks the next one.
constexpr auto kResubscribeDelay = std::chrono::milliseconds(500);

caf::actor_system_config& configured(caf::actor_system_config& config,
                                     const ServiceConfig& service) {
  register_message_types(config);
  if (service.actor_threads > 0) config.set("scheduler.max-threads", service.actor_threads);
  // Work stealing polls for work every 50 us between messages; a node exchanges a handful of
  // messages per job, so idle workers should sleep on a condition variable instead (measured:
  // the node's CPU per job fell by more than half, see docs/benchmarks.md).
  config.set("scheduler.policy", caf::atom("sharing"));
  const ClusterConfig& cluster = service.cluster;
  if (!cluster.networked()) return config;
  config.load<caf::io::middleman>();
  // Heartbeats on every connection, so that a hung (not dead) peer is cut off too.
  config.set("middleman.heartbeat-interval",
             caf::timespan{std::chrono::milliseconds(cluster.heartbeat_interval_ms)});
  config.set("middleman.connection-timeout",
             caf::timespan{std::chrono::milliseconds(cluster.node_timeout_ms)});
  if (cluster.tls)
    cluster::load_tls(config, {cluster.tls_certificate, cluster.tls_key, cluster.tls_ca_file});
  return config;
}

std::vector<std::string> role_names(const ClusterConfig& cluster) {
  std::vector<std::string> roles;
  if (cluster.api) roles.push_back("api");
  if (cluster.scheduler) roles.push_back("scheduler");
  if (cluster.worker) roles.push_back("worker");
  return roles;
}

std::vector<std::string> language_ids(const judge::LanguageTable& table) {
  std::vector<std::string> ids;
  for (const auto& language : table.all()) ids.push_back(language.id);
  return ids;
}

// Finished jobs stay in Redis as long as in the leader's book (JOB_RETENTION), with as much of
// their output (KEPT_OUTPUT).
std::unique_ptr<cluster::JobStore> make_store(const ClusterConfig& config,
                                              const SchedulerPolicy& policy) {
  const std::chrono::milliseconds retention(policy.retention_ms);
  if (config.redis_url.empty()) {
    // The scheduler's book keeps finished jobs for the retention time; the memory store only
    // needs the unfinished ones.
    return std::make_unique<cluster::MemoryJobStore>(std::chrono::milliseconds(0));
  }
  cluster::RedisOptions options;
  options.url = config.redis_url;
  options.password = config.redis_password;
  return std::make_unique<cluster::RedisJobStore>(options, retention, policy.kept_output_bytes);
}

// The short-lived actors below take the actor they talk to as a spawn argument rather than a
// capture: CAF 0.17 binds a reference to a null argument tuple when a function actor has no
// arguments (undefined behaviour that UBSan reports).

// Asks `target` once from a short-lived actor and hands the answer (or nullopt) to `done`.
template <class Answer, class Handle, class... Ts>
void ask(caf::actor_system& system, const Handle& target, Reply<Answer> done, Ts... message) {
  system.spawn(
      [=](caf::event_based_actor* self, const Handle& to) {
        self->request(to, kRequestTimeout, message...)
            .then([=](Answer& answer) { done(std::move(answer)); },
                  [=](caf::error&) { done(std::nullopt); });
      },
      target);
}

template <class Answer, class Handle, class... Ts>
std::optional<Answer> ask_and_wait(caf::actor_system& system, const Handle& target,
                                   caf::duration timeout, Ts... message) {
  caf::scoped_actor self{system};
  std::optional<Answer> answer;
  self->request(target, timeout, message...)
      .receive([&](Answer& value) { answer = std::move(value); }, [&](caf::error&) {});
  return answer;
}

std::string exception_text(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& thrown) {
    return thrown.what();
  } catch (...) {
    return "an exception of an unknown type";
  }
}

// Logs why the event stream of job `id` failed and lets its client see the stream end. Runs in
// the failed listener's exception handler, which must not throw.
void end_failed_stream(telemetry::Logger* logger, const std::string& id,
                       const std::exception_ptr& error, const std::function<void()>& on_failed) {
  nlohmann::json fields = {{"job", id}, {"error", exception_text(error)}};
  try {
    on_failed();
  } catch (...) {
    fields["closing_error"] = exception_text(std::current_exception());
  }
  logger->log(telemetry::LogLevel::error, "event_stream_failed", fields);
}

// A node-wide actor that dies of anything but shutdown leaves the node answering 503 for
// good; its handles are held by too many others to replace it, so the node exits (code 70)
// and its supervisor starts it again.
void exit_when_failed(const caf::actor& actor, const char* name, telemetry::Logger* logger) {
  actor->attach_functor([name, logger](const caf::error& reason) {
    if (reason == caf::exit_reason::normal || reason == caf::exit_reason::user_shutdown) return;
    logger->log(telemetry::LogLevel::error, "node_actor_failed",
                {{"actor", name}, {"reason", caf::to_string(reason)}});
    std::_Exit(70);
  });
}

std::unique_ptr<judge::JudgeStack> make_judge_stack(const ServiceConfig& config) {
  if (!config.cluster.worker) return nullptr;
  auto judging = config.judging;
  judging.slots = config.worker.slots;
  return std::make_unique<judge::JudgeStack>(judging);
}

}  // namespace

struct JobService::Impl {
  explicit Impl(ServiceConfig service_config)
      : config(std::move(service_config)),
        stack(make_judge_stack(config)),
        languages(stack ? stack->languages : judge::load_language_table(config.judging)),
        system(configured(caf_config, config)) {
    const ClusterConfig& cluster = config.cluster;
    if (cluster.worker)
      offered_languages = judge::offered_languages(stack->languages, config.worker.languages);
    if (cluster.scheduler) start_scheduler();
    if (cluster.worker) {
      auto worker = config.worker;
      worker.node_id = cluster.node_id;
      worker.languages = offered_languages;
      pool = spawn_worker_pool(system, stack->judge, stack->languages, worker);
    }
    // A single node leads alone from the start: clients are served as soon as it is up.
    submission = spawn_submission(
        system, cluster.networked() ? scheduler_actor{} : scheduler_actor{scheduler},
        cluster.networked());
    if (config.metrics != nullptr)
      metrics = spawn_metrics_actor(system, submission, *config.metrics,
                                    language_ids(languages));
    if (!cluster.listen.empty()) publish_scheduler();
    auto inspection = inspector_config();
    inspector = spawn_inspector(system, inspection);
    membership = cluster::spawn_membership(system, membership_config(),
                                           {scheduler, pool, submission, inspector},
                                           *config.logger);
    // The membership needs the inspector's handle, so the inspector learns of it afterwards.
    caf::anon_send(inspector, local_v<join_atom>, std::string("membership"),
                   caf::actor_cast<caf::actor>(membership));
    for (const auto& [name, actor] : node_actors()) exit_when_failed(actor, name, config.logger);
    if (!cluster.networked() && scheduler) wait_until_leading();
  }

  std::vector<std::pair<const char*, caf::actor>> node_actors() const {
    std::vector<std::pair<const char*, caf::actor>> actors;
    for (const auto& [name, actor] :
         {std::pair{"membership", caf::actor_cast<caf::actor>(membership)},
          std::pair{"pool", caf::actor_cast<caf::actor>(pool)},
          std::pair{"submission", caf::actor_cast<caf::actor>(submission)},
          std::pair{"scheduler", caf::actor_cast<caf::actor>(scheduler)},
          std::pair{"store", caf::actor_cast<caf::actor>(store)},
          std::pair{"metrics", caf::actor_cast<caf::actor>(metrics)},
          std::pair{"inspector", caf::actor_cast<caf::actor>(inspector)}}) {
      if (actor) actors.emplace_back(name, actor);
    }
    return actors;
  }

  // A single node is ready once it leads and its own pool has joined (its slots count).
  void wait_until_leading() {
    const auto give_up_at = std::chrono::steady_clock::now() + kRequestTimeout;
    const auto ready = [this] {
      const auto stats = ask_and_wait<SchedulerStats>(
          system, scheduler, caf::duration{std::chrono::seconds(1)}, stats_atom::value);
      return stats && (!pool || stats->slots_total > 0);
    };
    while (!ready()) {
      if (std::chrono::steady_clock::now() > give_up_at)
        throw std::runtime_error("the scheduler did not start leading");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  ~Impl() {
    for (const auto& [name, actor] : node_actors())
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }

  void start_scheduler() {
    const ClusterConfig& cluster = config.cluster;
    cluster::StoreActorConfig store_config;
    store_config.blocking = !cluster.redis_url.empty();
    telemetry::Logger* logger = config.logger;
    store_config.on_unavailable = [logger](const std::string& error) {
      logger->log(telemetry::LogLevel::warn, "store_unavailable", {{"error", error}});
    };
    if (config.metrics != nullptr) observe_store(*config.metrics, cluster, store_config);
    const auto lost_epochs = std::make_shared<std::atomic<int64_t>>(0);
    store_config.lost_below = lost_epochs;
    store = cluster::spawn_store_actor(system, make_store(cluster, config.policy), store_config);
    SchedulerConfig scheduler_config{config.policy,
                                     config.on_transition,
                                     &board,
                                     store,
                                     !cluster.redis_url.empty(),
                                     cluster.node_id,
                                     cluster.node_timeout_ms,
                                     cluster.node_timeout_ms,
                                     lost_epochs,
                                     config.logger};
    scheduler_config.no_worker_timeout_ms = cluster.no_worker_timeout_ms;
    scheduler = spawn_scheduler(system, std::move(scheduler_config));
  }

  void publish_scheduler() {
    const auto [host, port] =
        cluster::parse_host_port(config.cluster.listen, "cluster listen address");
    if (!scheduler) return;  // Only a scheduler is ever connected to.
    // What other nodes may send; the node's own messages to it cannot cross the network.
    const scheduler_actor published_interface = scheduler;
    auto published =
        config.cluster.tls
            ? caf::openssl::publish(published_interface, port, host.c_str(), true)
            : system.middleman().publish(published_interface, port, host.c_str(), true);
    if (!published) {
      throw std::runtime_error("cannot listen for cluster connections on " + config.cluster.listen +
                               ": " + system.render(published.error()));
    }
  }

  cluster::MembershipConfig membership_config() const {
    const ClusterConfig& cluster = config.cluster;
    cluster::MembershipConfig settings;
    settings.node = NodeInfo{cluster.node_id, role_names(cluster),
                             cluster.advertise.empty() ? cluster.listen : cluster.advertise,
                             cluster.worker ? config.worker.slots : 0, offered_languages};
    if (!cluster.redis_url.empty()) {
      settings.redis = cluster::RedisOptions{};
      settings.redis->url = cluster.redis_url;
      settings.redis->password = cluster.redis_password;
    }
    settings.join = cluster.join;
    settings.tls = cluster.tls;
    settings.lease_ttl = std::chrono::milliseconds(cluster.lease_ttl_ms);
    settings.heartbeat_interval = std::chrono::milliseconds(cluster.heartbeat_interval_ms);
    settings.lease_until_ms = lease_until_ms;
    return settings;
  }

  InspectorConfig inspector_config() const {
    InspectorConfig inspection;
    inspection.identity.id = config.cluster.node_id;
    inspection.identity.version = CODEARENA_VERSION;
    inspection.identity.languages = offered_languages;
    inspection.identity.started_at_ms = started_at_ms;
    inspection.lease_until_ms = lease_until_ms;
    for (const auto& [name, actor] :
         {std::pair{"scheduler", caf::actor_cast<caf::actor>(scheduler)},
          std::pair{"store", caf::actor_cast<caf::actor>(store)},
          std::pair{"pool", caf::actor_cast<caf::actor>(pool)},
          std::pair{"submission", caf::actor_cast<caf::actor>(submission)},
          std::pair{"metrics", caf::actor_cast<caf::actor>(metrics)}}) {
      if (actor) inspection.actors.emplace_back(name, actor);
    }
    return inspection;
  }

  ServiceConfig config;
  std::vector<std::string> offered_languages;  // By the node's worker role.
  const int64_t started_at_ms = common::epoch_ms();
  const std::shared_ptr<std::atomic<int64_t>> lease_until_ms =
      std::make_shared<std::atomic<int64_t>>(0);
  StatusBoard board;  // Outlives the actor system, which writes to it.
  // Only a worker runs programs: other nodes need neither a sandbox (root, cgroups) nor the
  // precompiled headers, so they run unprivileged on a read-only file system.
  std::unique_ptr<judge::JudgeStack> stack;
  const judge::LanguageTable languages;
  caf::actor_system_config caf_config;
  caf::actor_system system;
  store_actor store;
  local_scheduler_actor scheduler;
  pool_actor pool;
  submission_actor submission;
  metrics_actor metrics;
  local_inspector_actor inspector;
  cluster::membership_actor membership;
};

JobService::JobService(ServiceConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

JobService::~JobService() = default;

void JobService::submit(JobSpec spec, Reply<SubmitReply> done) {
  ask<SubmitReply>(impl_->system, impl_->submission, std::move(done), submit_atom::value,
                   std::move(spec));
}

void JobService::status(const std::string& id, Reply<JobStatus> done) {
  if (const auto status = impl_->board.find(id)) {
    done(*status);
    return;
  }
  ask<JobStatus>(impl_->system, impl_->submission, std::move(done), status_atom::value, id);
}

void JobService::await(const std::string& id, int64_t timeout_ms, Reply<JobStatus> done) {
  impl_->system.spawn(
      [=](caf::event_based_actor* self, const submission_actor& submission) {
        self->request(submission, std::chrono::milliseconds(timeout_ms), await_atom::value, id)
            .then([=](JobStatus& status) { done(std::move(status)); },
                  [=](caf::error&) {
                    // Not finished in time: the current status (the caller answers 202).
                    self->request(submission, kRequestTimeout, status_atom::value, id)
                        .then([=](JobStatus& status) { done(std::move(status)); },
                              [=](caf::error&) { done(std::nullopt); });
                  });
      },
      impl_->submission);
}

void JobService::cancel(const std::string& id, Reply<CancelReply> done) {
  ask<CancelReply>(impl_->system, impl_->submission, std::move(done), cancel_atom::value, id);
}

void JobService::stats(Reply<SchedulerStats> done) {
  ask<SchedulerStats>(impl_->system, impl_->submission, std::move(done), stats_atom::value);
}

void JobService::list(JobQuery query, Reply<JobPage> done) {
  ask<JobPage>(impl_->system, impl_->submission, std::move(done), list_atom::value,
               std::move(query));
}

void JobService::record_webhook(const std::string& id, WebhookStatus webhook) {
  if (impl_->scheduler)
    caf::anon_send(impl_->scheduler, local_v<webhook_atom>, id, std::move(webhook));
}

void JobService::inspect(Reply<ClusterInspection> done) {
  const ClusterConfig& cluster = impl_->config.cluster;
  gather_cluster(impl_->system, impl_->submission,
                 [done, heartbeat = cluster.heartbeat_interval_ms,
                  timeout = cluster.node_timeout_ms](std::optional<ClusterInspection> inspection) {
                   if (inspection) {
                     inspection->heartbeat_interval_ms = heartbeat;
                     inspection->node_timeout_ms = timeout;
                   }
                   done(std::move(inspection));
                 });
}

void JobService::metrics_text(Reply<std::string> done) {
  if (!impl_->metrics) {
    done(std::nullopt);
    return;
  }
  ask<std::string>(impl_->system, impl_->metrics, std::move(done), render_atom::value);
}

void JobService::watch(const std::string& id, Reply<JobStatus> started,
                       std::function<void(const JobEvent&)> on_event, int64_t quiet_ms,
                       std::function<bool()> on_quiet, std::function<void()> on_failed) {
  const auto quiet = std::chrono::milliseconds(quiet_ms);
  telemetry::Logger* logger = impl_->config.logger;
  // Untyped so that it can also time its own quiet periods and watch again; the scheduler sees
  // it through the job_listener_actor interface.
  const auto listen = [=](caf::event_based_actor* self,
                          const submission_actor& submission) -> caf::behavior {
    const auto listener = caf::actor_cast<job_listener_actor>(self);
    auto first = std::make_shared<bool>(true);
    using Clock = std::chrono::steady_clock;
    // When the last event or keep-alive went out.
    auto last_sign = std::make_shared<Clock::time_point>(Clock::now());
    // False when the client has gone: the stream ends.
    const auto keep_alive = [=] {
      *last_sign = Clock::now();
      return on_quiet();
    };
    const auto end_unless_alive = [=] {
      if (!keep_alive()) self->quit();
    };
    // Watches through whichever node leads now; the first answer starts the stream, a later
    // one (after the leader was lost) continues it with the job's current state.
    const auto subscribe = [=] {
      self->request(submission, kRequestTimeout, watch_atom::value, id, listener)
          .then(
              [=](JobStatus& status) {
                self->monitor(self->current_sender());
                const bool more = !status.id.empty() && !is_final(status.state);
                if (std::exchange(*first, false)) {
                  started(std::move(status));
                } else if (!status.id.empty()) {
                  on_event(JobEvent{std::move(status), std::nullopt});
                }
                if (!more) self->quit();
              },
              [=](caf::error&) {
                if (!*first) {
                  // Waiting for a leader, messages come too often for after(quiet) to fire.
                  if (Clock::now() - *last_sign >= quiet) end_unless_alive();
                  self->delayed_send(self, kResubscribeDelay, watch_atom::value);
                  return;
                }
                started(std::nullopt);
                self->quit();
              });
    };
    subscribe();
    // Ends with the node's submission actor, so that a stream still open at shutdown does not
    // keep the actor system alive. Monitored, not linked: a failing listener must end only its
    // own stream, never the actor every request of the node goes through.
    self->monitor(submission);
    self->set_down_handler([=](caf::down_msg& down) {
      if (down.source == submission.address()) return self->quit();
      self->send(self, watch_atom::value);
    });
    self->set_exception_handler([=](caf::scheduled_actor*, std::exception_ptr& error) {
      end_failed_stream(logger, id, error, on_failed);
      return caf::error{caf::exit_reason::unhandled_exception};
    });
    return {
        [=](event_atom, const JobEvent& event) {
          *last_sign = Clock::now();
          on_event(event);
          if (is_final(event.status.state)) self->quit();
        },
        [=](watch_atom) { subscribe(); },
        caf::after(quiet) >> [=] { end_unless_alive(); },
    };
  };
  impl_->system.spawn(listen, impl_->submission);
}

int64_t JobService::drain(int64_t grace_ms) {
  auto& impl = *impl_;
  const caf::duration patience{std::chrono::milliseconds(grace_ms) + kRequestTimeout};
  if (impl.scheduler && impl.config.cluster.redis_url.empty()) {
    // Job state lives in this process only: what cannot finish now fails now.
    return ask_and_wait<int64_t>(impl.system, impl.scheduler, patience, local_v<drain_atom>,
                                 grace_ms)
        .value_or(-1);
  }
  int64_t unfinished = 0;
  if (impl.pool) {
    unfinished =
        ask_and_wait<int64_t>(impl.system, impl.pool, patience, local_v<drain_atom>, grace_ms)
            .value_or(-1);
  }
  if (impl.scheduler) {
    ask_and_wait<bool>(impl.system, impl.scheduler, caf::duration{kRequestTimeout},
                       local_v<handover_atom>);
    ask_and_wait<bool>(impl.system, impl.membership, caf::duration{kRequestTimeout},
                       local_v<handover_atom>);
  }
  return unfinished;
}

const judge::LanguageTable& JobService::languages() const {
  return impl_->languages;
}

std::string JobService::preparation_report() const {
  return impl_->stack ? impl_->stack->pch_report : "";
}

}  // namespace codearena::actors
