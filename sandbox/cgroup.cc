#include "sandbox/cgroup.h"

#include <algorithm>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "sandbox/cgroup_v1.h"
#include "sandbox/cgroup_v2.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox {
namespace {

struct CgroupMount {
  std::string mount_point;
  std::string root;           // The part of the hierarchy this mount shows.
  std::string fs_type;        // "cgroup" or "cgroup2".
  std::string super_options;  // For v1: the controllers, comma-separated.
};

std::vector<CgroupMount> cgroup_mounts(const std::string& mountinfo) {
  std::vector<CgroupMount> mounts;
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, root, mount_point, field;
    fields >> id >> parent >> device >> root >> mount_point;
    while (fields >> field && field != "-") {
    }
    CgroupMount mount{mount_point, root, "", ""};
    std::string source;
    fields >> mount.fs_type >> source >> mount.super_options;
    if (mount.fs_type == "cgroup" || mount.fs_type == "cgroup2") mounts.push_back(mount);
  }
  return mounts;
}

// Maps "memory" -> "/path" (v1) and "" -> "/path" (v2) from /proc/self/cgroup.
std::map<std::string, std::string> own_cgroup_paths(const std::string& self_cgroup) {
  std::map<std::string, std::string> paths;
  std::istringstream lines(self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::istringstream controllers(line.substr(first + 1, second - first - 1));
    const auto path = line.substr(second + 1);
    if (controllers.str().empty()) paths[""] = path;
    for (std::string name; std::getline(controllers, name, ',');) paths[name] = path;
  }
  return paths;
}

bool has_option(const std::string& options, const std::string& name) {
  return ("," + options + ",").find("," + name + ",") != std::string::npos;
}

std::string join_hierarchy_path(const CgroupMount& mount, std::string path) {
  if (mount.root != "/" && path.rfind(mount.root, 0) == 0) path = path.substr(mount.root.size());
  if (path == "/") path.clear();
  return mount.mount_point + path;
}

// cgroup v2 lets a cgroup hand controllers to its children only while it holds no processes:
// move this process into a leaf first when the own cgroup is not the root.
void delegate_controllers(const std::string& own_dir) {
  const auto control = own_dir + "/cgroup.subtree_control";
  const std::string wanted = "+memory +pids +cpu";
  if (try_write_text_file(control, wanted)) return;  // Always so for the root cgroup.
  const auto leaf = own_dir + "/supervisor";
  make_dirs(leaf);
  write_text_file(leaf + "/cgroup.procs", std::to_string(::getpid()));
  if (!try_write_text_file(control, wanted)) {
    throw SandboxError("cgroup v2: cannot enable memory, pids and cpu controllers in " + own_dir +
                       " (other processes live there?); start codearena in a cgroup of its own "
                       "or pass a delegated cgroup as the cgroup parent");
  }
}

}  // namespace

std::string slot_cgroup_name(int index) {
  return std::to_string(::getpid()) + "-" + std::to_string(index);
}

std::string kept_slot_cgroup_name(int number) {
  return "kept-" + std::to_string(number);
}

void remove_stale_slot_cgroups(CgroupBackend& backend) {
  for (const auto& name : backend.slot_names()) {
    const auto dash = name.find('-');
    if (dash == std::string::npos) continue;
    const auto pid = static_cast<pid_t>(std::atol(name.substr(0, dash).c_str()));
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) backend.remove_slot(name);
  }
}

CgroupLocation choose_cgroup_location(const CgroupSystemView& view, const std::string& subgroup,
                                      const std::string& parent_override) {
  const auto mounts = cgroup_mounts(view.mountinfo);
  const auto own = own_cgroup_paths(view.self_cgroup);
  CgroupLocation location;
  for (const auto& mount : mounts) {
    if (mount.fs_type != "cgroup2" || own.count("") == 0) continue;
    const auto controllers = view.read_controllers(mount.mount_point);
    if (controllers.find("memory") == std::string::npos ||
        controllers.find("pids") == std::string::npos ||
        controllers.find("cpu") == std::string::npos) {
      continue;
    }
    if (!parent_override.empty()) {
      location.v2_parent = mount.mount_point + parent_override;
    } else {
      const auto own_dir = join_hierarchy_path(mount, own.at(""));
      location.v2_delegate_from = own_dir;
      location.v2_parent = own_dir + "/" + subgroup;
    }
    return location;
  }
  for (const auto& mount : mounts) {
    if (mount.fs_type != "cgroup") continue;
    for (const char* controller : {"memory", "pids", "cpu", "cpuacct"}) {
      if (!has_option(mount.super_options, controller)) continue;
      const auto own_path = own.count(controller) ? own.at(controller) : "/";
      location.v1_parents[controller] = parent_override.empty()
                                            ? join_hierarchy_path(mount, own_path) + "/" + subgroup
                                            : mount.mount_point + parent_override;
    }
  }
  if (location.v1_parents.empty()) {
    throw SandboxError(
        "no usable cgroup hierarchy: need cgroup v2 with memory, pids and cpu, "
        "or cgroup v1 with memory, pids, cpu and cpuacct mounted");
  }
  return location;
}

CgroupLocation detect_cgroups(const std::string& subgroup, const std::string& parent_override) {
  CgroupSystemView view{read_text_file("/proc/self/mountinfo"), read_text_file("/proc/self/cgroup"),
                        [](const std::string& mount_point) {
                          return read_text_file(mount_point + "/cgroup.controllers");
                        }};
  auto location = choose_cgroup_location(view, subgroup, parent_override);
  if (!location.v2_delegate_from.empty()) delegate_controllers(location.v2_delegate_from);
  return location;
}

std::unique_ptr<CgroupBackend> make_cgroup_backend(const CgroupLocation& location) {
  if (!location.v2_parent.empty()) return make_cgroup_v2(location.v2_parent);
  return make_cgroup_v1(location.v1_parents);
}

int64_t leftover_memory_bound(int64_t memory_limit_bytes) {
  return std::max<int64_t>(16LL << 20, memory_limit_bytes / 4);
}

}  // namespace codearena::sandbox
