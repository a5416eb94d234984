#include "app/result_json.h"

namespace codearena::app {

nlohmann::json to_json(const sandbox::RunResult& result) {
  nlohmann::json json = {
      {"status", sandbox::status_name(result.status)},
      // No exit status when a signal ended the program: 0 would read as success.
      {"exitCode", result.signal == 0 ? nlohmann::json(result.exit_code) : nlohmann::json()},
      {"signal",
       result.signal != 0 ? nlohmann::json(sandbox::signal_name(result.signal)) : nlohmann::json()},
      {"cpuMs", result.cpu_ms},
      {"wallMs", result.wall_ms},
      {"memoryKb", result.memory_kb},
      {"stdout", result.stdout_data},
      {"stderr", result.stderr_data},
      {"stdoutTruncated", result.stdout_truncated},
      {"stderrTruncated", result.stderr_truncated},
      {"violation", result.violation.empty() ? nlohmann::json() : nlohmann::json(result.violation)},
      {"message", result.message},
  };
  return json;
}

}  // namespace codearena::app
