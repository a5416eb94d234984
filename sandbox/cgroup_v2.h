// cgroup v2 (unified hierarchy) backend, as on most current Kubernetes nodes.
#pragma once

#include <memory>
#include <string>

#include "sandbox/cgroup.h"

namespace codearena::sandbox {

// `parent` is a directory of the unified hierarchy holding no processes; the backend enables
// the memory, pids and cpu controllers for its children and creates slots below it.
std::unique_ptr<CgroupBackend> make_cgroup_v2(const std::string& parent);

}  // namespace codearena::sandbox
