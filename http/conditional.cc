#include "http/conditional.h"

#include <cstdint>
#include <cstdio>
#include <string_view>

namespace codearena::http {
namespace {

// FNV-1a, 64 bits: stable across builds and processes, unlike std::hash.
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char byte : text) {
    hash ^= byte;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// An entity tag without its W/ prefix: the quoted opaque part.
std::string_view opaque(std::string_view tag) {
  if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
  return tag;
}

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

}  // namespace

std::string job_etag(const actors::JobStatus& status, const std::string& body) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(body)));
  return "\"" + std::string(actors::state_name(status.state)) + "-" +
         std::to_string(status.tests_done) + "-" + std::to_string(status.tests_total) + "-" +
         std::to_string(status.attempts) + "-" + hash + "\"";
}

bool none_match_names(const std::string& if_none_match, const std::string& etag) {
  std::string_view rest = if_none_match;
  while (!rest.empty()) {
    while (!rest.empty() && (is_space(rest.front()) || rest.front() == ',')) rest.remove_prefix(1);
    if (rest.empty()) break;
    if (rest.front() == '*') return true;
    // An entity tag: [W/]"..." with no quote inside; anything else ends the reading.
    const size_t weak = rest.substr(0, 2) == "W/" ? 2 : 0;
    if (rest.size() <= weak || rest[weak] != '"') return false;
    const size_t close = rest.find('"', weak + 1);
    if (close == std::string_view::npos) return false;
    if (opaque(rest.substr(0, close + 1)) == opaque(etag)) return true;
    rest.remove_prefix(close + 1);
  }
  return false;
}

}  // namespace codearena::http
