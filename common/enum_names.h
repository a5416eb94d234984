// Reading an enum back from the name it is written with (JSON, settings, stored records).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace codearena::common {

// The value among `values` whose name (by `name_of`) is `name`, case-sensitively; nullopt when
// none is.
template <class E, size_t N>
std::optional<E> find_by_name(std::string_view name, const E (&values)[N],
                              const char* (*name_of)(E)) {
  for (const E value : values) {
    if (name == name_of(value)) return value;
  }
  return std::nullopt;
}

}  // namespace codearena::common
