#include "webhooks/backoff.h"

#include <algorithm>

namespace codearena::webhooks {

std::chrono::milliseconds backoff_ceiling(int retry, std::chrono::milliseconds first,
                                          std::chrono::milliseconds longest) {
  auto ceiling = std::max(first, std::chrono::milliseconds(0));
  // Doubling stops at the cap, so large retry numbers cannot overflow.
  for (int doubling = 1; doubling < retry && ceiling < longest; ++doubling) ceiling *= 2;
  return std::min(ceiling, longest);
}

std::chrono::milliseconds jittered_backoff(int retry, std::chrono::milliseconds first,
                                           std::chrono::milliseconds longest,
                                           std::mt19937_64& random) {
  const auto ceiling = backoff_ceiling(retry, first, longest).count();
  if (ceiling <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(0, ceiling);
  return std::chrono::milliseconds(pick(random));
}

}  // namespace codearena::webhooks
