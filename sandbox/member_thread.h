// The box keeper's thread that starts a slot's runs from inside the slot's cgroup.
//
// On cgroup v1 a thread can sit in other cgroups than its process. The keeper moves one thread
// into the slot's cgroups once, and that thread clones every run's first process, which is then
// born in the slot's cgroups: no run pays for moves into four hierarchies (each a write to
// cgroup.procs that takes the kernel's cgroup-wide lock for writing). A child inherits its
// namespaces from the thread that clones it, so this thread must join the namespaces renewed
// between runs. Without cgroup files (cgroup v2, where a run's first process moves itself)
// tasks run on the calling thread. Used by the keeper's main thread only.
#pragma once

#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "sandbox/fs_util.h"

namespace codearena::sandbox {

class MemberThread {
 public:
  // With `tasks_files` (the slot's v1 `tasks` files, opened for writing), starts a thread that
  // writes "0" to each, moving itself into the slot's cgroups, with every signal blocked.
  // Throws SandboxError naming the step when the thread cannot join.
  explicit MemberThread(std::vector<UniqueFd> tasks_files);
  // Stops and joins the thread.
  ~MemberThread();
  MemberThread(const MemberThread&) = delete;
  MemberThread& operator=(const MemberThread&) = delete;

  // Runs `task` on the member thread (or here, without one) and returns once it has finished;
  // an exception it throws is rethrown here.
  void call(const std::function<void()>& task);
  // True when tasks run on a thread of their own.
  bool separate() const { return thread_.joinable(); }

 private:
  void serve(std::vector<UniqueFd> tasks_files);

  // The task and its outcome pass through memory: the socket's one-byte messages order them.
  const std::function<void()>* task_ = nullptr;
  std::exception_ptr error_;
  UniqueFd caller_end_;
  UniqueFd member_end_;
  std::thread thread_;
};

}  // namespace codearena::sandbox
