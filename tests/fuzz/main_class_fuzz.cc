// Fuzz target: the Java main class scanner over any bytes. Whatever the source it must return
// "" or a name taken from the source that is an ASCII Java identifier short enough for a file
// name; a crash (a stack overflow too) or any other answer is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "judge/languages.h"

namespace judge = codearena::judge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  const auto name = judge::find_java_main_class(source);
  const bool valid =
      name.empty() ||
      (name.size() <= judge::kMaxClassNameBytes && (name[0] < '0' || name[0] > '9') &&
       name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") ==
           std::string::npos &&
       source.find(name) != std::string_view::npos);
  if (!valid) std::abort();
  return 0;
}
