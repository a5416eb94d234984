// The seccomp filters compiled when the project was built (codearena-seccomp-compile writes
// them from build_seccomp_filter), so that starting an engine costs no libseccomp compile: about
// 2.5 ms of CPU for each of the two, a large part of a `codearena run` call.
#pragma once

#include <string>

namespace codearena::sandbox {

// What build_seccomp_filter(refuse_sockets) returned at build time. Thread-safe; never throws.
const std::string& precompiled_seccomp_filter(bool refuse_sockets);

}  // namespace codearena::sandbox
