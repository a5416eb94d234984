/* codearena-bench-spawner: the lean baseline of `codearena-bench sandbox`. A small process that
 * runs its command (argv[1..]) once per request and times each run itself, so the bare figure
 * is what starting the program costs a small caller (as hyperfine or a shell sees it), not what
 * forking the large bench process costs.
 *
 * Protocol, on its stdin and stdout: each byte read asks for one run; the answer is a
 * struct spawner_result followed by the captured stdout and stderr (at most 64 KiB each). The
 * program gets /dev/null as stdin and two pipes as stdout and stderr, read with poll() until
 * both close, as the sandbox engine reads a sandboxed program's output; the time runs from
 * just before posix_spawn (a vfork and exec in glibc) to the end of waitpid. Exits 0 at end of
 * input, 1 on a failed system call. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench/spawner_protocol.h"

extern char** environ;

enum { kCapture = 65536 };

struct capture {
  int fd;
  char data[kCapture];
  uint32_t size;
};

static int64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int fail(const char* what) {
  fprintf(stderr, "codearena-bench-spawner: %s: %s\n", what, strerror(errno));
  return 1;
}

static int write_all(const void* data, size_t size) {
  const char* bytes = data;
  while (size > 0) {
    const ssize_t n = write(STDOUT_FILENO, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    bytes += n;
    size -= (size_t)n;
  }
  return 0;
}

/* Reads both pipes until each is closed; keeps the first kCapture bytes of each. */
static int drain(struct capture* streams) {
  struct pollfd watched[2] = {{streams[0].fd, POLLIN, 0}, {streams[1].fd, POLLIN, 0}};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    for (int i = 0; i < 2; ++i) {
      if (watched[i].fd < 0 || watched[i].revents == 0) continue;
      const ssize_t n = read(watched[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        const uint32_t room = kCapture - streams[i].size;
        const uint32_t kept = (uint32_t)n < room ? (uint32_t)n : room;
        memcpy(streams[i].data + streams[i].size, buffer, kept);
        streams[i].size += kept;
        continue;
      }
      close(watched[i].fd);
      watched[i].fd = -1; /* poll() ignores negative descriptors. */
      --open_count;
    }
  }
  return 0;
}

static struct capture streams[2];

static int run_once(char** argv, int dev_null) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return fail("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, dev_null, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  struct spawner_result result = {0};
  const int64_t start = monotonic_ns();
  pid_t pid;
  const int error = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (error != 0) {
    errno = error;
    return fail("posix_spawn");
  }
  streams[0] = (struct capture){.fd = out[0]};
  streams[1] = (struct capture){.fd = err[0]};
  if (drain(streams) != 0) return fail("poll");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail("waitpid");
  }
  result.elapsed_ns = monotonic_ns() - start;
  result.wait_status = status;
  result.out_size = streams[0].size;
  result.err_size = streams[1].size;
  if (write_all(&result, sizeof result) != 0 || write_all(streams[0].data, streams[0].size) != 0 ||
      write_all(streams[1].data, streams[1].size) != 0) {
    return fail("write the result");
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] != '/') {
    fprintf(stderr, "usage: codearena-bench-spawner /PATH/TO/PROGRAM [ARGS...]\n");
    return 2;
  }
  const int dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (dev_null < 0) return fail("open /dev/null");
  char request;
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, &request, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0 ? 0 : fail("read a request");
    if (run_once(argv + 1, dev_null) != 0) return 1;
  }
}
