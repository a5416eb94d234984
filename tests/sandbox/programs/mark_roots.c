// Attacks: the next run's /box and /tmp, through a pair that holds no file. The keeper leaves
// such a pair on top of the next one for its worker thread to unmount while the next run goes
// on. argv[1] names what the run leaves (after removing its own program from /box):
//   plant   - the roots' mode and times changed, and both roots held open in flight, in a cycle
//             of SCM_RIGHTS messages no process holds;
//   tmpfile - the same, and O_TMPFILEs of /tmp holding argv[2] MiB (8 MiB each, within the
//             file size limit) in flight too: files with no name, which statfs must still see;
//   sparse  - the same, and an unlinked sparse file of /tmp with no block in flight too;
//   xattrs  - extended attributes filling the roots (they need no block and no inode, but
//             memory charged to the slot), set with the call argv[2] names: setxattr,
//             lsetxattr, fsetxattr or setxattrat;
//   check   - leaves nothing: exits 1 printing "found DIR" when a root shows a mode or a time
//             an earlier run left, 0 printing "fresh".
// The planting modes print "planted" (with the KiB of attributes) and exit 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "send_fd.h"

static const char* const kRoots[] = {"/box", "/tmp"};

#define MAX_FILES 16

// Files of /tmp with no name, put in `files`: O_TMPFILEs holding `mib` MiB, or with `mib` < 0
// an unlinked sparse file of 1 MiB that holds no block. Returns their count, or -1.
static int nameless_files(long mib, int files[MAX_FILES]) {
  if (mib < 0) {
    files[0] = open("/tmp/sparse", O_RDWR | O_CREAT | O_EXCL, 0600);
    if (files[0] < 0 || ftruncate(files[0], 1 << 20) != 0 || unlink("/tmp/sparse") != 0) return -1;
    return 1;
  }
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  int count = 0;
  for (long written = 0; written < mib; ++count) {
    if (count == MAX_FILES) return -1;
    files[count] = open("/tmp", O_TMPFILE | O_RDWR, 0600);
    if (files[count] < 0) return -1;
    for (int in_file = 0; in_file < 8 && written < mib; ++in_file, ++written) {
      if (write(files[count], block, sizeof block) != (ssize_t)sizeof block) return -1;
    }
  }
  return count;
}

// Leaves the roots marked and held in flight, with the `count` descriptors of `extras` too.
static int plant(const int* extras, int count) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 3;
  for (int i = 0; i < count; ++i) {
    if (send_fd(pair[0], extras[i]) != 0) return 3;
  }
  for (int i = 0; i < 2; ++i) {
    const struct timespec epoch[2] = {{1, 0}, {1, 0}};
    const int root = open(kRoots[i], O_RDONLY | O_DIRECTORY);
    if (root < 0 || fchmod(root, 0700) != 0 || futimens(root, epoch) != 0) return 3;
    if (send_fd(pair[0], root) != 0) return 3;
    close(root);
  }
  // pair[1]'s queue holds the roots and pair[1] itself: once closed, only the cycle holds them.
  if (send_fd(pair[0], pair[1]) != 0) return 3;
  close(pair[0]);
  close(pair[1]);
  printf("planted\n");
  return 0;
}

#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif

// Linux 6.13's setxattrat takes the value in this.
struct xattr_args {
  unsigned long long value;
  unsigned size;
  unsigned flags;
};

static int set_attribute(const char* call, const char* root, const char* name, const char* value,
                         size_t size) {
  if (strcmp(call, "lsetxattr") == 0) return lsetxattr(root, name, value, size, XATTR_CREATE);
  if (strcmp(call, "setxattrat") == 0) {
    const struct xattr_args args = {(unsigned long long)value, (unsigned)size, XATTR_CREATE};
    return (int)syscall(SYS_setxattrat, AT_FDCWD, root, 0, name, &args, sizeof args);
  }
  if (strcmp(call, "fsetxattr") == 0) {
    const int fd = open(root, O_RDONLY | O_DIRECTORY);
    const int set = fsetxattr(fd, name, value, size, XATTR_CREATE);
    close(fd);
    return set;
  }
  return setxattr(root, name, value, size, XATTR_CREATE);
}

static int fill_xattrs(const char* call) {
  static char value[60000];
  memset(value, 'x', sizeof value);
  long bytes = 0;
  for (int i = 0; i < 2; ++i) {
    char name[32];
    for (int n = 0; snprintf(name, sizeof name, "user.ballast%d", n),
             set_attribute(call, kRoots[i], name, value, sizeof value) == 0;
         ++n) {
      bytes += sizeof value;
    }
  }
  printf("planted %ld KiB\n", bytes / 1024);
  return 0;
}

static int check(void) {
  for (int i = 0; i < 2; ++i) {
    struct stat about;
    if (stat(kRoots[i], &about) != 0) return 3;
    if ((about.st_mode & 07777) != 0755 || about.st_mtim.tv_sec == 1) {
      printf("found %s\n", kRoots[i]);
      return 1;
    }
  }
  printf("fresh\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "check") == 0) return check();
  if (unlink(argv[0]) != 0) return 3;
  if (strcmp(argv[1], "plant") == 0) return plant(NULL, 0);
  if (strcmp(argv[1], "sparse") == 0 || (strcmp(argv[1], "tmpfile") == 0 && argc > 2)) {
    int files[MAX_FILES];
    const int count = nameless_files(strcmp(argv[1], "sparse") == 0 ? -1 : atol(argv[2]), files);
    return count < 0 ? 3 : plant(files, count);
  }
  if (strcmp(argv[1], "xattrs") == 0 && argc > 2) return fill_xattrs(argv[2]);
  return 2;
}
