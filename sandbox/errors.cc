#include "sandbox/errors.h"

#include <cstring>

namespace codearena::sandbox {

void throw_errno(const std::string& what, int errno_value) {
  throw SandboxError(what + ": " + std::strerror(errno_value));
}

}  // namespace codearena::sandbox
