// Calls what could leave the box; stdin names the call: unshare, mount, ptrace or keyctl.
// Prints the result if the call returns at all.
#include <sched.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <string>

int main() {
  std::string call;
  std::cin >> call;
  long result = -2;
  if (call == "unshare") result = unshare(CLONE_NEWNS | CLONE_NEWUSER);
  if (call == "mount") result = mount("none", "/box", "tmpfs", 0, nullptr);
  if (call == "ptrace") result = ptrace(PTRACE_ATTACH, 1, nullptr, nullptr);
  if (call == "keyctl") result = syscall(SYS_keyctl, 0, -3, 0);
  std::printf("%s %ld %d\n", call.c_str(), result, errno);
}
