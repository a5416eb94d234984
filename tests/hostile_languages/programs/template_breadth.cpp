// Compile-time bomb: 2^28 distinct template instantiations, each shallow (no depth limit
// applies; the compile memory or time limit must stop it).
template <int D, int I>
struct Tree {
  static constexpr long value = Tree<D - 1, 2 * I>::value + Tree<D - 1, 2 * I + 1>::value;
};
template <int I>
struct Tree<0, I> {
  static constexpr long value = I;
};
int main() {
  return Tree<28, 0>::value != 0;
}
