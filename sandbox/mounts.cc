#include "sandbox/mounts.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox {
namespace {

// How long a replace waits for the used pair's files held beyond their mounts to be freed, and
// how often it asks for them again: the kernel frees them from its workers, a few milliseconds
// after some UNIX socket is released.
constexpr int kReleaseWaitMs = 200;
constexpr int kReleaseAgainMs = 10;

constexpr unsigned long kReadOnlyFlags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV;

void do_mount(const char* source, const std::string& target, const char* type, unsigned long flags,
              const std::string& data = "") {
  if (::mount(source, target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()) != 0) {
    throw_errno(std::string("mount ") + (source ? source : "(none)") + " on " + target, errno);
  }
}

// A new, empty file at `path` (never an existing one, never through a symlink).
UniqueFd create_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("create " + path, errno);
  return fd;
}

void write_file_at(const std::string& path, const std::string& content) {
  const UniqueFd fd = create_file(path);
  if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    throw_errno("write " + path, errno);
  }
}

// The file `path` names (the symlink itself if it is one), resolved without following any
// symlink: a parent renamed to a symlink after the engine checked the path would resolve
// somewhere else, and fails with ELOOP instead.
UniqueFd open_bind_source(const std::string& path) {
  open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS;
  return UniqueFd(static_cast<int>(::syscall(SYS_openat2, AT_FDCWD, path.c_str(), &how, sizeof how)));
}

// Shows host `path` read-only at root + path (or recreates it as a symlink). What is shown is
// the very file checked (mounted through its descriptor), not whatever the path names later.
void bind_read_only(const std::string& root, const ReadOnlyBind& bind) {
  const UniqueFd source = open_bind_source(bind.path);
  struct stat st;
  if (!source.valid() || ::fstat(source.get(), &st) != 0) {
    if (bind.optional && errno == ENOENT) return;
    throw_errno("bind source " + bind.path, errno);
  }
  const auto target = root + bind.path;
  const auto parent = target.substr(0, target.rfind('/'));
  make_dirs(parent);
  if (S_ISLNK(st.st_mode)) {
    char link[PATH_MAX];
    const ssize_t size = ::readlinkat(source.get(), "", link, sizeof link - 1);
    if (size < 0) throw_errno("readlink " + bind.path, errno);
    if (::symlink(std::string(link, static_cast<size_t>(size)).c_str(), target.c_str()) != 0) {
      throw_errno("symlink " + target, errno);
    }
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    make_dirs(target);
  } else {
    create_file(target);
  }
  const std::string opened = "/proc/self/fd/" + std::to_string(source.get());
  do_mount(opened.c_str(), target, nullptr, MS_BIND);
  do_mount(nullptr, target, nullptr, kReadOnlyFlags);
}

void populate_etc(const std::string& root, uint32_t uid, uint32_t gid) {
  const auto etc = root + "/etc";
  make_dirs(etc);
  const auto id = std::to_string(uid);
  const auto group = std::to_string(gid);
  write_file_at(etc + "/passwd", "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\nrunner:x:" + id +
                                     ":" + group + ":runner:/box:/bin/sh\n");
  write_file_at(etc + "/group", "root:x:0:\nrunner:x:" + group + ":\n");
  write_file_at(etc + "/hosts", "127.0.0.1 localhost\n::1 localhost\n");
  write_file_at(etc + "/hostname", "codearena\n");
  write_file_at(etc + "/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n");
}

void populate_dev(const std::string& root) {
  const auto dev = root + "/dev";
  make_dirs(dev);
  do_mount("codearena-dev", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755");
  for (const char* node : {"null", "zero", "random", "urandom"}) {
    const auto target = dev + "/" + node;
    create_file(target);
    do_mount((std::string("/dev/") + node).c_str(), target, nullptr, MS_BIND);
    do_mount(nullptr, target, nullptr, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC);
  }
  const std::pair<const char*, const char*> links[] = {{"/proc/self/fd", "fd"},
                                                       {"/proc/self/fd/0", "stdin"},
                                                       {"/proc/self/fd/1", "stdout"},
                                                       {"/proc/self/fd/2", "stderr"}};
  for (const auto& [from, name] : links) {
    if (::symlink(from, (dev + "/" + name).c_str()) != 0)
      throw_errno("symlink /dev/" + std::string(name), errno);
  }
  do_mount(nullptr, dev, nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
           "size=64k,nr_inodes=64,mode=0755");
}

// An empty tmpfs owned by uid/gid, mounted nowhere yet; the descriptor is its mount.
UniqueFd make_detached_tmpfs(int64_t bytes, uint32_t uid, uint32_t gid) {
  UniqueFd context(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!context.valid()) throw_errno("fsopen tmpfs", errno);
  const std::pair<const char*, std::string> options[] = {{"source", "codearena-work"},
                                                         {"size", std::to_string(bytes)},
                                                         {"nr_inodes", "16384"},
                                                         {"mode", "0755"},
                                                         {"uid", std::to_string(uid)},
                                                         {"gid", std::to_string(gid)}};
  for (const auto& [key, value] : options) {
    if (::fsconfig(context.get(), FSCONFIG_SET_STRING, key, value.c_str(), 0) != 0)
      throw_errno(std::string("tmpfs option ") + key + "=" + value, errno);
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0)
    throw_errno("create a tmpfs", errno);
  UniqueFd mount(
      ::fsmount(context.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  if (!mount.valid()) throw_errno("fsmount a tmpfs", errno);
  return mount;
}

void detach(const char* dir) {
  if (::umount2(dir, MNT_DETACH) != 0) throw_errno(std::string("unmount the used ") + dir, errno);
}

void attach(const UniqueFd& mount, const char* dir) {
  if (::move_mount(mount.get(), "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH) != 0)
    throw_errno(std::string("mount a new tmpfs on ") + dir, errno);
}

// True when the tmpfs at `dir` holds nothing but its root: no block and one inode in use.
bool holds_nothing(const char* dir) {
  struct statfs usage {};
  if (::statfs(dir, &usage) != 0) throw_errno(std::string("statfs ") + dir, errno);
  return usage.f_bfree == usage.f_blocks && usage.f_ffree + 1 == usage.f_files;
}

// The number of used roots whose file system was shut down (IN_UNMOUNT) among the events
// waiting on `watches`.
int unmounts_reported(int watches) {
  alignas(inotify_event) char buffer[4096];
  int unmounts = 0;
  for (;;) {
    const ssize_t n = ::read(watches, buffer, sizeof buffer);
    if (n <= 0) return unmounts;
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      if (event->mask & IN_UNMOUNT) ++unmounts;
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

int64_t monotonic_ms() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

}  // namespace

std::vector<ReadOnlyBind> default_read_only_binds() {
  return {{"/usr", false},
          {"/bin"},
          {"/sbin"},
          {"/lib"},
          {"/lib64"},
          {"/lib32"},
          {"/libx32"},
          {"/etc/alternatives"},
          {"/etc/ld.so.cache"},
          {"/etc/localtime"},
          {"/etc/java-17-openjdk"}};
}

void build_box_root(const RootLayout& layout) {
  // Nothing mounted from here on may propagate back to the host.
  do_mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE);
  const auto& root = layout.staging_dir;
  do_mount("codearena-root", root, "tmpfs", MS_NOSUID | MS_NODEV,
           "size=1m,nr_inodes=4096,mode=0755");
  for (const auto& bind : layout.binds) bind_read_only(root, bind);
  populate_etc(root, layout.uid, layout.gid);
  populate_dev(root);
  for (const char* dir : {"/proc", "/box", "/tmp"}) make_dirs(root + dir);
  do_mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2");

  if (::chdir(root.c_str()) != 0) throw_errno("chdir " + root, errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root " + root, errno);
  // The old root now sits under the new one at "."; detach it so no host path stays reachable.
  if (::umount2(".", MNT_DETACH) != 0) throw_errno("detach the host root", errno);
  if (::chdir("/") != 0) throw_errno("chdir /", errno);
  do_mount(nullptr, "/", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV);
}

bool WorkDirSizes::operator==(const WorkDirSizes& other) const {
  return box_bytes == other.box_bytes && tmp_bytes == other.tmp_bytes && uid == other.uid &&
         gid == other.gid;
}

void WorkDirs::make_next(const WorkDirSizes& sizes) {
  if (next_box_.valid() && next_sizes_ == sizes) return;
  next_box_ = make_detached_tmpfs(sizes.box_bytes, sizes.uid, sizes.gid);
  next_tmp_ = make_detached_tmpfs(sizes.tmp_bytes, sizes.uid, sizes.gid);
  next_sizes_ = sizes;
}

void WorkDirs::replace(const WorkDirSizes& sizes) {
  make_next(sizes);
  if (mounted_) unmount_used();
  attach_next();
}

void WorkDirs::replace_and_await_release(const WorkDirSizes& sizes, bool box_kept,
                                         const std::function<void()>& release_held) {
  // A watch on each used root: the kernel reports IN_UNMOUNT when that file system is shut
  // down, its files freed. A watch, unlike a descriptor, does not keep the file system alive
  // (a tmpfs keeps every file that has a name for as long as it lives), so the report comes
  // at once when nothing else holds the pair.
  const UniqueFd watches(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  int awaited = 0;
  for (const char* root : {"/box", "/tmp"}) {
    if (box_kept && root == std::string("/box")) continue;
    if (watches.valid() &&
        ::inotify_add_watch(watches.get(), root, IN_DELETE_SELF | IN_ONLYDIR) >= 0)
      ++awaited;
  }
  replace(sizes);
  // Without a watch (the keeper's user may have no inotify instance left) the keeper only asks
  // for what is held to be freed: what messages in flight held was waited for before.
  if (awaited == 0) {
    release_held();
    return;
  }
  awaited -= unmounts_reported(watches.get());
  const int64_t start = monotonic_ms();
  for (int64_t released_at = start - kReleaseAgainMs, now = start;
       awaited > 0 && now - start < kReleaseWaitMs; now = monotonic_ms()) {
    if (now - released_at >= kReleaseAgainMs) {
      release_held();
      released_at = now;
    }
    pollfd ready{watches.get(), POLLIN, 0};
    const int64_t left_ms = kReleaseWaitMs - (now - start);
    ::poll(&ready, 1, static_cast<int>(std::min<int64_t>(kReleaseAgainMs, left_ms)));
    awaited -= unmounts_reported(watches.get());
  }
}

bool WorkDirs::hold_files() const {
  return mounted_ && (!holds_nothing("/box") || !holds_nothing("/tmp"));
}

void WorkDirs::attach_next() {
  attach(next_box_, "/box");
  attach(next_tmp_, "/tmp");
  next_box_.reset();
  next_tmp_.reset();
  mounted_ = true;
}

// Each unmount waits for an expedited RCU grace period. Moved onto a directory of the used
// /box, the used /tmp is a mount below it, and one unmount takes both at one wait. Should the
// directory not be made (the run used up /box's inodes, or left that name), each is unmounted.
void WorkDirs::unmount_used() {
  const char* const kUsedTmp = "/box/.codearena-used-tmp";
  const bool stacked = ::mkdir(kUsedTmp, 0700) == 0 &&
                       ::move_mount(AT_FDCWD, "/tmp", AT_FDCWD, kUsedTmp, 0) == 0;
  if (!stacked) detach("/tmp");
  detach("/box");
}

}  // namespace codearena::sandbox
