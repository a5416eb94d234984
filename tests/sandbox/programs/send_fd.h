// Shared by the test programs that put descriptors in flight: sends `fd` over the UNIX socket
// `socket` in a one-byte message (SCM_RIGHTS). Returns 0, or -1 with errno set.
#pragma once

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

static int send_fd(int socket, int fd) {
  char byte = 0;
  struct iovec io = {&byte, 1};
  char control[CMSG_SPACE(sizeof(int))] = {0};
  struct msghdr header = {.msg_iov = &io, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control};
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  return sendmsg(socket, &header, 0) == 1 ? 0 : -1;
}
