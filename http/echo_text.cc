#include "http/echo_text.h"

namespace codearena::http {

std::string echo(std::string_view text) {
  if (text.size() <= kMaxEchoBytes) return "'" + std::string(text) + "'";
  std::size_t cut = kMaxEchoBytes;
  // Back to the first byte of a character: continuation bytes are 10xxxxxx.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(text.substr(0, cut)) + "…'";
}

}  // namespace codearena::http
