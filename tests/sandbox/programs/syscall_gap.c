// Attacks: system calls a denylist filter does not know. argv[1]:
//   open_tree_attr - open_tree_attr(2) (Linux 6.15), the twin of the blocked open_tree;
//   memfd_secret   - memory removed from the kernel's direct map;
//   listmount      - mount ids of the namespace (Linux 6.8).
// Exits 1 printing "succeeded" when the call did its work, 0 printing "refused".
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NR_MEMFD_SECRET 447
#define NR_LISTMOUNT 458
#define NR_OPEN_TREE_ATTR 467

struct mnt_id_req {
  uint32_t size;
  uint32_t spare;
  uint64_t mnt_id;
  uint64_t param;
  uint64_t mnt_ns_id;
};

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  long result = -1;
  if (strcmp(argv[1], "open_tree_attr") == 0) {
    result = syscall(NR_OPEN_TREE_ATTR, AT_FDCWD, "/", 0, NULL, 0);
  } else if (strcmp(argv[1], "memfd_secret") == 0) {
    result = syscall(NR_MEMFD_SECRET, 0);
  } else if (strcmp(argv[1], "listmount") == 0) {
    struct mnt_id_req request = {.size = 24, .mnt_id = 0xffffffffffffffffULL};
    uint64_t ids[64];
    result = syscall(NR_LISTMOUNT, &request, ids, 64, 0);
  } else {
    return 2;
  }
  printf("%s %s (%s)\n", argv[1], result >= 0 ? "succeeded" : "refused",
         result >= 0 ? "" : strerror(errno));
  return result >= 0;
}
