// cgroup v1 backend: one hierarchy per controller (memory, pids, cpu, cpuacct).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "sandbox/cgroup.h"

namespace codearena::sandbox {

// `parents` maps each controller to the directory under which slots are created; co-mounted
// controllers (cpu,cpuacct) may name the same directory.
std::unique_ptr<CgroupBackend> make_cgroup_v1(const std::map<std::string, std::string>& parents);

}  // namespace codearena::sandbox
