// The messages between the engine (supervisor) and a slot's box keeper, each defined once.
//
// Every message is a struct with one encoder and one decoder, framed by wire.h (one
// SOCK_SEQPACKET packet each, descriptors with SCM_RIGHTS). The keeper trusts the engine; the
// engine trusts nothing that comes from a box: every decoder of a keeper message bounds sizes
// and counts and validates each field, and throws ProtocolError for anything malformed. Each run
// carries an id that the keeper echoes, so nothing of an earlier run is taken for the current one.
//
// Conversation per slot:
//   engine → keeper  SetupOrder
//   engine → keeper  JoinOrder (fds: the network namespace if it says so, then the slot
//                    cgroup's join files), possibly while the keeper builds its box: the
//                    engine may make them meanwhile
//   keeper → engine  Ready | Failed
//   then per run:
//   engine → keeper  RunOrder (fds: stdin, stdout, stderr, input files in order)
//   keeper → engine  Started (fd: the program's seccomp listener) | Failed
//   engine → keeper  KillOrder, any number of times, possibly after the run ended
//   keeper → engine  Exited (fds: the collected files, in the order of their names) | Failed
//   keeper → engine  Ready once the next run's box is prepared (not after a last_on_slot run)
//   and, between runs, from an engine that exits with the slot clean (parked_keeper.h):
//   engine → keeper  ParkOrder (fd: the engine's own end of this socket)
//   keeper → engine  Ready once it holds that end at kParkedEngineEnd; the engine exits
//   adopting engine → keeper  JoinOrder (no network namespace: fds: the join files only)
//   keeper → adopting engine  Ready, and on per run as above
// The program itself holds no descriptor of this conversation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sandbox/errors.h"
#include "sandbox/mounts.h"
#include "sandbox/rlimits.h"
#include "sandbox/run_spec.h"
#include "sandbox/wire.h"

namespace codearena::sandbox::keeper {

// A keeper message that breaks the protocol. The engine then replaces the slot's keeper.
class ProtocolError : public SandboxError {
 public:
  explicit ProtocolError(const std::string& what)
      : SandboxError("sandbox keeper protocol: " + what) {}
};

struct SetupOrder {
  uint32_t uid = 0;  // The slot's unprivileged identity; gid is the same number.
  int last_capability = 40;
  std::string filters[2];  // Compiled seccomp programs, indexed by NetworkCalls.
  int64_t box_bytes = 0;
  int64_t tmp_bytes = 0;
  std::string staging_dir;
  std::vector<ReadOnlyBind> binds;
};

struct JoinOrder {
  // True: the keeper was started in the engine's network namespace and enters the one sent.
  bool network_namespace = false;
};

// Sent between runs: the keeper keeps the engine's end of its socket (so that the socket stays
// open once the engine exits) at kParkedEngineEnd, prepares the next box and waits for an
// engine to take that end and send a JoinOrder, or exits after `idle_ms` without one.
struct ParkOrder {
  int64_t idle_ms = 0;
};

// Where a parked keeper holds the engine's end of its socket (close-on-exec; its programs start
// with descriptors 0, 1 and 2 only): above every descriptor a keeper opens otherwise.
constexpr int kParkedEngineEnd = 100;

struct RunOrder {
  uint64_t run_id = 0;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // The complete environment of the program.
  std::vector<std::string> file_names;
  std::vector<bool> file_executable;  // One per file name.
  std::vector<std::string> collect;   // Names or wildcards ("*.class") of /box files to return.
  int64_t collect_max_bytes = 0;
  int64_t box_bytes = 0;
  int64_t tmp_bytes = 0;
  ProcessLimits limits;
  NetworkCalls network_calls = NetworkCalls::kViolation;
  bool last_on_slot = false;  // RunRequest::last_on_slot
};

struct KillOrder {
  uint64_t run_id = 0;
};

struct Started {
  uint64_t run_id = 0;
};

struct Exited {
  uint64_t run_id = 0;
  int wait_status = 0;  // As waitpid(2) reported the program's main process.
  int64_t wall_us = 0;
  std::vector<std::string> collected;  // Names of the files sent with the message.
  std::string problems;                // Requested files that could not be collected, and why.
  int64_t peak_rss_kb = 0;  // The main process's largest resident set (wait4's ru_maxrss).
};

struct Failed {
  uint64_t run_id = 0;  // 0 while the slot is being set up.
  std::string reason;
  bool exec_failed = false;  // The program could not be executed (the run is the program's error).
};

// Largest Exited::collected and Failed::reason a keeper may send.
constexpr size_t kMaxCollectedFiles = 200;
constexpr size_t kMaxReasonBytes = 4096;

std::string encode(const SetupOrder& order);
std::string encode(const RunOrder& order);
std::string encode(const KillOrder& order);
std::string encode(const JoinOrder& order);
std::string encode(const ParkOrder& order);
std::string encode_ready();
std::string encode(const Started& message);
std::string encode(const Exited& message);
std::string encode(const Failed& message);

// Decoders of engine messages (used by the keeper). Throw SandboxError when malformed.
SetupOrder decode_setup(wire::Reader& reader);
JoinOrder decode_join(wire::Reader& reader);
ParkOrder decode_park(wire::Reader& reader);
RunOrder decode_run(wire::Reader& reader);
KillOrder decode_kill(wire::Reader& reader);

// Decoders of keeper messages (used by the engine): strict, throw ProtocolError. The message
// must have been fully consumed; fields out of their range are refused.
void decode_ready(wire::Reader& reader);
Started decode_started(wire::Reader& reader);
Exited decode_exited(wire::Reader& reader);
Failed decode_failed(wire::Reader& reader);

// The type of a keeper message, refusing types a keeper never sends.
wire::Type keeper_message_type(const std::string& body);

}  // namespace codearena::sandbox::keeper
