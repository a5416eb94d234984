#include "sandbox/kept_network.h"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/errors.h"
#include "sandbox/namespaces.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace codearena::sandbox {
namespace {

constexpr char kClean[] = "clean\n";
constexpr char kInUse[] = "in use\n";

void mark(int lock, const char* state) {
  const size_t size = std::char_traits<char>::length(state);
  if (::pwrite(lock, state, size, 0) != static_cast<ssize_t>(size) ||
      ::ftruncate(lock, static_cast<off_t>(size)) != 0) {
    throw_errno("mark a kept network namespace " + std::string(state, size - 1), errno);
  }
}

// What the lock file says: kClean, kInUse, or nothing for a lock no engine took before.
std::string marked(int lock) {
  char state[sizeof kInUse] = {};
  const ssize_t size = ::pread(lock, state, sizeof state, 0);
  return size > 0 ? std::string(state, static_cast<size_t>(size)) : std::string();
}

// The network namespace bind-mounted at `path`, or nothing if something else is there. Never
// waits: a FIFO at the path would hold a blocking open until a writer came.
UniqueFd open_kept(const std::string& path) {
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  struct statfs fs;
  if (!ns.valid() || ::fstatfs(ns.get(), &fs) != 0 || fs.f_type != NSFS_MAGIC ||
      ::ioctl(ns.get(), NS_GET_NSTYPE) != CLONE_NEWNET) {
    return UniqueFd();
  }
  return ns;
}

// A new namespace, bind-mounted at `path` in place of whatever was there.
UniqueFd keep_fresh(const std::string& path) {
  ::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW);  // Nothing mounted there is fine.
  // A FIFO, a symlink or an empty directory is removed rather than opened or followed; anything
  // left makes the create below fail, naming the path.
  if (::unlink(path.c_str()) != 0 && errno == EISDIR) ::rmdir(path.c_str());
  UniqueFd file(
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600));
  if (!file.valid()) throw_errno("create " + path, errno);
  UniqueFd ns = fresh_network_namespace();
  const std::string source = "/proc/self/fd/" + std::to_string(ns.get());
  if (::mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throw_errno("keep a network namespace at " + path, errno);
  return ns;
}

}  // namespace

std::optional<KeptNetworkNamespace> KeptNetworkNamespace::take(const std::string& dir,
                                                               int limit) {
  make_dirs(dir, 0700);
  for (int n = 0; n < limit; ++n) {
    const std::string path = dir + "/" + std::to_string(n);
    UniqueFd lock(
        ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!lock.valid()) throw_errno("open " + path + ".lock", errno);
    if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno == EWOULDBLOCK) continue;
      throw_errno("lock " + path + ".lock", errno);
    }
    const std::string state = marked(lock.get());
    UniqueFd ns = state == kClean ? open_kept(path) : UniqueFd();
    const bool no_keeper_left = ns.valid() || state.empty();
    // Marked before a new namespace is made: an engine that dies from here on leaves it "in
    // use", and the next one replaces it.
    mark(lock.get(), kInUse);
    if (!ns.valid()) ns = keep_fresh(path);
    return KeptNetworkNamespace(n, no_keeper_left, std::move(lock), std::move(ns));
  }
  return std::nullopt;
}

void KeptNetworkNamespace::release() noexcept {
  try {
    if (!lock_.valid()) return;
    if (!unix_sockets_in(namespace_.get())) mark(lock_.get(), kClean);
  } catch (const SandboxError&) {
    // Left "in use": the next engine makes a new namespace.
  }
  lock_.reset();
  namespace_.reset();
}

}  // namespace codearena::sandbox
