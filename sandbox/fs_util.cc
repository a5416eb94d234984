#include "sandbox/fs_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "sandbox/errors.h"

namespace codearena::sandbox {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

UniqueFd::~UniqueFd() {
  reset();
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

int KernelFiles::descriptor(const std::string& path, bool for_writing) {
  auto& open_files = for_writing ? writable_ : readable_;
  auto& fd = open_files[path];
  if (!fd.valid()) {
    fd.reset(::open(path.c_str(), (for_writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC));
    if (!fd.valid()) {
      open_files.erase(path);
      throw_errno("open " + path, errno);
    }
  }
  return fd.get();
}

std::string KernelFiles::read(const std::string& path) {
  return pread_kernel_text(descriptor(path, false), path);
}

void KernelFiles::write(const std::string& path, const std::string& value) {
  if (::pwrite(descriptor(path, true), value.data(), value.size(), 0) !=
      static_cast<ssize_t>(value.size())) {
    throw_errno("write '" + value + "' to " + path, errno);
  }
}

std::string read_text_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open " + path, errno);
  return pread_text(fd.get(), path);
}

std::string pread_kernel_text(int fd, const std::string& what) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + what, errno);
    out.append(buffer, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buffer) return out;
  }
}

std::string pread_text(int fd, const std::string& what) {
  std::string out;
  char buffer[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == ESPIPE) n = ::read(fd, buffer, sizeof buffer);  // A pipe or a FIFO.
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + what, errno);
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

void write_text_file(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open " + path, errno);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    throw_errno("write '" + value + "' to " + path, errno);
  }
}

void write_text_file_create(const std::string& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("create " + path, errno);
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    throw_errno("write " + path, errno);
  }
}

bool try_write_text_file(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd.valid() &&
         ::write(fd.get(), value.data(), value.size()) == static_cast<ssize_t>(value.size());
}

int64_t parse_int(const std::string& text, const std::string& what) {
  const auto begin = text.find_first_not_of(" \t\n");
  if (begin == std::string::npos) throw SandboxError("empty value in " + what);
  if (text.compare(begin, 3, "max") == 0) return -1;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str() + begin, &end, 10);
  if (errno != 0 || end == text.c_str() + begin) {
    throw SandboxError("not a number in " + what + ": '" + text + "'");
  }
  return value;
}

int64_t keyed_value(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string name;
  long long value = 0;
  while (lines >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

void make_dirs(const std::string& path, unsigned mode) {
  // The whole path first: its parents usually exist, and each mkdir walks the path again.
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
  const size_t slash = path.find_last_of('/');
  if (errno != ENOENT || slash == 0 || slash == std::string::npos)
    throw_errno("mkdir " + path, errno);
  make_dirs(path.substr(0, slash), mode);
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) throw_errno("mkdir " + path, errno);
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::vector<std::string> subdirectories(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (entry->d_type == DT_DIR && name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

bool is_plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.size() < 256;
}

int close_descriptors_from(int lowest) {
  return ::syscall(SYS_close_range, static_cast<unsigned>(lowest), ~0U, 0) == 0 ? 0 : errno;
}

}  // namespace codearena::sandbox
