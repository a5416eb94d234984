// Attacks: the network. argv[1] selects the attempt, argv[2] names the target:
//   tcp PORT  - connect to 127.0.0.1:PORT and send a line;
//   udp PORT  - send a datagram to 127.0.0.1:PORT;
//   unix NAME - connect to the abstract AF_UNIX socket NAME (AF_UNIX itself is allowed).
// Prints "connected" / "sent" on success and the error otherwise; always exits 0.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void report(const char* what, int result) {
  if (result < 0) {
    printf("%s failed: %s\n", what, strerror(errno));
  } else {
    printf("%s\n", what);
  }
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "unix") == 0) {
    const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return 1;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strncpy(address.sun_path + 1, argv[2], sizeof address.sun_path - 2);
    const socklen_t size =
        (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(argv[2]));
    report("connected", connect(fd, (struct sockaddr*)&address, size));
    return 0;
  }
  const int udp = strcmp(argv[1], "udp") == 0;
  const int fd = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  if (fd < 0) {
    printf("socket failed: %s\n", strerror(errno));
    return 0;
  }
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (udp) {
    report("sent", (int)sendto(fd, "escape\n", 7, 0, (struct sockaddr*)&address, sizeof address));
  } else {
    const int result = connect(fd, (struct sockaddr*)&address, sizeof address);
    report("connected", result);
    if (result == 0) report("sent", (int)write(fd, "escape\n", 7));
  }
  return 0;
}
