// The keeper opens each read-only bind source without following a symlink (sandbox/mounts.cc):
// a path checked by the engine whose parent was replaced by a symlink before the keeper's open
// fails the box's build instead of showing another directory, and a source that is a symlink
// itself is recreated as that symlink. build_box_root runs here in a child of fresh mount and
// PID namespaces, as it does in the keeper.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <climits>
#include <filesystem>
#include <string>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/mounts.h"

using namespace codearena::sandbox;

namespace {

// A host directory holding real/secret (a file) and the symlinks link -> real and
// alias -> real, and an empty staging directory for the box's root; removed at the end.
struct HostTree {
  HostTree() {
    char dir[] = "/var/tmp/codearena-bind-test-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    path = dir;
    REQUIRE(::mkdir((path + "/real").c_str(), 0755) == 0);
    REQUIRE(::mkdir((path + "/staging").c_str(), 0700) == 0);
    write_text_file_create(path + "/real/secret", "shown through a symlink\n");
    REQUIRE(::symlink("real", (path + "/link").c_str()) == 0);
    REQUIRE(::symlink("real", (path + "/alias").c_str()) == 0);
  }
  ~HostTree() { std::filesystem::remove_all(path); }
  std::string path;
};

// What build_box_root with `bind` did, told by a child of its own namespaces: "error: ..." when
// it threw, else `inspect()` run in the built root.
template <typename Inspect>
std::string build_with(const HostTree& tree, const std::string& bind, Inspect inspect) {
  int report[2];
  REQUIRE(::pipe(report) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(report[0]);
    // The PID namespace is entered by the grandchild, which mounts the root's /proc.
    if (::unshare(CLONE_NEWNS | CLONE_NEWPID) != 0) ::_exit(2);
    const pid_t builder = ::fork();
    if (builder == 0) {
      std::string told;
      try {
        build_box_root(RootLayout{tree.path + "/staging", {{bind, false}}, 65534, 65534});
        told = inspect();
      } catch (const SandboxError& error) {
        told = std::string("error: ") + error.what();
      }
      const bool sent = ::write(report[1], told.data(), told.size()) ==
                        static_cast<ssize_t>(told.size());
      ::_exit(sent ? 0 : 3);
    }
    int status = 0;
    ::waitpid(builder, &status, 0);
    ::_exit(builder > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 4);
  }
  ::close(report[1]);
  std::string told;
  char buffer[512];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;) told.append(buffer, n);
  ::close(report[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  INFO("told: " << told);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return told;
}

std::string read_or_error(const std::string& path) {
  try {
    return read_text_file(path);
  } catch (const SandboxError& error) {
    return std::string("error: ") + error.what();
  }
}

}  // namespace

TEST_CASE("a bind source whose parent is a symlink fails the box's build") {
  HostTree tree;
  const auto bind = tree.path + "/link/secret";
  const auto told = build_with(tree, bind, [&] { return read_or_error(bind); });
  CHECK(told.rfind("error: ", 0) == 0);
  CHECK(told.find("bind source " + bind) != std::string::npos);
  CHECK(told.find("shown through a symlink") == std::string::npos);
}

TEST_CASE("a bind source that is a symlink is recreated as that symlink, not what it names") {
  HostTree tree;
  const auto bind = tree.path + "/alias";
  const auto told = build_with(tree, bind, [&] {
    struct stat st {};
    if (::lstat(bind.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return std::string("no symlink");
    char target[PATH_MAX];
    const ssize_t size = ::readlink(bind.c_str(), target, sizeof target - 1);
    if (size < 0) return std::string("unreadable symlink");
    // The directory it names was not bound: nothing of it is shown.
    return std::string(target, static_cast<size_t>(size)) + " | " +
           read_or_error(bind + "/secret");
  });
  INFO(told);
  CHECK(told.rfind("real | error: ", 0) == 0);
  CHECK(told.find("shown through a symlink") == std::string::npos);
}

TEST_CASE("a bind source without a symlink on its path is shown") {
  HostTree tree;
  const auto bind = tree.path + "/real/secret";
  CHECK(build_with(tree, bind, [&] { return read_or_error(bind); }) ==
        "shown through a symlink\n");
}
