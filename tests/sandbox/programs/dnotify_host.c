// Attacks: dnotify (fcntl F_NOTIFY), the older twin of inotify, on the read-only /usr/bin that
// every slot and the host share. Arms a watch for accesses, opens and changes, names itself
// "dnotify-armed" so the host knows the watch is in place, then waits for the watch's signal,
// which only activity outside the run can raise.
// Exits 1 printing "saw" when an event arrived, 0 at once when the watch is refused.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGRTMIN);
  sigprocmask(SIG_BLOCK, &watched, NULL);
  const int dir = open("/usr/bin", O_RDONLY | O_DIRECTORY);
  if (dir < 0 || fcntl(dir, F_SETSIG, SIGRTMIN) != 0 ||
      fcntl(dir, F_NOTIFY, DN_ACCESS | DN_MODIFY | DN_CREATE | DN_ATTRIB | DN_MULTISHOT) != 0) {
    printf("watch refused: %s\n", strerror(errno));
    return 0;
  }
  prctl(PR_SET_NAME, "dnotify-armed");
  siginfo_t info;
  if (sigwaitinfo(&watched, &info) < 0) return 0;
  printf("saw an event on /usr/bin (band %ld)\n", (long)info.si_band);
  return 1;
}
