#include "sandbox/credentials.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/seccomp_policy.h"

namespace codearena::sandbox {

int drop_bounding_set(int last_capability) {
  for (int cap = 0; cap <= last_capability; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return errno;
  }
  return 0;
}

// The system calls themselves, not glibc's wrappers: those apply the change to every thread
// glibc knows of, and a CLONE_VM child of the keeper shares the keeper's memory, so glibc's view
// of threads there is the keeper's, not the child's. Each carries kSetupCallMarker, which the
// filter the child may already run under asks of them (seccomp_policy.h).
int drop_privileges(uint32_t uid, uint32_t gid, const char** step) {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    *step = "clear ambient capabilities";
    return errno;
  }
  if (::syscall(SYS_setgroups, 0, nullptr, kSetupCallMarker) != 0) {
    *step = "setgroups";
    return errno;
  }
  if (::syscall(SYS_setresgid, gid, gid, gid, kSetupCallMarker) != 0) {
    *step = "setresgid";
    return errno;
  }
  if (::syscall(SYS_setresuid, uid, uid, uid, kSetupCallMarker) != 0) {
    *step = "setresuid";
    return errno;
  }
  // setuid to a non-root uid clears effective and permitted, but not inheritable.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capset, &header, data, kSetupCallMarker) != 0) {
    *step = "capset";
    return errno;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *step = "no_new_privs";
    return errno;
  }
  return 0;
}

}  // namespace codearena::sandbox
