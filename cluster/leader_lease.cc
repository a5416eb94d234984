#include "cluster/leader_lease.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cluster/errors.h"

namespace codearena::cluster {
namespace {

// KEYS: lease, epoch. ARGV: node id, TTL in ms, cluster address. The epoch is only incremented when
// the lease is free: an INCR by a mere contender would fence the sitting leader.
const RedisScript& acquire_script() {
  static const RedisScript script(R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local epoch = redis.call('INCR', KEYS[2])
local value = '{"node":' .. cjson.encode(ARGV[1]) .. ',"epoch":' .. epoch ..
  ',"address":' .. cjson.encode(ARGV[3]) .. '}'
redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2])
return value
)lua");
  return script;
}

// KEYS: lease. ARGV: the holder's value, TTL in ms. 1 when renewed, 0 when not the holder.
const RedisScript& renew_script() {
  static const RedisScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
)lua");
  return script;
}

// KEYS: lease. ARGV: the holder's value. 1 when deleted, 0 when not the holder.
const RedisScript& release_script() {
  static const RedisScript script(R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
)lua");
  return script;
}

LeaseHolder parse_lease_value(const std::string& value) {
  try {
    const auto parsed = nlohmann::json::parse(value);
    return LeaseHolder{parsed.at("node").get<std::string>(), parsed.at("epoch").get<int64_t>(), -1,
                       parsed.value("address", "")};
  } catch (const nlohmann::json::exception& error) {
    throw StoreError("leader lease value '" + value + "' is malformed: " + error.what());
  }
}

const RedisReply& checked(const RedisReply& reply, const char* what) {
  if (reply.is_error()) throw StoreError(std::string("leader lease ") + what + ": " + reply.text);
  return reply;
}

}  // namespace

RedisLeaderLease::RedisLeaderLease(const RedisOptions& options, std::string node_id,
                                   std::chrono::milliseconds ttl, std::string address)
    : keys_{options.key_prefix},
      node_id_(std::move(node_id)),
      address_(std::move(address)),
      ttl_(ttl),
      connection_(options) {}

std::optional<int64_t> RedisLeaderLease::try_acquire() {
  if (!held_value_.empty()) {
    if (renew()) return held_epoch_;
    return std::nullopt;
  }
  const RedisReply reply =
      connection_.run_script(acquire_script(), {keys_.lease(), keys_.epoch()},
                             {node_id_, std::to_string(ttl_.count()), address_});
  if (checked(reply, "acquire").type != RedisReply::Type::kString) return std::nullopt;
  held_value_ = reply.text;
  held_epoch_ = parse_lease_value(reply.text).epoch;
  return held_epoch_;
}

bool RedisLeaderLease::renew() {
  if (held_value_.empty()) return false;
  const RedisReply reply = connection_.run_script(renew_script(), {keys_.lease()},
                                                  {held_value_, std::to_string(ttl_.count())});
  if (checked(reply, "renew").integer == 1) return true;
  held_value_.clear();
  return false;
}

void RedisLeaderLease::release() {
  if (held_value_.empty()) return;
  checked(connection_.run_script(release_script(), {keys_.lease()}, {held_value_}), "release");
  held_value_.clear();
}

std::optional<LeaseHolder> RedisLeaderLease::holder() {
  const auto replies = connection_.pipeline({{"GET", keys_.lease()}, {"PTTL", keys_.lease()}});
  const RedisReply& value = checked(replies.at(0), "read");
  if (value.type != RedisReply::Type::kString) return std::nullopt;
  LeaseHolder holder = parse_lease_value(value.text);
  holder.ttl_remaining_ms = std::max<long long>(checked(replies.at(1), "read").integer, -1);
  return holder;
}

}  // namespace codearena::cluster
