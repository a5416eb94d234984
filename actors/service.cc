#include "actors/service.h"

#include <chrono>

#include <caf/all.hpp>

#include "actors/metrics_actor.h"
#include "actors/submission.h"

namespace codearena::actors {
namespace {

// Replies from actors on this node come in microseconds; this bounds a lost one.
constexpr auto kRequestTimeout = std::chrono::seconds(10);

caf::actor_system_config& configured(caf::actor_system_config& config, int threads) {
  register_message_types(config);
  if (threads > 0) config.set("scheduler.max-threads", threads);
  // Work stealing polls for work every 50 us between messages; a node exchanges a handful of
  // messages per job, so idle workers should sleep on a condition variable instead (measured:
  // the node's CPU per job fell by more than half, see docs/benchmarks.md).
  config.set("scheduler.policy", caf::atom("sharing"));
  return config;
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

}  // namespace

struct JobService::Impl {
  explicit Impl(ServiceConfig service_config)
      : config(std::move(service_config)),
        stack([this] {
          auto judging = config.judging;
          judging.slots = config.worker.slots;
          return judging;
        }()),
        system(configured(caf_config, config.actor_threads)) {
    scheduler = spawn_scheduler(system, {config.policy, config.on_transition, &board});
    pool = spawn_worker_pool(system, scheduler, stack.judge, stack.languages, config.worker);
    submission = spawn_submission(system, scheduler);
    if (config.metrics != nullptr) metrics = spawn_metrics_actor(system, scheduler, *config.metrics);
  }

  ~Impl() {
    caf::anon_send_exit(pool, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(submission, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
    if (metrics) caf::anon_send_exit(metrics, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }

  ServiceConfig config;
  StatusBoard board;  // Outlives the actor system, which writes to it.
  sandbox::JudgeStack stack;
  caf::actor_system_config caf_config;
  caf::actor_system system;
  scheduler_actor scheduler;
  worker_actor pool;
  submission_actor submission;
  metrics_actor metrics;
};

JobService::JobService(ServiceConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

JobService::~JobService() = default;

void JobService::submit(JobSpec spec, Reply<SubmitReply> done) {
  ask<SubmitReply>(impl_->system, impl_->submission, std::move(done),
                   submit_atom::value, std::move(spec));
}

std::shared_ptr<const JobStatus> JobService::status(const std::string& id) const {
  return impl_->board.find(id);
}

void JobService::await(const std::string& id, int64_t timeout_ms, Reply<JobStatus> done) {
  const StatusBoard* board = &impl_->board;
  impl_->system.spawn(
      [=](caf::event_based_actor* self, const submission_actor& submission) {
        self->request(submission, std::chrono::milliseconds(timeout_ms), await_atom::value, id)
            .then([=](JobStatus& status) { done(std::move(status)); },
                  [=](caf::error&) {
                    // Not finished in time: the current status (the caller answers 202).
                    const auto status = board->find(id);
                    done(status ? *status : JobStatus{});
                  });
      },
      impl_->submission);
}

void JobService::cancel(const std::string& id, Reply<CancelReply> done) {
  ask<CancelReply>(impl_->system, impl_->submission, std::move(done),
                   cancel_atom::value, id);
}

void JobService::stats(Reply<SchedulerStats> done) {
  ask<SchedulerStats>(impl_->system, impl_->submission, std::move(done),
                      stats_atom::value);
}

void JobService::metrics_text(Reply<std::string> done) {
  if (!impl_->metrics) {
    done(std::nullopt);
    return;
  }
  ask<std::string>(impl_->system, impl_->metrics, std::move(done),
                   render_atom::value);
}

void JobService::watch(const std::string& id, Reply<JobStatus> started,
                       std::function<void(const JobEvent&)> on_event, int64_t quiet_ms,
                       std::function<void()> on_quiet) {
  const auto quiet = std::chrono::milliseconds(quiet_ms);
  // Untyped so that it can also time its own quiet periods; the scheduler sees it through the
  // job_listener_actor interface.
  const auto listen = [=](caf::event_based_actor* self,
                          const submission_actor& submission) -> caf::behavior {
    const auto listener = caf::actor_cast<job_listener_actor>(self);
    self->request(submission, kRequestTimeout, watch_atom::value, id, listener)
        .then(
            [=](JobStatus& status) {
              const bool more = !status.id.empty() && !is_final(status.state);
              started(std::move(status));
              if (!more) self->quit();
            },
            [=](caf::error&) {
              started(std::nullopt);
              self->quit();
            });
    return {
        [=](event_atom, const JobEvent& event) {
          on_event(event);
          if (is_final(event.status.state)) self->quit();
        },
        caf::after(quiet) >> [=] { on_quiet(); },
    };
  };
  impl_->system.spawn(listen, impl_->submission);
}

int64_t JobService::drain(int64_t grace_ms) {
  caf::scoped_actor self{impl_->system};
  int64_t failed = 0;
  self->request(impl_->scheduler, std::chrono::milliseconds(grace_ms) + kRequestTimeout,
                drain_atom::value, grace_ms)
      .receive([&](int64_t count) { failed = count; }, [&](caf::error&) { failed = -1; });
  return failed;
}

const sandbox::LanguageTable& JobService::languages() const { return impl_->stack.languages; }

const std::string& JobService::preparation_report() const { return impl_->stack.pch_report; }

}  // namespace codearena::actors
