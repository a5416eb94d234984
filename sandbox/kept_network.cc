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
#include <cstdio>

#include "sandbox/errors.h"
#include "sandbox/namespaces.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace codearena::sandbox {
namespace {

constexpr char kClean[] = "clean\n";
constexpr char kInUse[] = "in use\n";

void mark(int lock, const std::string& state) {
  if (::pwrite(lock, state.data(), state.size(), 0) != static_cast<ssize_t>(state.size()) ||
      ::ftruncate(lock, static_cast<off_t>(state.size())) != 0) {
    throw_errno("mark a kept network namespace " + state.substr(0, state.find(' ')), errno);
  }
}

// What the lock file says (at most the longest state an engine writes), or nothing for a lock
// no engine took before.
std::string marked(int lock) {
  char state[128];
  const ssize_t size = ::pread(lock, state, sizeof state, 0);
  return size > 0 ? std::string(state, static_cast<size_t>(size)) : std::string();
}

std::string in_use_line(const KeeperRecord& keeper) {
  return "in use " + std::to_string(keeper.pid) + " " + std::to_string(keeper.start_ticks) + "\n";
}

std::string parked_line(const ParkedKeeper& parked) {
  return "parked " + std::to_string(parked.keeper.pid) + " " +
         std::to_string(parked.keeper.start_ticks) + " " + std::to_string(parked.engine_end) +
         " " + std::to_string(parked.setup_digest) + "\n";
}

// A state is taken for a keeper record only in the exact form an engine writes: anything else
// is an "in use" naming no keeper.
std::optional<ParkedKeeper> parse_parked(const std::string& state) {
  ParkedKeeper parked;
  unsigned long long ticks = 0;
  unsigned long long digest = 0;
  if (std::sscanf(state.c_str(), "parked %d %llu %d %llu", &parked.keeper.pid, &ticks,
                  &parked.engine_end, &digest) != 4)
    return std::nullopt;
  parked.keeper.start_ticks = ticks;
  parked.setup_digest = digest;
  if (parked.keeper.pid <= 0 || parked.engine_end < 0 || parked_line(parked) != state)
    return std::nullopt;
  return parked;
}

std::optional<KeeperRecord> parse_in_use(const std::string& state) {
  KeeperRecord keeper;
  unsigned long long ticks = 0;
  if (std::sscanf(state.c_str(), "in use %d %llu", &keeper.pid, &ticks) != 2) return std::nullopt;
  keeper.start_ticks = ticks;
  if (keeper.pid <= 0 || in_use_line(keeper) != state) return std::nullopt;
  return keeper;
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
    auto parked = parse_parked(state);
    auto left_in_use = parse_in_use(state);
    UniqueFd ns = state == kClean || parked ? open_kept(path) : UniqueFd();
    // A keeper parked in a namespace that is not the one at the path any more is not adopted.
    if (parked && !ns.valid()) {
      left_in_use = parked->keeper;
      parked.reset();
    }
    if (parked) parked->keeper.network = namespace_id(ns.get());
    // The keeper of a call killed mid-run is in the namespace at the path, if any is there.
    if (left_in_use) left_in_use->network = namespace_id(open_kept(path).get());
    const bool no_keeper_left = ns.valid() || state.empty();
    // Marked before a new namespace is made: an engine that dies from here on leaves it "in
    // use", and the next one replaces it (and kills the parked keeper it names, if alive).
    mark(lock.get(), parked ? in_use_line(parked->keeper) : kInUse);
    if (!ns.valid()) ns = keep_fresh(path);
    KeptNetworkNamespace kept(n, no_keeper_left, std::move(lock), std::move(ns));
    kept.parked_ = parked;
    kept.left_in_use_ = left_in_use;
    return kept;
  }
  return std::nullopt;
}

bool KeptNetworkNamespace::holds_sockets() const noexcept {
  try {
    return unix_sockets_in(namespace_.get());
  } catch (const SandboxError&) {
    return true;  // Unknown: taken as a socket left.
  }
}

void KeptNetworkNamespace::release() noexcept {
  let_go(lock_.valid() && !holds_sockets() ? kClean : "");
}

void KeptNetworkNamespace::release_parked(const ParkedKeeper& parked) noexcept {
  let_go(parked_line(parked));
}

void KeptNetworkNamespace::let_go(const std::string& state) noexcept {
  try {
    if (lock_.valid() && !state.empty()) mark(lock_.get(), state);
  } catch (const SandboxError&) {
    // Left "in use": the next engine makes a new namespace.
  }
  lock_.reset();
  namespace_.reset();
}

}  // namespace codearena::sandbox
