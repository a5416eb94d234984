// JSON form of a sandbox run result (camelCase fields), shared by the CLI and the API.
#pragma once

#include <nlohmann/json.hpp>

#include "sandbox/run_spec.h"

namespace codearena::app {

// {"status","exitCode","signal","cpuMs","wallMs","memoryKb","stdout","stderr",
//  "stdoutTruncated","stderrTruncated","violation","message"}; "signal" and "violation" are
// null when not applicable. Output bytes that are not UTF-8 are replaced when serialized.
nlohmann::json to_json(const sandbox::RunResult& result);

}  // namespace codearena::app
