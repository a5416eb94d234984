// Error type of the sandbox library.
//
// Setup problems (missing cgroup controller, helper binary not found, a mount that fails) are
// thrown as SandboxError with the failing operation and path in the message. A run never
// throws for anything the program does: that comes back in RunResult.
#pragma once

#include <stdexcept>
#include <string>

namespace codearena::sandbox {

class SandboxError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws SandboxError("<what>: <strerror(errno_value)>").
[[noreturn]] void throw_errno(const std::string& what, int errno_value);

}  // namespace codearena::sandbox
