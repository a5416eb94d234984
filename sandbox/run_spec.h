// What a caller asks the sandbox to run, and what comes back.
//
// Plain value types with no behaviour beyond naming: they are filled by the caller (CLI, judge,
// actors) and by the supervisor. Copyable; no thread-safety concerns of their own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cancel.h"

namespace codearena::sandbox {

class Handover;  // sandbox/handover.h

// Limits for one run. Zero means "the engine default" only where a field says so.
struct RunLimits {
  int64_t cpu_ms = 10'000;             // CPU time of all processes and threads of the run.
  int64_t wall_ms = 0;                 // 0: derived from cpu_ms (see wall_limit_ms).
  int64_t memory_bytes = 128LL << 20;  // cgroup memory limit, swap off.
  int64_t pids = 64;                   // processes plus threads.
  int64_t output_bytes = 64 << 10;     // captured bytes of stdout, and separately of stderr.
  int64_t file_size_bytes = 16LL << 20;  // RLIMIT_FSIZE: any one file the program writes.
  int64_t open_files = 256;              // RLIMIT_NOFILE.
  int64_t stack_bytes = 64LL << 20;      // RLIMIT_STACK.
  int64_t address_space_bytes = 0;       // RLIMIT_AS; 0 leaves it unlimited (JVMs need that).
  double cpu_cores = 1.0;                // CPU bandwidth quota, in cores.
  int64_t box_bytes = 64LL << 20;        // size of the /box tmpfs.
  int64_t tmp_bytes = 64LL << 20;        // size of the /tmp tmpfs.

  // The derived wall limit is kWallPerCpu times the CPU limit plus kWallFloorMs: the time limit
  // is a CPU time limit, and the wall limit only catches programs that sleep or block, so it
  // must not be reached by a busy program that shares its core with others on a loaded machine.
  static constexpr int64_t kWallPerCpu = 3;
  static constexpr int64_t kWallFloorMs = 2000;

  // The wall-clock limit in force: wall_ms if set, else kWallPerCpu * cpu_ms + kWallFloorMs.
  int64_t wall_limit_ms() const;

  // Empty when every field is usable, else a sentence naming the first bad field (a zero-size
  // tmpfs would mean "unlimited", a zero pids limit could not even start the program).
  std::string problem() const;
};

// A file placed into /box before the program starts. Exactly one of `content` and
// `host_path` is used; the host path is opened by the engine, never by anything in the box.
struct InputFile {
  std::string name;  // A plain file name: no '/', not "." or "..".
  std::string content;
  std::string host_path;
  bool executable = false;
};

// What a socket() call of a family other than AF_UNIX does. There is no network in the box
// either way; kRefuse exists for runtimes that probe for IPv4/IPv6 support at start (the JDK's
// javac does), which must get an error instead of ending the run.
enum class NetworkCalls {
  kViolation,  // The run ends as a security violation naming "socket".
  kRefuse,     // socket() fails with EACCES and the program goes on.
};

struct RunRequest {
  std::vector<std::string> argv;  // argv[0] is searched in PATH inside the box unless it has '/'.
  std::vector<std::string> env;   // Extra "NAME=value" entries on top of the fixed environment.
  std::optional<std::string> stdin_content;
  std::string stdin_path;  // Used when stdin_content is empty; empty means /dev/null.
  std::vector<InputFile> files;
  std::vector<std::string> collect;  // Files of /box to hand back after the run.
  int64_t collect_max_bytes = 64LL << 20;
  RunLimits limits;
  NetworkCalls network_calls = NetworkCalls::kViolation;
  // Nothing runs on this slot after this request (a caller that makes one engine per run): the
  // keeper leaves the used /box and /tmp instead of replacing them before it reports the end,
  // which saves the run two unmounts. A later run on the slot replaces them before it starts.
  bool last_on_slot = false;
  // Cancelling it ends the run at once with RunStatus::kCancelled (or keeps it from starting).
  // Null: the run cannot be cancelled.
  std::shared_ptr<CancelToken> cancel_token;
  // Set: the program starts with a pipe as stdin (stdin_content and stdin_path are ignored) and
  // gets its input when the caller hands it over; limits and figures count from then on (see
  // sandbox/handover.h).
  std::shared_ptr<Handover> handover;
};

enum class RunStatus {
  kOk,
  kRuntimeError,  // Exited with a non-zero code.
  kSignaled,      // Killed by a signal the program raised or caused.
  kCpuTimeLimit,
  kWallTimeLimit,
  kMemoryLimit,
  kOutputLimit,
  kSecurityViolation,  // A blocked system call.
  kInternalError,      // The sandbox failed; not the program's fault.
  kCancelled,          // RunRequest::cancel_token was cancelled; the run was killed or never began.
};

// Stable snake_case name used in JSON ("ok", "runtime_error", "cpu_time_limit", "cancelled", ...).
const char* status_name(RunStatus status);

// "SIGSEGV" for 11; "SIG<n>" for unknown numbers.
std::string signal_name(int signal_number);

struct RunResult {
  RunStatus status = RunStatus::kInternalError;
  int exit_code = 0;      // Meaningful when the program exited.
  int signal = 0;         // Non-zero when the main process was killed by a signal.
  int64_t cpu_ms = 0;     // From the cgroup: every process and thread of the run.
  int64_t wall_ms = 0;    // From just before exec to the main process's exit.
  // Peak memory: what the run added to its cgroup, or the main process's largest resident set
  // (at most the memory limit) when that is more, as for small programs whose pages earlier
  // runs left cached.
  int64_t memory_kb = 0;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::string violation;  // The blocked system call, for kSecurityViolation.
  std::string message;    // Human-readable detail (internal errors, limits hit).
  std::map<std::string, std::string> collected;  // Files named in RunRequest::collect.
  // Files of RunRequest::collect that were not handed back, and why; empty when none was left.
  std::string uncollected;
};

}  // namespace codearena::sandbox
