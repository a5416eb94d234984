/* Compile-time bomb: the preprocessor expands one statement 10^16 times. */
#define A0(x) x x x x x x x x x x
#define A1(x) A0(A0(x))
#define A2(x) A1(A1(x))
#define A3(x) A2(A2(x))
#define A4(x) A3(A3(x))
int main(void) {
  int y = 0;
  A4(y++;)
  return y;
}
