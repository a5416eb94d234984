#include "sandbox/keeper_protocol.h"

#include <sys/wait.h>

#include <cstdint>

#include "sandbox/fs_util.h"

namespace codearena::sandbox::keeper {
namespace {

// A wall time no run can reach (a day); anything above is a forged or corrupt figure.
constexpr int64_t kMaxWallUs = 86'400'000'000;
constexpr size_t kMaxProblemsBytes = 64 * 1024;
// A resident set no box can reach (1 TiB); anything above is a forged or corrupt figure.
constexpr int64_t kMaxPeakRssKb = int64_t{1} << 30;

template <typename Decoded, typename Body>
Decoded strictly(wire::Reader& reader, wire::Type expected, const char* name, Body body) {
  try {
    if (reader.type() != expected) throw ProtocolError(std::string("expected ") + name);
    Decoded decoded = body();
    if (!reader.at_end()) throw ProtocolError(std::string(name) + " has trailing bytes");
    return decoded;
  } catch (const ProtocolError&) {
    throw;
  } catch (const SandboxError& error) {
    throw ProtocolError(std::string(name) + ": " + error.what());
  }
}

std::string bounded(std::string text, size_t limit, const char* what) {
  if (text.size() > limit) {
    throw ProtocolError(std::string(what) + " of " + std::to_string(text.size()) +
                        " bytes is over the limit of " + std::to_string(limit));
  }
  return text;
}

// A wait status as waitpid(2) reports a process that ended (never a stop or continue).
bool is_end_status(int status) {
  if (WIFEXITED(status)) return (status & ~0xff00) == 0;
  return WIFSIGNALED(status) && WTERMSIG(status) < 65 && (status & ~0xff) == 0;
}

}  // namespace

std::string encode(const SetupOrder& order) {
  std::vector<std::string> binds;
  for (const auto& bind : order.binds) binds.push_back((bind.optional ? "?" : "!") + bind.path);
  return wire::Writer(wire::Type::kSetup)
      .u64(order.uid)
      .u64(static_cast<uint64_t>(order.last_capability))
      .str(order.filters[0])
      .str(order.filters[1])
      .u64(static_cast<uint64_t>(order.box_bytes))
      .u64(static_cast<uint64_t>(order.tmp_bytes))
      .str(order.staging_dir)
      .strs(binds)
      .bytes();
}

SetupOrder decode_setup(wire::Reader& reader) {
  if (reader.type() != wire::Type::kSetup) throw SandboxError("expected the setup message");
  SetupOrder order;
  order.uid = static_cast<uint32_t>(reader.u64());
  order.last_capability = static_cast<int>(reader.u64());
  order.filters[0] = reader.str();
  order.filters[1] = reader.str();
  order.box_bytes = static_cast<int64_t>(reader.u64());
  order.tmp_bytes = static_cast<int64_t>(reader.u64());
  order.staging_dir = reader.str();
  for (const auto& bind : reader.strs()) {
    if (bind.empty()) throw SandboxError("setup message: empty bind");
    order.binds.push_back({bind.substr(1), bind[0] == '?'});
  }
  return order;
}

std::string encode(const RunOrder& order) {
  std::vector<std::string> modes;
  for (const bool executable : order.file_executable) modes.push_back(executable ? "x" : "r");
  return wire::Writer(wire::Type::kRun)
      .u64(order.run_id)
      .strs(order.argv)
      .strs(order.env)
      .strs(order.file_names)
      .strs(modes)
      .strs(order.collect)
      .u64(static_cast<uint64_t>(order.collect_max_bytes))
      .u64(static_cast<uint64_t>(order.box_bytes))
      .u64(static_cast<uint64_t>(order.tmp_bytes))
      .u64(static_cast<uint64_t>(order.limits.cpu_seconds))
      .u64(static_cast<uint64_t>(order.limits.file_size_bytes))
      .u64(static_cast<uint64_t>(order.limits.open_files))
      .u64(static_cast<uint64_t>(order.limits.stack_bytes))
      .u64(static_cast<uint64_t>(order.limits.address_space_bytes))
      .u64(order.network_calls == NetworkCalls::kRefuse ? 1 : 0)
      .u64(order.last_on_slot ? 1 : 0)
      .bytes();
}

RunOrder decode_run(wire::Reader& reader) {
  if (reader.type() != wire::Type::kRun) throw SandboxError("expected a run message");
  RunOrder order;
  order.run_id = reader.u64();
  order.argv = reader.strs();
  order.env = reader.strs();
  order.file_names = reader.strs();
  for (const auto& mode : reader.strs()) order.file_executable.push_back(mode == "x");
  order.collect = reader.strs();
  order.collect_max_bytes = static_cast<int64_t>(reader.u64());
  order.box_bytes = static_cast<int64_t>(reader.u64());
  order.tmp_bytes = static_cast<int64_t>(reader.u64());
  order.limits.cpu_seconds = static_cast<int64_t>(reader.u64());
  order.limits.file_size_bytes = static_cast<int64_t>(reader.u64());
  order.limits.open_files = static_cast<int64_t>(reader.u64());
  order.limits.stack_bytes = static_cast<int64_t>(reader.u64());
  order.limits.address_space_bytes = static_cast<int64_t>(reader.u64());
  order.network_calls = reader.u64() == 1 ? NetworkCalls::kRefuse : NetworkCalls::kViolation;
  order.last_on_slot = reader.u64() == 1;
  if (order.argv.empty()) throw SandboxError("no program to run");
  if (order.file_executable.size() != order.file_names.size())
    throw SandboxError("run message: one mode per file is needed");
  return order;
}

std::string encode(const KillOrder& order) {
  return wire::Writer(wire::Type::kKill).u64(order.run_id).bytes();
}

KillOrder decode_kill(wire::Reader& reader) {
  if (reader.type() != wire::Type::kKill) throw SandboxError("expected a kill message");
  return {reader.u64()};
}

std::string encode(const JoinOrder& order) {
  return wire::Writer(wire::Type::kJoin).u64(order.network_namespace ? 1 : 0).bytes();
}

JoinOrder decode_join(wire::Reader& reader) {
  if (reader.type() != wire::Type::kJoin) throw SandboxError("expected the join message");
  const uint64_t network_namespace = reader.u64();
  if (network_namespace > 1) throw ProtocolError("the join message's namespace flag is not 0 or 1");
  return {network_namespace == 1};
}

std::string encode(const ParkOrder& order) {
  return wire::Writer(wire::Type::kPark).u64(static_cast<uint64_t>(order.idle_ms)).bytes();
}

ParkOrder decode_park(wire::Reader& reader) {
  if (reader.type() != wire::Type::kPark) throw SandboxError("expected the park message");
  const uint64_t idle_ms = reader.u64();
  if (idle_ms == 0 || idle_ms > static_cast<uint64_t>(INT32_MAX))
    throw SandboxError("the park message's idle time is out of range");
  return {static_cast<int64_t>(idle_ms)};
}

std::string encode_ready() {
  return wire::Writer(wire::Type::kReady).bytes();
}

void decode_ready(wire::Reader& reader) {
  strictly<bool>(reader, wire::Type::kReady, "ready message", [] { return true; });
}

std::string encode(const Started& message) {
  return wire::Writer(wire::Type::kStarted).u64(message.run_id).bytes();
}

Started decode_started(wire::Reader& reader) {
  return strictly<Started>(reader, wire::Type::kStarted, "started message",
                           [&] { return Started{reader.u64()}; });
}

std::string encode(const Exited& message) {
  return wire::Writer(wire::Type::kExited)
      .u64(message.run_id)
      .u64(static_cast<uint64_t>(static_cast<uint32_t>(message.wait_status)))
      .u64(static_cast<uint64_t>(message.wall_us))
      .strs(message.collected)
      .str(message.problems)
      .u64(static_cast<uint64_t>(message.peak_rss_kb))
      .bytes();
}

Exited decode_exited(wire::Reader& reader) {
  return strictly<Exited>(reader, wire::Type::kExited, "exit message", [&] {
    Exited message;
    message.run_id = reader.u64();
    const uint64_t status = reader.u64();
    if (status > 0xffff || !is_end_status(static_cast<int>(status)))
      throw ProtocolError("exit message: " + std::to_string(status) + " is not an exit status");
    message.wait_status = static_cast<int>(status);
    const uint64_t wall_us = reader.u64();
    if (wall_us > static_cast<uint64_t>(kMaxWallUs))
      throw ProtocolError("exit message: wall time out of range");
    message.wall_us = static_cast<int64_t>(wall_us);
    message.collected = reader.strs();
    if (message.collected.size() > kMaxCollectedFiles)
      throw ProtocolError("exit message: too many collected files");
    for (const auto& name : message.collected) {
      if (!is_plain_file_name(name)) throw ProtocolError("exit message: a bad file name");
    }
    message.problems = bounded(reader.str(), kMaxProblemsBytes, "exit message: problems");
    const uint64_t peak_rss_kb = reader.u64();
    if (peak_rss_kb > static_cast<uint64_t>(kMaxPeakRssKb))
      throw ProtocolError("exit message: peak memory out of range");
    message.peak_rss_kb = static_cast<int64_t>(peak_rss_kb);
    return message;
  });
}

std::string encode(const Failed& message) {
  return wire::Writer(wire::Type::kFailed)
      .u64(message.run_id)
      .str(message.reason.substr(0, kMaxReasonBytes))
      .u64(message.exec_failed ? 1 : 0)
      .bytes();
}

Failed decode_failed(wire::Reader& reader) {
  return strictly<Failed>(reader, wire::Type::kFailed, "failure message", [&] {
    Failed message;
    message.run_id = reader.u64();
    message.reason = bounded(reader.str(), kMaxReasonBytes, "failure message: reason");
    const uint64_t exec_failed = reader.u64();
    if (exec_failed > 1) throw ProtocolError("failure message: a bad flag");
    message.exec_failed = exec_failed == 1;
    return message;
  });
}

wire::Type keeper_message_type(const std::string& body) {
  if (body.empty()) throw ProtocolError("an empty message");
  const auto type = static_cast<wire::Type>(body[0]);
  switch (type) {
    case wire::Type::kReady:
    case wire::Type::kStarted:
    case wire::Type::kExited:
    case wire::Type::kFailed:
      return type;
    default:
      throw ProtocolError("message type " + std::to_string(static_cast<int>(body[0])) +
                          " is not one a keeper sends");
  }
}

}  // namespace codearena::sandbox::keeper
