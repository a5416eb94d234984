// Attacks: the next run's memory through System V shared memory, which outlives its creator and
// is charged to the slot's memory cgroup. Creates argv[1] segments of 1 MiB, writes every page
// of each, detaches and leaves them in place; prints "held N MiB".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define MIB (1024L * 1024L)

int main(int argc, char** argv) {
  const long count = argc > 1 ? atol(argv[1]) : 1;
  for (long i = 0; i < count; ++i) {
    const int id = shmget(IPC_PRIVATE, MIB, IPC_CREAT | 0600);
    if (id < 0) {
      perror("shmget");
      return 1;
    }
    char* memory = shmat(id, NULL, 0);
    if (memory == (void*)-1) {
      perror("shmat");
      return 1;
    }
    memset(memory, 1, MIB);
    shmdt(memory);
  }
  printf("held %ld MiB\n", count);
  return 0;
}
