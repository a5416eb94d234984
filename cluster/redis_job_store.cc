#include "cluster/redis_job_store.h"

#include <stdexcept>

#include "cluster/errors.h"
#include "cluster/record_json.h"

namespace codearena::cluster {
namespace {

// KEYS: epoch, unfinished set, then one hash per job. ARGV: epoch, retention in ms, then four
// per job: id, "1" when final, status JSON, spec JSON ("" keeps the stored spec).
// Refuses with "FENCED <seen epoch>" before touching anything when a newer epoch was seen.
const RedisScript& write_script() {
  static const RedisScript script(R"lua(
local epoch = tonumber(ARGV[1])
local seen = tonumber(redis.call('GET', KEYS[1]) or '0')
if epoch < seen then
  return redis.error_reply('FENCED ' .. seen)
end
if epoch > seen then
  redis.call('SET', KEYS[1], epoch)
end
for i = 3, #KEYS do
  local arg = 3 + (i - 3) * 4
  local key, id, final = KEYS[i], ARGV[arg], ARGV[arg + 1]
  if ARGV[arg + 3] ~= '' then
    redis.call('HSET', key, 'status', ARGV[arg + 2], 'epoch', epoch, 'spec', ARGV[arg + 3])
  else
    redis.call('HSET', key, 'status', ARGV[arg + 2], 'epoch', epoch)
  end
  if final == '1' then
    redis.call('SREM', KEYS[2], id)
    redis.call('PEXPIRE', key, ARGV[2])
  else
    redis.call('SADD', KEYS[2], id)
    redis.call('PERSIST', key)
  end
end
return #KEYS - 2
)lua");
  return script;
}

// The status as stored: every test's output capped, copied only when one is over the cap.
std::string encode_kept(const actors::JobStatus& status, size_t kept_output_bytes) {
  if (actors::output_within(status.result, kept_output_bytes)) return encode_status(status);
  actors::JobStatus capped = status;
  actors::cap_kept_output(capped.result, kept_output_bytes);
  return encode_status(capped);
}

int64_t fenced_epoch(const RedisReply& reply) {
  const std::string marker = "FENCED ";
  if (!reply.is_error() || reply.text.compare(0, marker.size(), marker) != 0) return -1;
  return std::stoll(reply.text.substr(marker.size()));
}

}  // namespace

RedisJobStore::RedisJobStore(const RedisOptions& options, std::chrono::milliseconds retention,
                             size_t kept_output_bytes)
    : keys_{options.key_prefix},
      retention_(retention),
      kept_output_bytes_(kept_output_bytes),
      connection_(options) {}

void RedisJobStore::write(int64_t epoch, const std::vector<JobRecord>& batch) {
  if (batch.empty()) return;
  std::vector<std::string> keys{keys_.epoch(), keys_.unfinished()};
  std::vector<std::string> args{std::to_string(epoch), std::to_string(retention_.count())};
  for (const auto& record : batch) {
    const auto& id = record.status.id;
    if (id.empty()) throw std::invalid_argument("job record without an id");
    keys.push_back(keys_.job(id));
    args.push_back(id);
    args.push_back(actors::is_final(record.status.state) ? "1" : "0");
    args.push_back(encode_kept(record.status, kept_output_bytes_));
    args.push_back(record.spec ? encode_spec(*record.spec) : "");
  }
  const RedisReply reply = connection_.run_script(write_script(), keys, args);
  if (const int64_t seen = fenced_epoch(reply); seen >= 0) {
    ++counters_.fenced_writes;
    throw FencedError(epoch, seen);
  }
  if (reply.is_error()) throw StoreError("redis job write: " + reply.text);
  ++counters_.write_batches;
  counters_.jobs_written += static_cast<int64_t>(batch.size());
}

std::optional<actors::JobStatus> RedisJobStore::read_status(const std::string& job_id) {
  ++counters_.status_reads;
  const RedisReply reply = connection_.command({"HGET", keys_.job(job_id), "status"});
  if (reply.is_error()) throw StoreError("redis job read: " + reply.text);
  if (reply.type != RedisReply::Type::kString) return std::nullopt;
  return decode_status(reply.text);
}

std::vector<JobRecord> RedisJobStore::load_unfinished() {
  ++counters_.unfinished_loads;
  const RedisReply members = connection_.command({"SMEMBERS", keys_.unfinished()});
  if (members.is_error()) throw StoreError("redis unfinished jobs: " + members.text);
  std::vector<RedisCommand> reads;
  for (const auto& id : members.elements)
    reads.push_back({"HMGET", keys_.job(id.text), "status", "spec"});
  std::vector<JobRecord> unfinished;
  if (reads.empty()) return unfinished;
  for (const auto& fields : connection_.pipeline(reads)) {
    if (fields.is_error()) throw StoreError("redis job read: " + fields.text);
    const RedisReply& status = fields.elements.at(0);
    const RedisReply& spec = fields.elements.at(1);
    // Written final between the two round trips, or expired: no longer to finish.
    if (status.type != RedisReply::Type::kString) continue;
    JobRecord record{decode_status(status.text), std::nullopt};
    if (actors::is_final(record.status.state)) continue;
    if (spec.type == RedisReply::Type::kString) record.spec = decode_spec(spec.text);
    unfinished.push_back(std::move(record));
  }
  return unfinished;
}

StoreCounters RedisJobStore::counters() const {
  StoreCounters counters = counters_;
  counters.commands = connection_.commands_sent();
  counters.round_trips = connection_.round_trips();
  counters.connects = connection_.connects();
  return counters;
}

}  // namespace codearena::cluster
