// Attacks: isolation between runs through System V IPC, which outlives processes. Creates a
// shared memory segment, a semaphore set and a message queue, and leaves them behind.
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

int main(void) {
  const int shm = shmget(0x0c0dea, 1 << 20, IPC_CREAT | 0666);
  const int sem = semget(0x0c0dea, 1, IPC_CREAT | 0666);
  const int msg = msgget(0x0c0dea, IPC_CREAT | 0666);
  printf("shm=%d sem=%d msg=%d\n", shm, sem, msg);
  return shm < 0 || sem < 0 || msg < 0;
}
