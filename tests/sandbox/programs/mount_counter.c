// Attacks: what the mount ids of /box tell of the machine. Since Linux 6.8 statx gives each
// mount's unique id, drawn from one counter for the whole host: its growth from run to run
// counts the mounts made anywhere on the machine meanwhile (other slots' runs, the host's own).
// Exits 1 printing "counter N" (the unique id of /box) when it is shown, 0 printing "hidden".
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

int main(void) {
  struct statx about;
  if (statx(AT_FDCWD, "/box", 0, STATX_MNT_ID_UNIQUE, &about) != 0 ||
      (about.stx_mask & STATX_MNT_ID_UNIQUE) == 0) {
    printf("hidden\n");
    return 0;
  }
  printf("counter %llu\n", (unsigned long long)about.stx_mnt_id);
  return 1;
}
