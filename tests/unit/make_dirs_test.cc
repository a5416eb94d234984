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
