// Fuzz target: how the engine reads the cgroup figures of a run (sandbox/fs_util.h): any text
// stands for a kernel file, read back through pread_kernel_text() from offset 0 of a kept-open
// descriptor (as the slots read memory.stat, cpu.stat, memory.events and the counters), then
// parsed by parse_int() and keyed_value(). The first byte picks the key looked up; the rest is
// the file. A bug is a crash, an exception other than SandboxError, a read that does not give
// back the whole file however its length falls on the read buffer (a figure past 4 KiB lost),
// or, for a well-formed table ("name value" lines), a value other than the first line of that
// name gives (0 when none has it).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace sb = codearena::sandbox;

namespace {

const char* const kKeys[] = {"shmem",    "usage_usec", "max",  "oom_kill",
                             "oom",      "low",        "high", "total_shmem"};

// The value of the first "key value" line, or 0; nullopt-like false when the text is not a
// table of such lines (a name without blank, one space, an optional '-' and 1 to 18 digits).
bool table_value(const std::string& text, const std::string& key, int64_t* value) {
  *value = 0;
  bool found = false;
  size_t at = 0;
  while (at < text.size()) {
    const size_t end = text.find('\n', at);
    if (end == std::string::npos) return false;
    const std::string line = text.substr(at, end - at);
    const size_t space = line.find(' ');
    if (space == 0 || space == std::string::npos) return false;
    const std::string name = line.substr(0, space);
    std::string number = line.substr(space + 1);
    if (name.find_first_of(" \t\r\v\f") != std::string::npos) return false;
    const size_t digits_from = !number.empty() && number[0] == '-' ? 1 : 0;
    const size_t digits = number.size() - digits_from;
    if (digits == 0 || digits > 18 ||
        number.find_first_not_of("0123456789", digits_from) != std::string::npos)
      return false;
    if (!found && name == key) {
      *value = std::strtoll(number.c_str(), nullptr, 10);
      found = true;
    }
    at = end + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string key = kKeys[data[0] % (sizeof kKeys / sizeof kKeys[0])];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  const int fd = ::memfd_create("cgroup-figure", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::abort();
  std::string read_back;
  try {
    read_back = sb::pread_kernel_text(fd, "memory.stat");
    // A second read through the same descriptor starts at offset 0 again.
    if (sb::pread_kernel_text(fd, "memory.stat") != read_back) std::abort();
  } catch (...) {
    std::abort();  // A file that can be read is read.
  }
  ::close(fd);
  if (read_back != text) std::abort();

  try {
    sb::parse_int(read_back, "memory.current");
  } catch (const sb::SandboxError&) {
  }
  const int64_t value = sb::keyed_value(read_back, key);
  int64_t expected = 0;
  if (table_value(read_back, key, &expected) && value != expected) std::abort();
  sb::line_count(read_back);
  return 0;
}
