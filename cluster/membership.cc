#include "cluster/membership.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include "actors/counted_actor.h"
#include "cluster/errors.h"
#include "cluster/leader_lease.h"
#include "common/epoch_ms.h"
#include "telemetry/log.h"

namespace codearena::cluster {
namespace {

using actors::RunningAttempt;
using actors::scheduler_actor;
using telemetry::LogLevel;
using Clock = std::chrono::steady_clock;

// The address a node uses for itself when it leads.
const char* const kSelf = "self";

struct LeaderTarget {
  std::string id;
  std::string address;

  bool operator==(const LeaderTarget& other) const {
    return id == other.id && address == other.address;
  }
};

struct MembershipState {
  MembershipConfig config;
  NodeActors local;
  telemetry::Logger* logger = nullptr;
  std::unique_ptr<LeaderLease> lease;  // Null until Redis first answers; never with --join.
  bool handed_over = false;
  int64_t held_epoch = 0;  // Non-zero while this node holds the lease.
  Clock::time_point last_renewed;
  LeaderTarget target;  // The leader connected to; empty address: none.
  scheduler_actor leader;
  bool joined = false;
  bool joining = false;
  std::optional<LeaderTarget> connecting;  // The connection attempt under way, if any.
  uint64_t connect_attempts = 0;           // Numbers the attempts; the latest one counts.

  bool can_lead() const {
    const auto& roles = config.node.roles;
    return config.join.empty() && std::find(roles.begin(), roles.end(), "scheduler") != roles.end();
  }

  static constexpr const char* name = "membership";
};

using membership_pointer = actors::counted_stateful_pointer<membership_actor, MembershipState>;

void log(membership_pointer self, LogLevel level, const char* event, nlohmann::json fields) {
  fields["node"] = self->state.config.node.id;
  self->state.logger->log(level, event, fields);
}

// The lease object, made on first use; throws StoreError while Redis cannot be reached.
LeaderLease& lease_of(membership_pointer self) {
  auto& state = self->state;
  if (!state.lease) {
    if (state.config.redis) {
      state.lease =
          std::make_unique<RedisLeaderLease>(*state.config.redis, state.config.node.id,
                                             state.config.lease_ttl, state.config.node.address);
    } else {
      state.lease = std::make_unique<LocalLeaderLease>(state.config.node.id);
    }
  }
  return *state.lease;
}

// Until when the lease lasts, for the node's inspector (0: not held).
void publish_lease_until(MembershipState& state, int64_t until_ms) {
  if (state.config.lease_until_ms) state.config.lease_until_ms->store(until_ms);
}

void lose_lease(membership_pointer self, const std::string& why) {
  auto& state = self->state;
  publish_lease_until(state, 0);
  log(self, LogLevel::warn, "leadership_lost", {{"epoch", state.held_epoch}, {"reason", why}});
  state.held_epoch = 0;
  self->send(state.local.scheduler, actors::local_v<actors::follow_atom>);
}

void update_lease(membership_pointer self) {
  auto& state = self->state;
  if (!state.can_lead() || state.handed_over) return;
  try {
    const auto epoch = lease_of(self).try_acquire();
    state.last_renewed = Clock::now();
    if (!epoch) {
      if (state.held_epoch != 0) lose_lease(self, "another node holds the lease");
      return;
    }
    if (*epoch != state.held_epoch) {
      log(self, LogLevel::info, "leadership_acquired", {{"epoch", *epoch}});
    }
    state.held_epoch = *epoch;
    publish_lease_until(state, common::epoch_ms() + state.config.lease_ttl.count());
    // Repeated every period: a scheduler that stood by after a store failure leads again.
    self->send(state.local.scheduler, actors::local_v<actors::lead_atom>, *epoch);
  } catch (const StoreError& error) {
    log(self, LogLevel::warn, "lease_unavailable", {{"error", error.what()}});
    if (state.held_epoch != 0 && Clock::now() - state.last_renewed >= state.config.lease_ttl)
      lose_lease(self, "the lease could not be renewed within its TTL");
  }
}

// Who leads now; nullopt when nobody does (or it cannot be found out).
std::optional<LeaderTarget> find_leader(membership_pointer self) {
  auto& state = self->state;
  if (state.held_epoch != 0) return LeaderTarget{state.config.node.id, kSelf};
  if (!state.config.join.empty()) return LeaderTarget{state.config.join, state.config.join};
  if (!state.config.redis) return std::nullopt;
  try {
    const auto holder = lease_of(self).holder();
    if (!holder || holder->address.empty()) return std::nullopt;
    return LeaderTarget{holder->node_id, holder->address};
  } catch (const StoreError& error) {
    // Redis is away: keep following the leader known so far.
    if (state.target.address.empty()) return std::nullopt;
    return state.target;
  }
}

void tell_locals(membership_pointer self) {
  auto& state = self->state;
  if (state.local.submission)
    self->send(state.local.submission, actors::local_v<actors::leader_atom>, state.leader);
  if (state.local.pool && (state.joined || !state.leader))
    self->send(state.local.pool, actors::local_v<actors::leader_atom>, state.leader);
}

void forget_leader(membership_pointer self) {
  auto& state = self->state;
  if (!state.leader && state.target.address.empty()) return;
  if (state.leader && state.target.address != kSelf) self->demonitor(state.leader.address());
  state.leader = nullptr;
  state.target = {};
  state.joined = false;
  tell_locals(self);
}

void send_join(membership_pointer self, const std::vector<RunningAttempt>& running) {
  auto& state = self->state;
  const auto leader = state.leader;
  self->request(leader, std::chrono::seconds(5), actors::join_atom::value, state.config.node,
                actors::worker_actor{state.local.pool}, running)
      .then(
          [=](int64_t epoch) {
            self->state.joining = false;
            if (self->state.leader != leader) return;
            self->state.joined = true;
            if (self->state.local.inspector) {
              self->send(leader, actors::inspect_atom::value, self->state.config.node.id,
                         self->state.local.inspector);
            }
            log(self, LogLevel::info, "joined",
                {{"leader", self->state.target.id},
                 {"epoch", epoch},
                 {"attemptsReported", running.size()}});
            tell_locals(self);
          },
          [=](caf::error& error) {
            self->state.joining = false;
            log(self, LogLevel::debug, "join_refused", {{"error", self->system().render(error)}});
          });
}

void join(membership_pointer self) {
  auto& state = self->state;
  if (state.joining) return;
  state.joining = true;
  if (!state.local.pool) {
    send_join(self, {});
    return;
  }
  self->request(state.local.pool, std::chrono::seconds(5), actors::local_v<actors::running_atom>)
      .then([=](std::vector<RunningAttempt>& running) { send_join(self, running); },
            [=](caf::error&) { self->state.joining = false; });
}

void heartbeat(membership_pointer self) {
  const auto leader = self->state.leader;
  self->request(leader, self->state.config.heartbeat_interval, actors::heartbeat_atom::value,
                self->state.config.node.id)
      .then(
          [=](bool known) {
            if (!known && self->state.leader == leader) self->state.joined = false;
          },
          [=](caf::error&) {});
}

// The actor that opens cluster connections: CAF's middleman, or its OpenSSL twin with TLS.
caf::io::middleman_actor connector_of(membership_pointer self) {
  if (self->state.config.tls) return self->system().openssl_manager().actor_handle();
  return self->system().middleman().actor_handle();
}

// How long a connection attempt may take; a leader that accepts but never completes the
// handshake (a stopped process) is given up after this, and the lease is read again.
std::chrono::milliseconds connect_timeout_of(const MembershipConfig& config) {
  return std::max(config.lease_ttl, std::chrono::milliseconds(1000));
}

void unreachable(membership_pointer self, const LeaderTarget& target, const std::string& why) {
  log(self, LogLevel::warn, "leader_unreachable",
      {{"leader", target.id}, {"address", target.address}, {"error", why}});
}

// Follows `leader` (local or a connected remote) from now on and joins it.
void follow(membership_pointer self, const LeaderTarget& target, scheduler_actor leader) {
  auto& state = self->state;
  state.leader = std::move(leader);
  if (target.address != kSelf) self->monitor(state.leader);
  state.target = target;
  log(self, LogLevel::info, "leader_found", {{"leader", target.id}, {"address", target.address}});
  tell_locals(self);
  join(self);
}

// Connects to `target` without blocking the membership (it keeps renewing its lease); the
// answer of an attempt that a newer one has replaced is ignored.
void connect(membership_pointer self, const LeaderTarget& target) {
  auto& state = self->state;
  forget_leader(self);
  if (target.address == kSelf) {
    state.connecting.reset();
    follow(self, target, state.local.scheduler);
    return;
  }
  if (state.connecting == target) return;
  state.connecting = target;
  const uint64_t attempt = ++state.connect_attempts;
  const auto [host, port] = parse_host_port(target.address, "leader address");
  const auto current = [self, attempt] {
    return self->state.connect_attempts == attempt && self->state.connecting;
  };
  self->request(connector_of(self), connect_timeout_of(state.config), caf::connect_atom_v, host,
                port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& actor,
              const std::set<std::string>& interface) {
            if (!current()) return;
            self->state.connecting.reset();
            if (!actor) return unreachable(self, target, "no scheduler listens there");
            if (!self->system().assignable<scheduler_actor>(interface))
              return unreachable(self, target, "what listens there is not a scheduler");
            follow(self, target, caf::actor_cast<scheduler_actor>(std::move(actor)));
          },
          [=](caf::error& error) {
            if (!current()) return;
            self->state.connecting.reset();
            unreachable(self, target, self->system().render(error));
          });
}

void step(membership_pointer self) {
  auto& state = self->state;
  update_lease(self);
  const auto target = find_leader(self);
  if (!target) {
    state.connecting.reset();
    forget_leader(self);
  } else if (!(*target == state.target) || !state.leader) {
    connect(self, *target);
  }
  if (!state.leader) return;
  if (state.joined) {
    heartbeat(self);
  } else {
    join(self);
  }
}

std::chrono::milliseconds period_of(const MembershipConfig& config) {
  return std::min(config.heartbeat_interval, config.lease_ttl / 3);
}

membership_actor::behavior_type membership_behavior(membership_pointer self,
                                                    MembershipConfig config, NodeActors local,
                                                    telemetry::Logger* logger) {
  self->state.config = std::move(config);
  self->state.local = std::move(local);
  self->state.logger = logger;
  self->set_down_handler([=](caf::down_msg& down) {
    if (!self->state.leader || down.source != self->state.leader.address()) return;
    log(self, LogLevel::warn, "leader_lost",
        {{"leader", self->state.target.id}, {"reason", caf::to_string(down.reason)}});
    forget_leader(self);
    step(self);
  });
  self->send(self, actors::local_v<actors::tick_atom>);
  return {
      [=](actors::local<actors::inspect_atom>) {
        const auto& state = self->state;
        std::string line = state.held_epoch != 0 ? "holds the lease, epoch " +
                                                       std::to_string(state.held_epoch) + "; "
                                                 : "";
        line += state.leader ? "follows " + state.target.id + (state.joined ? ", joined" : "")
                             : "no leader";
        return actors::describe(self, "membership", "membership", line);
      },
      [=](actors::local<actors::tick_atom>) {
        step(self);
        self->delayed_send(self, period_of(self->state.config), actors::local_v<actors::tick_atom>);
      },
      [=](actors::local<actors::handover_atom>) {
        auto& state = self->state;
        state.handed_over = true;
        if (state.held_epoch != 0) {
          try {
            lease_of(self).release();
            log(self, LogLevel::info, "lease_released", {{"epoch", state.held_epoch}});
          } catch (const StoreError& error) {
            log(self, LogLevel::warn, "lease_release_failed", {{"error", error.what()}});
          }
          state.held_epoch = 0;
          publish_lease_until(state, 0);
        }
        return true;
      },
  };
}

}  // namespace

membership_actor spawn_membership(caf::actor_system& system, MembershipConfig config,
                                  NodeActors local, telemetry::Logger& logger) {
  // The lease's Redis calls block: with Redis the membership gets its own thread.
  if (config.redis) {
    return system.spawn<caf::detached>(membership_behavior, std::move(config), std::move(local),
                                       &logger);
  }
  return system.spawn(membership_behavior, std::move(config), std::move(local), &logger);
}

std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  const auto fail = [&](const std::string& why) {
    return std::invalid_argument(what + " '" + text + "' is not host:port: " + why);
  };
  if (colon == std::string::npos || colon == 0) throw fail("expected host:port");
  const std::string port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), ::isdigit))
    throw fail("the port must be a number");
  const int port = std::stoi(port_text);
  if (port < 1 || port > 65535) throw fail("the port must be between 1 and 65535");
  return {text.substr(0, colon), static_cast<uint16_t>(port)};
}

}  // namespace codearena::cluster
