// A 10 GB static array. With "fill" on stdin every page is written (the memory limit must stop
// it); otherwise only two bytes are (the kernel maps zero pages on demand: nothing to stop).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

static char a[10000000000];

int main() {
  std::string mode;
  std::cin >> mode;
  if (mode == "fill") std::memset(a, 1, sizeof a);
  a[9999999999] = 1;
  std::printf("%d %d\n", a[0], a[9999999999]);
}
