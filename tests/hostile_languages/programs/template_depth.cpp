// Compile-time bomb: template recursion 100000 deep (the compiler's depth limit stops it).
template <int N>
struct Bomb {
  static constexpr long value = Bomb<N - 1>::value + Bomb<N - 2>::value;
};
template <>
struct Bomb<0> {
  static constexpr long value = 0;
};
template <>
struct Bomb<1> {
  static constexpr long value = 1;
};
int main() {
  return Bomb<100000>::value != 0;
}
