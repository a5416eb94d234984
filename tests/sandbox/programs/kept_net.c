// Attacks: a network namespace kept from one call of `codearena run` to the next
// (docs/sandbox.md "Network"). argv[1] selects what to leave in it or look for:
//   look       - prints "found NAME" for each abstract name below bound in the namespace, or
//                "nothing", then the namespace ("net:[...]");
//   dgram      - binds a datagram socket, queues a datagram on it and keeps it in flight in a
//                cycle of SCM_RIGHTS messages that no process holds; prints "planted";
//   daemon     - a grandchild in its own session binds and listens and lives on; the program
//                prints "planted" once it is bound and exits at once;
//   hold       - binds and listens, prints "bound" and waits until it is killed;
//   netns-state - tries to change what a namespace keeps without a socket: its per-namespace
//                sysctls, and a netlink socket (the program is stopped if that is a violation);
//                prints one line for each attempt that worked, then "done".
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "send_fd.h"

static const char* const kNames[] = {"kept-net-dgram", "kept-net-daemon", "kept-net-held"};

static socklen_t address_of(const char* name, struct sockaddr_un* address) {
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  memcpy(address->sun_path + 1, name, strlen(name));
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

// A name is bound when a connect to it fails for any reason but nobody being there. The kernel
// looks abstract names up by socket type too, so each type is tried.
static int bound(const char* name) {
  struct sockaddr_un address;
  const socklen_t size = address_of(name, &address);
  int found = 0;
  for (int type = SOCK_STREAM; type <= SOCK_DGRAM && !found; ++type) {
    const int probe = socket(AF_UNIX, type, 0);
    if (probe < 0) continue;
    found = connect(probe, (struct sockaddr*)&address, size) == 0 || errno != ECONNREFUSED;
    close(probe);
  }
  return found;
}

static int look(void) {
  int found = 0;
  for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {
    if (bound(kNames[i])) {
      printf("found %s\n", kNames[i]);
      found = 1;
    }
  }
  if (!found) printf("nothing\n");
  char network[64] = {0};
  if (readlink("/proc/self/ns/net", network, sizeof network - 1) < 0) return 1;
  printf("%s\n", network);
  return 0;
}

static int bind_to(const char* name, int type) {
  struct sockaddr_un address;
  const socklen_t size = address_of(name, &address);
  const int fd = socket(AF_UNIX, type, 0);
  if (fd < 0 || bind(fd, (struct sockaddr*)&address, size) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 4) != 0) return -1;
  return fd;
}

static int plant_dgram(void) {
  const int kept = bind_to("kept-net-dgram", SOCK_DGRAM);
  struct sockaddr_un address;
  const socklen_t size = address_of("kept-net-dgram", &address);
  int pair[2];
  if (kept < 0 || sendto(kept, "from an earlier call", 20, 0, (struct sockaddr*)&address, size) != 20 ||
      socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) {
    return 1;
  }
  // pair[1]'s queue holds the bound socket and pair[1] itself: once closed, only the cycle does.
  if (send_fd(pair[0], kept) != 0 || send_fd(pair[0], pair[1]) != 0) return 1;
  close(kept);
  close(pair[0]);
  close(pair[1]);
  printf("planted\n");
  return 0;
}

static int plant_daemon(void) {
  int ready[2];
  if (pipe(ready) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    if (setsid() < 0) _exit(1);
    signal(SIGHUP, SIG_IGN);
    if (fork() != 0) _exit(0);
    const int listener = bind_to("kept-net-daemon", SOCK_STREAM);
    if (listener < 0) _exit(1);
    if (write(ready[1], "b", 1) != 1) _exit(1);
    for (;;) pause();
  }
  close(ready[1]);
  char byte;
  if (read(ready[0], &byte, 1) != 1) return 1;
  printf("planted\n");
  return 0;
}

static int hold(void) {
  if (bind_to("kept-net-held", SOCK_STREAM) < 0) return 1;
  printf("bound\n");
  fflush(stdout);
  for (;;) pause();
}

static void try_write(const char* path, const char* value) {
  const int fd = open(path, O_WRONLY);
  if (fd >= 0 && write(fd, value, strlen(value)) == (ssize_t)strlen(value))
    printf("wrote %s\n", path);
  if (fd >= 0) close(fd);
}

static int change_namespace_state(void) {
  try_write("/proc/sys/net/unix/max_dgram_qlen", "3\n");
  try_write("/proc/sys/net/core/somaxconn", "7\n");
  try_write("/proc/sys/net/ipv4/ping_group_range", "0 2147483647\n");
  try_write("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0\n");
  fflush(stdout);
  const int netlink = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  if (netlink >= 0) printf("netlink socket\n");
  printf("done\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "look") == 0) return look();
  if (strcmp(argv[1], "dgram") == 0) return plant_dgram();
  if (strcmp(argv[1], "daemon") == 0) return plant_daemon();
  if (strcmp(argv[1], "hold") == 0) return hold();
  if (strcmp(argv[1], "netns-state") == 0) return change_namespace_state();
  return 2;
}
