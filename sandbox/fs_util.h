// Small file helpers for kernel interface files (cgroupfs, procfs) and owned descriptors.
//
// All functions throw SandboxError naming the path on failure unless they say otherwise.
// Thread-compatible: no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace codearena::sandbox {

// Owns one file descriptor and closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Kernel interface files kept open after their first use: reading a cgroup counter through an
// open descriptor costs a fraction of open+read+close, and slots read several per run.
// Thread-compatible. Errors throw SandboxError naming the path.
class KernelFiles {
 public:
  std::string read(const std::string& path);
  void write(const std::string& path, const std::string& value);

 private:
  int descriptor(const std::string& path, bool for_writing);
  std::map<std::string, UniqueFd> readable_;
  std::map<std::string, UniqueFd> writable_;
};

// Whole content of a (small) file.
std::string read_text_file(const std::string& path);
// Reads from offset 0 of an open file, for kernel files kept open between reads (a pipe is
// read from where it stands).
std::string pread_text(int fd, const std::string& what);
// Reads a kernel interface file (cgroup, /proc) from offset 0 of an open descriptor, in one
// call when it fits. A file the kernel shows as one record (a cgroup counter or keyed table:
// memory.stat, cpu.stat, memory.events, pids.current) is answered with all it has up to the
// count asked, so a shorter answer is the whole file. A list (cgroup.procs, /proc/net/unix,
// /proc/N/maps) is answered in whole records that fit, so a short answer may be only its start
// (about 4 KiB): enough to tell whether it lists anything, not to count or search it; read
// those with pread_text(). Throws SandboxError naming `what`.
std::string pread_kernel_text(int fd, const std::string& what);
// Writes `value` in one write(2), as kernel interface files require.
void write_text_file(const std::string& path, const std::string& value);
// Creates (or replaces) a regular file with `content`.
void write_text_file_create(const std::string& path, const std::string& content);
// Like write_text_file but reports failure instead of throwing.
bool try_write_text_file(const std::string& path, const std::string& value);
// Parses a decimal integer ("max" is returned as -1); throws SandboxError naming `what`.
int64_t parse_int(const std::string& text, const std::string& what);
// Value of "key N" in a flat keyed file such as memory.events or cpu.stat; 0 when absent.
int64_t keyed_value(const std::string& text, const std::string& key);
// mkdir -p; existing directories are fine.
void make_dirs(const std::string& path, unsigned mode = 0755);
bool path_exists(const std::string& path);
// Number of newline-terminated lines, e.g. the processes listed in cgroup.procs.
size_t line_count(const std::string& text);
// True for a name that can only mean an entry of one directory: not empty, no '/' or NUL, not
// "." or "..", shorter than NAME_MAX.
bool is_plain_file_name(const std::string& name);
// Closes every descriptor from `lowest` up, whatever opened it (close_range(2)). Async-signal-
// safe. Returns 0 or errno.
int close_descriptors_from(int lowest);
// Names of the directories directly inside `path` (none when it cannot be read).
std::vector<std::string> subdirectories(const std::string& path);

}  // namespace codearena::sandbox
