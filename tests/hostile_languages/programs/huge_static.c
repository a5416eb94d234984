/* A 10 GB static array. With "fill" on stdin every page is written (the memory limit must stop
   it); otherwise only two bytes are (the kernel maps zero pages on demand: nothing to stop). */
#include <stdio.h>
#include <string.h>

static char a[10000000000];

int main(void) {
  char mode[16] = "";
  if (scanf("%15s", mode) == 1 && strcmp(mode, "fill") == 0) memset(a, 1, sizeof a);
  a[9999999999] = 1;
  printf("%d %d\n", a[0], a[9999999999]);
  return 0;
}
