// Attacks: inotify on the read-only files every slot and the host share. Watches /usr/bin for
// opens and reads, then waits for an event, which can only come from outside the run.
// Exits 1 printing the file when an event arrived, 0 at once when the watch is refused.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(void) {
  const int watcher = inotify_init1(0);
  if (watcher < 0 || inotify_add_watch(watcher, "/usr/bin", IN_OPEN | IN_ACCESS) < 0) {
    printf("watch refused: %s\n", strerror(errno));
    return 0;
  }
  char buffer[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  if (read(watcher, buffer, sizeof buffer) <= 0) return 0;
  const struct inotify_event* event = (const struct inotify_event*)buffer;
  printf("saw /usr/bin/%s\n", event->len > 0 ? event->name : "");
  return 1;
}
