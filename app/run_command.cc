#include "app/run_command.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "app/result_json.h"
#include "common/json_text.h"
#include "common/setting_text.h"
#include "sandbox/errors.h"
#include "sandbox/sandbox.h"
#include "sandbox/units.h"

namespace codearena::app {
using sandbox::parse_duration_ms;
using sandbox::parse_size;
namespace {

using sandbox::RunLimits;
using sandbox::RunRequest;

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Defaults from the product's environment variables (TIME_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT).
RunLimits limits_from_environment() {
  RunLimits limits;
  const auto apply = [](const char* name, int64_t& field, int64_t (*parse)(const std::string&)) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return;
    try {
      field = parse(value);
    } catch (const std::invalid_argument& error) {
      throw UsageError(std::string("environment variable ") + name + ": " + error.what());
    }
  };
  apply("TIME_LIMIT", limits.cpu_ms, parse_duration_ms);
  apply("MEMORY_LIMIT", limits.memory_bytes, parse_size);
  apply("OUTPUT_LIMIT", limits.output_bytes, parse_size);
  return limits;
}

sandbox::InputFile input_file(const std::string& spec) {
  const auto equals = spec.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size()) {
    throw UsageError("--file wants NAME=PATH, got '" + spec + "'");
  }
  sandbox::InputFile file;
  file.name = spec.substr(0, equals);
  file.host_path = spec.substr(equals + 1);
  struct stat st;
  if (::stat(file.host_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw UsageError("--file " + file.name + ": '" + file.host_path + "' is not a readable file");
  }
  file.executable = (st.st_mode & 0111) != 0;
  return file;
}

struct ParsedRun {
  RunRequest request;
  std::vector<sandbox::ReadOnlyBind> read_only;  // Shown in the box besides the defaults.
  int repeat = 1;
};

// A Unix socket or FIFO under `dir` as the box would show it (the bind is not recursive:
// directories of other file systems are mount points, empty in the box), or "" if there is none.
std::string first_host_channel_under(const std::string& dir, dev_t device) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error);
  for (const fs::recursive_directory_iterator end{}; !error && it != end; it.increment(error)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode)) return it->path();
    if (S_ISDIR(st.st_mode) && st.st_dev != device) it.disable_recursion_pending();
  }
  if (error) throw UsageError("--read-only cannot search " + dir + ": " + error.message());
  return "";
}

// The directory by its resolved path: what the box shows is what the engine's checks of bind
// paths (no /proc, /sys, /, ...) see, however the caller spelled it. A read-only mount stops
// neither connect() on a Unix socket nor writing to a FIFO: either would reach a host process.
sandbox::ReadOnlyBind read_only_dir(const std::string& path) {
  struct stat st;
  char resolved[PATH_MAX];
  if (path.empty() || path[0] != '/' || ::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
      ::realpath(path.c_str(), resolved) == nullptr) {
    throw UsageError("--read-only wants an absolute path of a directory, got '" + path + "'");
  }
  try {
    sandbox::check_read_only_bind(resolved);
  } catch (const sandbox::SandboxError& error) {
    throw UsageError("--read-only " + path + ": " + error.what());
  }
  const auto channel = first_host_channel_under(resolved, st.st_dev);
  if (!channel.empty()) {
    throw UsageError("--read-only " + path + " holds " + channel +
                     ", a Unix socket or FIFO, which a program could use through a read-only "
                     "mount to reach a host process");
  }
  return {resolved, false};
}

ParsedRun parse(const std::vector<std::string>& args) {
  ParsedRun parsed;
  RunRequest& request = parsed.request;
  request.limits = limits_from_environment();
  auto& limits = request.limits;
  size_t i = 0;
  const auto value = [&](const std::string& flag) -> std::string {
    if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
    return args[++i];
  };
  const auto number = [&](const std::string& flag) {
    return common::parse_whole_number(value(flag), 1);
  };
  try {
    for (; i < args.size(); ++i) {
      const auto& flag = args[i];
      if (flag == "--") {
        request.argv.assign(args.begin() + static_cast<long>(i) + 1, args.end());
        break;
      }
      if (flag == "--time")
        limits.cpu_ms = parse_duration_ms(value(flag));
      else if (flag == "--wall-time")
        limits.wall_ms = parse_duration_ms(value(flag));
      else if (flag == "--memory")
        limits.memory_bytes = parse_size(value(flag));
      else if (flag == "--output")
        limits.output_bytes = parse_size(value(flag));
      else if (flag == "--file-size")
        limits.file_size_bytes = parse_size(value(flag));
      else if (flag == "--stack")
        limits.stack_bytes = parse_size(value(flag));
      else if (flag == "--box-size")
        limits.box_bytes = parse_size(value(flag));
      else if (flag == "--tmp-size")
        limits.tmp_bytes = parse_size(value(flag));
      else if (flag == "--pids")
        limits.pids = number(flag);
      else if (flag == "--open-files")
        limits.open_files = number(flag);
      else if (flag == "--cpus")
        limits.cpu_cores = common::parse_positive_number(value(flag));
      else if (flag == "--stdin")
        request.stdin_path = value(flag);
      else if (flag == "--file")
        request.files.push_back(input_file(value(flag)));
      else if (flag == "--read-only")
        parsed.read_only.push_back(read_only_dir(value(flag)));
      else if (flag == "--env")
        request.env.push_back(value(flag));
      else if (flag == "--repeat")
        parsed.repeat = static_cast<int>(number(flag));
      else
        throw UsageError("unknown option '" + flag + "'");
    }
  } catch (const UsageError&) {
    throw;
  } catch (const std::invalid_argument& error) {
    throw UsageError(args[i > 0 ? i - 1 : 0] + ": " + error.what());
  }
  if (request.argv.empty()) throw UsageError("no command: put it after --");
  if (const auto problem = limits.problem(); !problem.empty())
    throw UsageError("invalid limits: " + problem);
  for (const auto& entry : request.env) {
    if (entry.find('=') == std::string::npos || entry[0] == '=') {
      throw UsageError("--env wants NAME=VALUE, got '" + entry + "'");
    }
  }
  return parsed;
}

}  // namespace

const char* run_usage() {
  return R"(usage: codearena run [options] -- PROGRAM [ARGS...]

Runs PROGRAM in the sandbox (working directory /box, no network, fixed environment) and
prints the result as one JSON object:
  {"status","exitCode","signal","cpuMs","wallMs","memoryKb","stdout","stderr",
   "stdoutTruncated","stderrTruncated","violation","message"}
status is one of: ok, runtime_error, killed_by_signal, cpu_time_limit, wall_time_limit,
memory_limit, output_limit, security_violation, internal_error (cancelled exists only for
library callers that cancel a run).

Limits (defaults from TIME_LIMIT, MEMORY_LIMIT, OUTPUT_LIMIT, else as shown):
  --time DURATION       CPU time of all processes and threads (10s; "500ms", "2s")
  --wall-time DURATION  wall-clock time (3 x CPU limit + 2s)
  --memory SIZE         memory, swap off (128m; "64k", "1g")
  --output SIZE         captured stdout, and separately stderr (64k)
  --pids N              processes plus threads (64)
  --cpus CORES          CPU bandwidth in cores (1)
  --file-size SIZE      largest file the program may write (16m)
  --open-files N        open file descriptors (256)
  --stack SIZE          stack size (64m)
  --box-size SIZE       size of /box (64m)       --tmp-size SIZE   size of /tmp (64m)
Input:
  --stdin FILE          standard input (default: empty)
  --file NAME=PATH      copy host file PATH into /box/NAME (keeps its executable bit); repeatable
  --read-only DIR       show host directory DIR read-only at the same path (a compiled program's
                        directory: cheaper than copying it with --file); repeatable; not /,
                        /proc, /sys, /dev, /box, /tmp or one holding a Unix socket or FIFO
  --env NAME=VALUE      add to the environment (PATH, HOME=/box, LANG=C.UTF-8, TMPDIR=/tmp)
  --repeat N            run N times on the same slot, printing one JSON line each

A call keeps its network namespace and slot cgroup for the next call, and, when it ended clean,
leaves its box keeper (codearena-box) parked for up to 60 s for the next call with the same
--read-only directories and caller state to adopt; see docs/sandbox.md.
)";
}

int run_command(const std::vector<std::string>& args) {
  ParsedRun parsed;
  try {
    parsed = parse(args);
  } catch (const UsageError& error) {
    std::cerr << "codearena run: " << error.what() << "\n\n" << run_usage();
    return 2;
  }
  try {
    // One engine per call: the kernel facilities are checked only if the run fails, the keeper
    // builds its box while the slot's cgroup is made, and its exit is not waited for since this
    // process ends next.
    sandbox::SandboxConfig config;
    config.check_at_start = false;
    config.wait_for_keepers = false;
    config.keepers_at_start = true;
    config.kept_network_dir = "/run/codearena/net";
    config.binds = sandbox::default_read_only_binds();
    config.binds.insert(config.binds.end(), parsed.read_only.begin(), parsed.read_only.end());
    sandbox::Sandbox engine(config);
    for (int i = 0; i < parsed.repeat; ++i) {
      parsed.request.last_on_slot = i + 1 == parsed.repeat;
      std::cout << common::lossy_json_text(to_json(engine.run(parsed.request))) << std::endl;
    }
    return 0;
  } catch (const sandbox::SandboxError& error) {
    std::cerr << "codearena run: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace codearena::app
