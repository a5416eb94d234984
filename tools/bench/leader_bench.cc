// `codearena-bench leader`: see leader_bench.h.
//
// Each store is measured with a leader of its own in a fresh actor system, configured like a
// node's (node/service.cc): the scheduler, its store actor (detached for Redis), and the
// node's membership actor, which takes the leader lease (in Redis, renewed every second) and
// tells the scheduler to lead. Then the simulated workers join, the submitters get their
// window of jobs, and the clock runs from the first submission to the last completion.
#include "tools/bench/leader_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <caf/all.hpp>

#include "actors/messages.h"
#include "actors/scheduler.h"
#include "actors/status_board.h"
#include "cluster/membership.h"
#include "cluster/memory_job_store.h"
#include "cluster/redis_job_store.h"
#include "cluster/store_actor.h"
#include "telemetry/log.h"
#include "tests/support/redis_server.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/leader_load.h"
#include "tools/bench/measure.h"
#include "tools/bench/redis_info.h"

namespace codearena::bench {

const char kLeaderBenchUsage[] =
    R"usage(usage: codearena-bench leader [options]

Measures how many jobs per second one leader (scheduler actor + job store actor) takes from
submission to completed. In this process: the leader as a node builds it, <workers> simulated
worker nodes with <slots> slots each that finish every job the moment it starts (a judged AC
report, acknowledged by the leader once persisted), and <submitters> submitter actors keeping
<in-flight> jobs unfinished (each completion submits the next job, straight to the scheduler).
Stores, one leader each: memory, then Redis: the one at --redis, or else two private
redis-servers on free ports with appendonly yes and appendfsync everysec, then always.
Prints jobs/s, CPU per 1000 jobs (this whole process: an upper bound for the leader),
store writes and Redis commands per job, ratios against the memory store, and last
  leader memory_jobs_per_s=<x> redis-everysec_jobs_per_s=<y> ...

Options:
  --jobs N          jobs per store (default: as many as --seconds allows)
  --seconds N       submit for N seconds per store (default 10 without --jobs)
  --workers N       simulated worker nodes (default 4)
  --slots N         slots per worker node (default 64)
  --in-flight N     jobs kept submitted and not yet completed (default 512)
  --submitters N    submitter actors (default 2)
  --redis URL       measure this Redis (redis://host:port[/db]) instead of private servers;
                    keys go under codearena-bench:<pid>:, finished jobs expire after a minute
)usage";

namespace {

constexpr auto kAnswerTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(1);
// With no job settling for this long the leader is stuck: the run fails.
constexpr auto kStallTimeout = std::chrono::seconds(30);
// Finished jobs' Redis keys expire this long after they finish (a node keeps them an hour): a
// shared Redis keeps little of a run, and runs longer than this see Redis expire keys as fast
// as it writes them, as a leader's Redis does in its steady state.
constexpr auto kRetention = std::chrono::minutes(1);
const char kLeaderId[] = "bench-leader";

struct Options {
  int64_t jobs = 0;     // 0: no job limit.
  int64_t seconds = 0;  // 0: no time limit.
  int64_t workers = 4;
  int64_t slots = 64;
  int64_t in_flight = 512;
  int64_t submitters = 2;
  std::string redis_url;
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--jobs", &options.jobs) ||
        args.take_number("--seconds", &options.seconds) ||
        args.take_number("--workers", &options.workers) ||
        args.take_number("--slots", &options.slots) ||
        args.take_number("--in-flight", &options.in_flight) ||
        args.take_number("--submitters", &options.submitters) ||
        args.take_text("--redis", &options.redis_url)) {
      continue;
    }
    args.reject();
  }
  if (options.jobs == 0 && options.seconds == 0) options.seconds = 10;
  if (!options.redis_url.empty()) {
    try {
      cluster::parse_redis_url(options.redis_url);
    } catch (const std::invalid_argument& error) {
      throw UsageError(error.what());
    }
  }
  return options;
}

// One store to measure: memory, or the Redis at `redis_url`.
struct StoreSetup {
  std::string name;       // As printed: memory, redis-everysec, redis-always, redis.
  std::string redis_url;  // Empty: the memory store.

  bool redis() const { return !redis_url.empty(); }
  // Keys of their own, so that the bench never touches a deployment sharing the server.
  cluster::RedisOptions redis_options() const {
    cluster::RedisOptions options;
    options.url = redis_url;
    options.key_prefix = "codearena-bench:" + std::to_string(::getpid()) + ":" + name + ":";
    return options;
  }
};

struct Figures {
  std::string store;
  int64_t jobs = 0;
  double seconds = 0;
  double cpu_seconds = 0;                       // This process, user + system.
  std::map<std::string, double> thread_cpu_us;  // This process's threads, by name.
  cluster::StoreCounters store_counters;
  double write_seconds = 0;  // Spent by the store actor in writes.
  std::optional<RedisCounters> redis;
  actors::SchedulerStats stats;

  double jobs_per_s() const { return seconds > 0 ? static_cast<double>(jobs) / seconds : 0; }
  double per_job(double total) const { return jobs > 0 ? total / static_cast<double>(jobs) : 0; }
  double cpu_per_1000_jobs() const { return 1000 * per_job(cpu_seconds); }
  // The share of the run the store actor was writing (1: the store path never rested).
  double store_busy() const { return seconds > 0 ? write_seconds / seconds : 0; }
  double ms_per_write() const {
    const auto writes = store_counters.write_batches;
    return writes > 0 ? 1000 * write_seconds / static_cast<double>(writes) : 0;
  }
  double jobs_per_write() const {
    const auto writes = store_counters.write_batches;
    return writes > 0 ? static_cast<double>(store_counters.jobs_written) / writes : 0;
  }
};

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& time) { return time.tv_sec + time.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

cluster::StoreCounters counters_between(const cluster::StoreCounters& before,
                                        const cluster::StoreCounters& after) {
  cluster::StoreCounters delta;
  delta.write_batches = after.write_batches - before.write_batches;
  delta.jobs_written = after.jobs_written - before.jobs_written;
  delta.status_reads = after.status_reads - before.status_reads;
  delta.unfinished_loads = after.unfinished_loads - before.unfinished_loads;
  delta.fenced_writes = after.fenced_writes - before.fenced_writes;
  delta.commands = after.commands - before.commands;
  delta.round_trips = after.round_trips - before.round_trips;
  delta.connects = after.connects - before.connects;
  return delta;
}

// Asks `to` from a blocking actor and waits for the answer; throws std::runtime_error with
// `what` and CAF's error when none comes.
template <class Answer, class Handle, class... Ts>
Answer ask(caf::actor_system& system, const Handle& to, const char* what, Ts... message) {
  caf::scoped_actor self{system};
  std::optional<Answer> answer;
  std::string error;
  self->request(to, kAnswerTimeout, message...)
      .receive([&](Answer& value) { answer = std::move(value); },
               [&](caf::error& failure) { error = system.render(failure); });
  if (!answer) throw std::runtime_error(std::string(what) + ": " + error);
  return std::move(*answer);
}

// The leader's job store, timing its writes: the share of the run the store actor spends in
// them shows whether the store path (one write at a time) is what limits the leader. Used by
// the store actor's thread; write_ns() may be read from any thread.
class TimedJobStore : public cluster::JobStore {
 public:
  explicit TimedJobStore(std::unique_ptr<cluster::JobStore> inner) : inner_(std::move(inner)) {}

  void write(int64_t epoch, const std::vector<actors::StoredJob>& batch) override {
    const int64_t start_ns = monotonic_ns();
    inner_->write(epoch, batch);
    write_ns_ += monotonic_ns() - start_ns;
  }
  std::optional<actors::JobStatus> read_status(const std::string& job_id) override {
    return inner_->read_status(job_id);
  }
  std::vector<actors::StoredJob> load_unfinished() override { return inner_->load_unfinished(); }
  cluster::StoreCounters counters() const override { return inner_->counters(); }

  // Time spent in successful writes so far.
  int64_t write_ns() const { return write_ns_; }

 private:
  const std::unique_ptr<cluster::JobStore> inner_;
  std::atomic<int64_t> write_ns_{0};
};

std::unique_ptr<cluster::JobStore> make_store(const StoreSetup& setup) {
  // The embedded node's memory store keeps no finished jobs (node/service.cc).
  if (!setup.redis())
    return std::make_unique<cluster::MemoryJobStore>(std::chrono::milliseconds(0));
  return std::make_unique<cluster::RedisJobStore>(setup.redis_options(), kRetention);
}

actors::JobSpec hello_job() {
  actors::JobSpec spec;
  spec.language = "python";
  spec.code = "print(\"hello\")";
  return spec;
}

// Tells every actor it holds to exit when it goes, so that the actor system, destroyed next,
// does not wait for ever (the scheduler and the workers tick until told to stop).
struct ActorsToStop {
  std::vector<caf::actor> actors;

  template <class Handle>
  Handle add(Handle handle) {
    actors.push_back(caf::actor_cast<caf::actor>(handle));
    return handle;
  }
  ~ActorsToStop() {
    for (const auto& actor : actors) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }
};

// One leader as a node runs it, in an actor system of its own, with the simulated workers
// joined and the submitters ready; measure() runs the load once. The lease is not handed over
// at the end: it lapses after its TTL, under keys no other run uses. Not thread-safe.
class LeaderRig {
 public:
  LeaderRig(const Options& options, const StoreSetup& setup);
  LeaderRig(const LeaderRig&) = delete;
  LeaderRig& operator=(const LeaderRig&) = delete;

  Figures measure();

 private:
  static caf::actor_system_config& configured(caf::actor_system_config& config);
  void start_leader();
  void wait_until_leading();
  void join_workers();
  void wait_for_the_end(int64_t start_ns);

  const Options options_;
  const StoreSetup setup_;
  // Outlive the actor system, which uses them.
  actors::StatusBoard board_;
  telemetry::Logger logger_{telemetry::LogLevel::warn};
  LoadCounters counters_;
  caf::actor_system_config config_;
  caf::actor_system system_;
  ActorsToStop running_;
  TimedJobStore* store_ = nullptr;  // Owned by store_actor_; counters read only while it is idle.
  actors::store_actor store_actor_;
  actors::local_scheduler_actor scheduler_;
  cluster::membership_actor membership_;
  std::vector<submitter_actor> submitters_;
};

caf::actor_system_config& LeaderRig::configured(caf::actor_system_config& config) {
  actors::register_message_types(config);
  config.set("scheduler.policy", caf::atom("sharing"));  // As a node runs (node/service.cc).
  return config;
}

LeaderRig::LeaderRig(const Options& options, const StoreSetup& setup)
    : options_(options),
      setup_(setup),
      counters_(options.jobs > 0 ? options.jobs : std::numeric_limits<int64_t>::max()),
      system_(configured(config_)) {
  start_leader();
  wait_until_leading();
  for (int64_t i = 0; i < options_.submitters; ++i)
    submitters_.push_back(
        running_.add(spawn_submitter(system_, scheduler_, hello_job(), counters_)));
  join_workers();
}

void LeaderRig::start_leader() {
  auto store = std::make_unique<TimedJobStore>(make_store(setup_));
  store_ = store.get();
  cluster::StoreActorConfig store_config;
  store_config.blocking = setup_.redis();
  store_actor_ = running_.add(cluster::spawn_store_actor(system_, std::move(store), store_config));

  actors::SchedulerConfig config;
  config.policy.queue_max_depth = std::max(config.policy.queue_max_depth, options_.in_flight);
  config.on_transition = counting_hook(counters_);
  config.board = &board_;
  config.store = store_actor_;
  config.store_is_shared = setup_.redis();
  config.node_id = kLeaderId;
  scheduler_ = running_.add(actors::spawn_scheduler(system_, std::move(config)));

  cluster::MembershipConfig membership;
  membership.node = actors::NodeInfo{kLeaderId, {"scheduler"}, "", 0};
  if (setup_.redis()) membership.redis = setup_.redis_options();
  membership_ =
      running_.add(cluster::spawn_membership(system_, membership, {scheduler_, {}, {}}, logger_));
}

void LeaderRig::wait_until_leading() {
  const auto give_up_at = std::chrono::steady_clock::now() + kAnswerTimeout;
  while (true) {
    try {
      ask<actors::SchedulerStats>(system_, scheduler_, "stats", actors::stats_atom::value);
      return;
    } catch (const std::runtime_error&) {
      if (std::chrono::steady_clock::now() > give_up_at)
        throw std::runtime_error("the scheduler did not start leading");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

void LeaderRig::join_workers() {
  for (int64_t i = 0; i < options_.workers; ++i) {
    const std::string id = "bench-worker-" + std::to_string(i + 1);
    const auto worker =
        running_.add(spawn_simulated_worker(system_, id, scheduler_, submitters_, counters_));
    // A worker gets only jobs of the languages it offers: the bench's jobs are Python.
    const actors::NodeInfo info{id, {"worker"}, "", static_cast<int32_t>(options_.slots),
                                {"python"}};
    ask<int64_t>(system_, scheduler_, "join", actors::join_atom::value, info, worker,
                 std::vector<actors::RunningAttempt>{});
  }
}

Figures LeaderRig::measure() {
  std::optional<RedisCounters> redis_before;
  if (setup_.redis()) redis_before = redis_counters(setup_.redis_url);
  const cluster::StoreCounters store_before = store_->counters();
  const int64_t write_ns_before = store_->write_ns();
  const double cpu_before = process_cpu_seconds();
  const auto threads_before = thread_cpu_us_by_name();
  const int64_t start_ns = monotonic_ns();
  for (int64_t i = 0; i < options_.in_flight; ++i)
    caf::anon_send(submitters_[i % submitters_.size()], next_atom::value);
  wait_for_the_end(start_ns);

  Figures figures;
  figures.store = setup_.name;
  figures.cpu_seconds = process_cpu_seconds() - cpu_before;
  figures.thread_cpu_us = thread_cpu_us_by_name();
  for (auto& [name, cpu_us] : figures.thread_cpu_us) {
    const auto before = threads_before.find(name);
    if (before != threads_before.end()) cpu_us -= before->second;
  }
  figures.jobs = counters_.completed();
  figures.seconds = static_cast<double>(counters_.last_completion_ns() - start_ns) / 1e9;
  figures.store_counters = counters_between(store_before, store_->counters());
  figures.write_seconds = static_cast<double>(store_->write_ns() - write_ns_before) / 1e9;
  if (redis_before) figures.redis = redis_counters(setup_.redis_url).difference(*redis_before);
  figures.stats =
      ask<actors::SchedulerStats>(system_, scheduler_, "stats", actors::stats_atom::value);
  return figures;
}

bool load_done(const Options& options, const LoadCounters& counters) {
  if (options.jobs > 0 && counters.settled() >= options.jobs) return true;
  return counters.stopped() && counters.settled() >= counters.submitted();
}

void LeaderRig::wait_for_the_end(int64_t start_ns) {
  const int64_t deadline_ns = options_.seconds > 0 ? start_ns + options_.seconds * 1'000'000'000
                                                   : std::numeric_limits<int64_t>::max();
  int64_t settled = 0;
  auto last_progress = std::chrono::steady_clock::now();
  while (!load_done(options_, counters_)) {
    std::this_thread::sleep_for(kPollInterval);
    if (monotonic_ns() >= deadline_ns) counters_.stop();
    const auto now = std::chrono::steady_clock::now();
    if (counters_.settled() != settled) {
      settled = counters_.settled();
      last_progress = now;
    } else if (now - last_progress > kStallTimeout) {
      throw std::runtime_error("no job finished for 30 s (" + std::to_string(settled) + " of " +
                               std::to_string(counters_.submitted()) + " settled)");
    }
  }
  if (counters_.failed() + counters_.refused() + counters_.lost() > 0) {
    throw std::runtime_error(setup_.name + ": " + std::to_string(counters_.failed()) +
                             " jobs failed, " + std::to_string(counters_.refused()) +
                             " submissions were refused and " + std::to_string(counters_.lost()) +
                             " requests got no answer");
  }
}

void print_heading() {
  std::printf("\n%-15s %8s %6s %8s %9s %9s %8s %8s %6s %6s %8s %8s %8s %6s %6s\n", "store", "jobs",
              "s", "jobs/s", "CPU s/1k", "Redis s/1k", "writes/j", "jobs/wr", "busy%", "ms/wr",
              "cmds/j", "trips/j", "Redis/j", "p50ms", "p99ms");
}

void print_row(const Figures& figures) {
  const auto& store = figures.store_counters;
  const double redis_cpu = figures.redis ? 1000 * figures.per_job(figures.redis->cpu_seconds) : 0;
  const double redis_commands =
      figures.redis ? figures.per_job(static_cast<double>(figures.redis->commands)) : 0;
  std::printf(
      "%-15s %8lld %6.2f %8.0f %9.3f %9.3f %8.3f %8.1f %6.1f %6.2f %8.2f %8.2f %8.2f %6lld %6lld\n",
      figures.store.c_str(), static_cast<long long>(figures.jobs), figures.seconds,
      figures.jobs_per_s(), figures.cpu_per_1000_jobs(), redis_cpu,
      figures.per_job(static_cast<double>(store.write_batches)), figures.jobs_per_write(),
      100 * figures.store_busy(), figures.ms_per_write(),
      figures.per_job(static_cast<double>(store.commands)),
      figures.per_job(static_cast<double>(store.round_trips)), redis_commands,
      static_cast<long long>(figures.stats.latency_p50_ms),
      static_cast<long long>(figures.stats.latency_p99_ms));
  std::fflush(stdout);
}

void print_legend() {
  std::printf(
      "\njobs/s: completed jobs / seconds from the first submission to the last completion\n"
      "CPU s/1k: CPU seconds of this process per 1000 jobs (leader, store actor, simulated\n"
      "  workers and submitters: an upper bound for the leader); Redis s/1k: redis-server's\n"
      "writes/j: store writes per job; jobs/wr: job records per write (the batch size)\n"
      "busy%%: share of the run the store actor spent writing; ms/wr: time per write\n"
      "cmds/j, trips/j: Redis commands and round trips per job sent by the job store\n"
      "  (StoreCounters); Redis/j: commands per job Redis executed (INFO, with the commands\n"
      "  inside scripts and the lease's)\n"
      "p50ms, p99ms: submit-to-completed latency of the last 2048 jobs (the scheduler's)\n");
}

void print_ratios(const std::vector<Figures>& all) {
  const Figures& memory = all.front();
  std::printf("\nagainst the memory store: %-15s %10s %14s\n", "store", "jobs/s", "CPU per job");
  for (const auto& figures : all) {
    std::printf("                          %-15s %10.3f %14.3f\n", figures.store.c_str(),
                figures.jobs_per_s() / memory.jobs_per_s(),
                figures.cpu_per_1000_jobs() / memory.cpu_per_1000_jobs());
  }
}

void print_thread_cpu(const std::vector<Figures>& all) {
  std::printf(
      "\nCPU per job by thread, us (caf.multiplexer: CAF's workers, running the scheduler, the\n"
      "memory store actor, simulated workers and submitters; caf.actor: detached actors, the\n"
      "Redis store actor and the membership; caf.clock: CAF's timers, request timeouts):\n");
  for (const auto& figures : all) {
    std::printf("  %-15s", figures.store.c_str());
    for (const auto& [name, cpu_us] : figures.thread_cpu_us)
      std::printf(" %s %.1f", name.c_str(), figures.per_job(cpu_us));
    if (figures.redis)
      std::printf("; redis-server %.1f", figures.per_job(figures.redis->cpu_seconds * 1e6));
    std::printf("\n");
  }
}

void print_redis_commands(const std::vector<Figures>& all) {
  std::printf("\nRedis commands per job (INFO commandstats; script commands included):\n");
  for (const auto& figures : all) {
    if (!figures.redis) continue;
    std::printf("  %-15s", figures.store.c_str());
    for (const auto& [command, calls] : figures.redis->calls)
      std::printf(" %s %.3f", command.c_str(), figures.per_job(static_cast<double>(calls)));
    std::printf("; all %.3f\n", figures.per_job(static_cast<double>(figures.redis->commands)));
  }
}

Figures measure(const Options& options, const StoreSetup& setup) {
  LeaderRig rig(options, setup);
  Figures figures = rig.measure();
  print_row(figures);
  return figures;
}

std::vector<Figures> measure_every_store(const Options& options) {
  std::vector<Figures> all;
  all.push_back(measure(options, StoreSetup{"memory", ""}));
  if (!options.redis_url.empty()) {
    all.push_back(measure(options, StoreSetup{"redis", options.redis_url}));
    return all;
  }
  for (const char* fsync : {"everysec", "always"}) {
    const testing::RedisServer server(testing::RedisServer::Options{true, fsync});
    all.push_back(measure(options, StoreSetup{std::string("redis-") + fsync, server.url()}));
  }
  return all;
}

int run(const Options& options) {
  std::printf(
      "codearena-bench leader: %lld worker nodes x %lld slots, %lld jobs in flight, "
      "%lld submitters, ",
      static_cast<long long>(options.workers), static_cast<long long>(options.slots),
      static_cast<long long>(options.in_flight), static_cast<long long>(options.submitters));
  if (options.jobs > 0) std::printf("%lld jobs per store", static_cast<long long>(options.jobs));
  if (options.jobs > 0 && options.seconds > 0) std::printf(" or ");
  if (options.seconds > 0) std::printf("%lld s per store", static_cast<long long>(options.seconds));
  std::printf("\nmachine: %s\nredis: %s\n", machine_description().c_str(),
              options.redis_url.empty()
                  ? "private redis-servers, appendonly yes, appendfsync everysec then always"
                  : options.redis_url.c_str());
  print_heading();
  const std::vector<Figures> all = measure_every_store(options);
  print_legend();
  print_ratios(all);
  print_thread_cpu(all);
  print_redis_commands(all);
  std::printf("\nleader");
  for (const auto& figures : all)
    std::printf(" %s_jobs_per_s=%.1f", figures.store.c_str(), figures.jobs_per_s());
  std::printf("\n");
  std::fflush(stdout);
  return 0;
}

}  // namespace

int leader_bench(const std::vector<std::string>& args) {
  return run_subcommand("leader", kLeaderBenchUsage, [&] { return run(parse_options(args)); });
}

}  // namespace codearena::bench
