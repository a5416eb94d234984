// Attacks: the slot's network namespace, which lives as long as the slot. Looks for the
// abstract socket "@codearena-carry"; when it is not there, binds and listens on it and keeps
// the listening socket in flight in a cycle of SCM_RIGHTS messages that no process holds, so
// that only the kernel's garbage collector could ever free it.
// Exits 1 printing "found" when the socket of an earlier run answered, 0 after planting it.
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "send_fd.h"

static const char kName[] = "codearena-carry";

static socklen_t address_of(struct sockaddr_un* address) {
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  memcpy(address->sun_path + 1, kName, sizeof kName - 1);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + sizeof kName - 1);
}

int main(void) {
  struct sockaddr_un address;
  const socklen_t size = address_of(&address);
  const int probe = socket(AF_UNIX, SOCK_STREAM, 0);
  if (probe >= 0 && connect(probe, (struct sockaddr*)&address, size) == 0) {
    printf("found\n");
    return 1;
  }
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, size) != 0 ||
      listen(listener, 4) != 0) {
    printf("cannot plant\n");
    return 0;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 0;
  // pair[1]'s queue holds the listener and pair[1] itself: once closed, only the cycle holds them.
  if (send_fd(pair[0], listener) != 0 || send_fd(pair[0], pair[1]) != 0) return 0;
  close(listener);
  close(pair[0]);
  close(pair[1]);
  printf("planted\n");
  return 0;
}
