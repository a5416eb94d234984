// Attacks: the next run through a POSIX message queue, which outlives its creator in the IPC
// namespace that holds it. "leave" creates /codearena-carry with a message on it and prints
// "left"; "look" opens it and exits 1 printing "found" if it is there, 0 printing "absent".
// The calls are off the allowlist: either mode is expected to end as a blocked call.
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (strcmp(argv[1], "leave") == 0) {
    const mqd_t queue = mq_open("/codearena-carry", O_CREAT | O_WRONLY, 0666, NULL);
    if (queue == (mqd_t)-1 || mq_send(queue, "carried", 7, 0) != 0) return 1;
    printf("left\n");
    return 0;
  }
  if (mq_open("/codearena-carry", O_RDONLY) != (mqd_t)-1) {
    printf("found\n");
    return 1;
  }
  printf("absent\n");
  return 0;
}
