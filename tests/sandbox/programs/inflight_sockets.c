// Attacks: the keeper's work between runs, and the memory of the next run. Leaves nearly as
// many UNIX sockets in flight as the kernel lets one user have (RLIMIT_NOFILE), none held by a
// process, with argv[2] MiB of an unnamed /box file (O_TMPFILE) at the bottom:
//   cycles - the file in the first of many socket pairs, each pair a cycle of its own;
//   nested - a chain: the file in pair 0's queue, pair 0 in pair 1's, and so on, the last pair
//            a cycle, so that each pair is freed only once the one above it is;
//   deepest - a chain one socket per level, nested until the kernel refuses another descriptor
//            in flight (ETOOMANYREFS: a send is refused only once the user's count is past
//            the limit, so the chain is as deep as a run can make it), the top in its own
//            queue: the slowest shape to free, one level per tick of the kernel's clock;
//            with argv[3], that many listeners go to the bottom too, each with its backlog
//            full of connections never accepted (no descriptor, each listed under the
//            listener's 107-byte name): a listing of the namespace's sockets megabytes long.
// The program removes its own file, so /box and /tmp hold nothing by name. Every socket is in
// flight before it is closed, so closing it releases none. Prints "planted N sockets" and
// exits 0.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "send_fd.h"

// Puts each end of `pair` in its own queue: a cycle no process holds once both are closed.
static int close_as_cycle(int pair[2]) {
  if (send_fd(pair[0], pair[1]) != 0 || send_fd(pair[1], pair[0]) != 0) return -1;
  close(pair[0]);
  close(pair[1]);
  return 0;
}

// Receives the descriptor of a one-byte SCM_RIGHTS message queued on `socket`, or -1.
static int receive_fd(int socket) {
  char byte;
  struct iovec io = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {0};
  struct msghdr header = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control};
  if (recvmsg(socket, &header, MSG_DONTWAIT) != 1) return -1;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
  if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return fd;
}

// Nests `bottom` (a socket whose queue holds the file) one socket per level until the kernel
// refuses a send; then gives back a spare descriptor put in flight first, so that the top can go
// in flight in its own queue. Returns the number of sockets of the chain, or -1.
static long nest_deepest(int bottom) {
  int reserve[2];
  const int spare = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (spare < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, reserve) != 0 ||
      send_fd(reserve[0], spare) != 0)
    return -1;
  close(spare);
  int top = bottom;  // Open, not in flight: its queue holds the level below.
  int feeder = -1;   // The other end of top's pair, which sends into top's queue.
  long sockets = 1;
  for (;;) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return -1;
    if (send_fd(pair[0], top) != 0) {
      if (errno != ETOOMANYREFS) return -1;
      close(pair[0]);
      close(pair[1]);
      break;
    }
    close(top);
    if (feeder >= 0) close(feeder);
    top = pair[1];
    feeder = pair[0];
    ++sockets;
  }
  if (feeder < 0) return -1;
  const int returned = receive_fd(reserve[1]);
  if (returned < 0) return -1;
  close(returned);
  close(reserve[0]);
  close(reserve[1]);
  if (send_fd(feeder, top) != 0) return -1;
  close(feeder);
  close(top);
  return sockets;
}

// Makes a listener under a 107-byte abstract name, fills its backlog with connections whose
// clients are closed, and sends it over `socket`. Returns 0, or -1.
static int plant_full_backlog(int socket_to_send_on, long index) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  memset(address.sun_path + 1, 'b', sizeof address.sun_path - 1);
  snprintf(address.sun_path + 1, 21, "%020ld", index);
  address.sun_path[21] = 'b';
  const socklen_t length = (socklen_t)sizeof address;
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, length) != 0 ||
      listen(listener, 1 << 16) != 0)
    return -1;
  for (;;) {
    const int client = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (client < 0) return -1;
    const int connected = connect(client, (struct sockaddr*)&address, length);
    close(client);
    if (connected != 0) break;  // EAGAIN: the backlog is full.
  }
  if (send_fd(socket_to_send_on, listener) != 0) return -1;
  close(listener);
  return 0;
}

// Removes the program's own file (so /box holds nothing by name), writes `mib` MiB to an unnamed
// /box file (O_TMPFILE) and queues it on pair[0] of a new socket pair of `type`. Returns 0, or
// -1.
static int queue_unnamed_file(const char* program, long mib, int type, int pair[2]) {
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  if (unlink(program) != 0) return -1;
  const int file = open("/box", O_TMPFILE | O_RDWR, 0600);
  if (file < 0) return -1;
  for (long i = 0; i < mib; ++i)
    if (write(file, block, sizeof block) != (ssize_t)sizeof block) return -1;
  if (socketpair(AF_UNIX, type, 0, pair) != 0 || send_fd(pair[0], file) != 0) return -1;
  close(file);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "deepest") == 0) {
    int bottom[2];
    if (queue_unnamed_file(argv[0], atol(argv[2]), SOCK_STREAM, bottom) != 0) return 3;
    const long listeners = argc > 3 ? atol(argv[3]) : 0;
    for (long i = 0; i < listeners; ++i)
      if (plant_full_backlog(bottom[0], i) != 0) return 5;
    close(bottom[0]);
    const long sockets = nest_deepest(bottom[1]);
    if (sockets < 0) return 4;
    printf("planted %ld sockets\n", sockets);
    return 0;
  }
  const int nested = strcmp(argv[1], "nested") == 0;
  int below[2];
  if (queue_unnamed_file(argv[0], atol(argv[2]), SOCK_DGRAM, below) != 0) return 3;
  // The kernel refuses to put more descriptors in flight for one user than its open-files
  // limit: every send below counts, and the last two make the top pair a cycle.
  struct rlimit open_files;
  if (getrlimit(RLIMIT_NOFILE, &open_files) != 0) return 3;
  const long pairs = ((long)open_files.rlim_cur - 8) / 2;
  long sockets = 2;
  for (long i = 0; i < pairs; ++i) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 4;
    if (nested) {
      // The pair below goes into this one's queue; this one is the next below.
      if (send_fd(pair[0], below[0]) != 0 || send_fd(pair[0], below[1]) != 0) return 4;
      close(below[0]);
      close(below[1]);
      below[0] = pair[0];
      below[1] = pair[1];
    } else if (close_as_cycle(pair) != 0) {
      return 4;
    }
    sockets += 2;
  }
  if (close_as_cycle(below) != 0) return 4;
  printf("planted %ld sockets\n", sockets);
  return 0;
}
