// Connects to the host's 127.0.0.1:PORT (PORT on stdin) with a plain TCP socket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>

int main() {
  int port = 0;
  if (std::scanf("%d", &port) != 1) return 2;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  std::printf("socket %d\n", fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  std::printf("connect %d\n", result);
}
