// Attacks: the next run's memory through System V IPC objects, which outlive their creator and
// whose memory is charged to the slot's memory cgroup. argv[1] is "shm" (segments of 1 MiB,
// every page written, detached) or "msg" (queues filled with 16 KiB of messages each); argv[2]
// is the number of MiB to leave behind that way. Prints "held N MiB".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>

#define MIB (1024L * 1024L)
#define QUEUE_BYTES 16384L  // msgmnb, the default size of a queue
#define MESSAGE_BYTES 4096L

static int hold_shared_memory(long mib) {
  for (long i = 0; i < mib; ++i) {
    const int id = shmget(IPC_PRIVATE, MIB, IPC_CREAT | 0600);
    char* memory = id < 0 ? (void*)-1 : shmat(id, NULL, 0);
    if (memory == (void*)-1) return -1;
    memset(memory, 1, MIB);
    shmdt(memory);
  }
  return 0;
}

static int hold_messages(long mib) {
  static struct {
    long type;
    char text[MESSAGE_BYTES];
  } message = {1, {0}};
  memset(message.text, 1, sizeof message.text);
  for (long queue = 0; queue < mib * MIB / QUEUE_BYTES; ++queue) {
    const int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0) return -1;
    for (long sent = 0; sent < QUEUE_BYTES; sent += MESSAGE_BYTES) {
      if (msgsnd(id, &message, sizeof message.text, IPC_NOWAIT) != 0) return -1;
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const long mib = atol(argv[2]);
  const int held = strcmp(argv[1], "shm") == 0 ? hold_shared_memory(mib) : hold_messages(mib);
  if (held != 0) {
    perror(argv[1]);
    return 1;
  }
  printf("held %ld MiB\n", mib);
  return 0;
}
