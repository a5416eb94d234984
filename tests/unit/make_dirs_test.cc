// make_dirs: mkdir -p that tries the whole path first (the slot cgroups and the box root's bind
// targets call it for paths whose parents mostly exist).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

using codearena::sandbox::make_dirs;
using codearena::sandbox::SandboxError;

namespace {

bool is_directory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

TEST_CASE("make_dirs makes missing parents and accepts an existing path but names what failed") {
  char dir_template[] = "/tmp/codearena-make-dirs-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string base = dir_template;
  make_dirs(base + "/a/b/c");
  CHECK(is_directory(base + "/a/b/c"));
  make_dirs(base + "/a/b/c");  // Already there.
  make_dirs(base + "/a/d/");   // A trailing slash.
  CHECK(is_directory(base + "/a/d"));
  ::close(::open((base + "/file").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  CHECK_THROWS_WITH(make_dirs(base + "/file/x/y"),
                    Catch::Matchers::Contains("mkdir " + base + "/file/x"));
  CHECK_THROWS_AS(make_dirs(""), SandboxError);
  std::filesystem::remove_all(base);
}

// Each case below is a path shape the component-by-component version handled; the whole-path-
// first version must make the same directories and fail on the same paths.
TEST_CASE("make_dirs handles relative paths, doubled slashes and what stands in the way") {
  char dir_template[] = "/tmp/codearena-make-dirs-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string base = dir_template;
  SECTION("a relative path whose first component is missing") {
    const auto cwd = std::filesystem::current_path();
    std::filesystem::current_path(base);
    make_dirs("r/s/t");
    std::filesystem::current_path(cwd);
    CHECK(is_directory(base + "/r/s/t"));
  }
  SECTION("doubled and trailing slashes") {
    make_dirs(base + "//x//y//");
    CHECK(is_directory(base + "/x/y"));
  }
  SECTION("a symbolic link to a directory is followed, as mkdir -p does") {
    make_dirs(base + "/real");
    std::filesystem::create_directory_symlink(base + "/real", base + "/link");
    make_dirs(base + "/link/z/w");
    CHECK(is_directory(base + "/real/z/w"));
  }
  SECTION("a dangling symbolic link is an error naming the path") {
    std::filesystem::create_symlink(base + "/nowhere", base + "/dangling");
    CHECK_THROWS_WITH(make_dirs(base + "/dangling/z"),
                      Catch::Matchers::Contains("mkdir " + base + "/dangling/z"));
    CHECK_FALSE(std::filesystem::exists(base + "/nowhere"));
  }
  SECTION("a parent it may not write to is an error, not retried as missing") {
    make_dirs(base + "/closed");
    REQUIRE(::chmod(base.c_str(), 0755) == 0);
    REQUIRE(::chmod((base + "/closed").c_str(), 0555) == 0);
    REQUIRE(::setegid(65534) == 0);
    REQUIRE(::seteuid(65534) == 0);
    CHECK_THROWS_WITH(make_dirs(base + "/closed/a/b"), Catch::Matchers::Contains("denied"));
    REQUIRE(::seteuid(0) == 0);
    REQUIRE(::setegid(0) == 0);
    CHECK_FALSE(std::filesystem::exists(base + "/closed/a"));
  }
  SECTION("a path of many components") {
    std::string deep = base;
    for (int i = 0; i < 200; ++i) deep += "/d";
    make_dirs(deep);
    CHECK(is_directory(deep));
  }
  std::filesystem::remove_all(base);
}
