// The class-data archive of javac: built once on the host into the prepared directory, mapped by
// every Java compile in the box, and out of reach of the jobs: a box can read it but not change
// it, and nothing one job compiled is there for the next job to find.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "judge/class_data_archives.h"
#include "sandbox/fs_util.h"
#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;

namespace {

const std::string kArchive = std::string(kPchDir) + "/java/classes.jsa";

Judge& archive_ready_judge() {
  static const std::string report = shared_judge().prepare_class_data_archives();
  (void)report;
  return shared_judge();
}

std::string file_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Judges `source` with one empty test and checks it is accepted with `expected` on stdout.
void check_output(Judge& judge, const std::string& language, const std::string& source,
                  const std::string& expected) {
  JudgeRequest request;
  request.language = language;
  request.source = source;
  const auto result = judge.judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  REQUIRE(result.tests.size() == 1);
  CHECK(result.tests[0].stdout_data == expected);
}

// The real table with `-J-Xshare:on` added to javac's options: a JVM told so refuses to start
// unless it maps its class-data archives, so a compile only succeeds with the archive in use.
LanguageTable table_that_needs_the_archive() {
  auto document = nlohmann::json::parse(
      codearena::sandbox::read_text_file(codearena::judge::default_language_table_path()));
  for (auto& language : document["languages"]) {
    if (language["id"] != "java") continue;
    auto& compile = language["compile"];
    compile.insert(compile.begin() + 1, "-J-Xshare:on");
  }
  return LanguageTable::parse(document.dump(), "table with -J-Xshare:on");
}

}  // namespace

// Proves the host build: into an empty directory javac's archive is built (the sample compiled
// with the "create" option, the archive renamed into place), and a second call finds it ready.
TEST_CASE("java: the class-data archive is built into an empty directory") {
  const std::string dir = "/tmp/codearena-archive-test-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const auto built = codearena::judge::prepare_class_data_archives(real_languages(), dir);
  CHECK_THAT(built, Contains("java: class-data archive built"));
  CHECK(std::filesystem::file_size(dir + "/java/classes.jsa") > 1024 * 1024);
  const auto again = codearena::judge::prepare_class_data_archives(real_languages(), dir);
  CHECK_THAT(again, Contains("java: class-data archive ready"));
  const auto& java = *real_languages().find("java");
  CHECK(codearena::judge::class_data_archive_option(java, dir) ==
        "-J-XX:SharedArchiveFile=" + dir + "/java/classes.jsa");
  CHECK(codearena::judge::class_data_archive_option(java, "").empty());
  std::filesystem::remove_all(dir);
  CHECK(codearena::judge::class_data_archive_option(java, dir).empty());
}

// Proves the compile in the box maps the archive: with -J-Xshare:on javac would not start
// without it, and the job is accepted.
TEST_CASE("java: the compile in the box maps the class-data archive") {
  archive_ready_judge();
  const auto table = table_that_needs_the_archive();
  CompileCache cache;
  Judge judge(judge_sandbox(), table, cache, kPchDir);
  check_output(
      judge, "java",
      "public class Main { public static void main(String[] a) { System.out.println(\"ok\"); } }",
      "ok\n");
}

// Proves a program cannot change what every compile maps: opening the archive (or the
// precompiled header) to write, replacing or removing it fails in the box, and the archive's
// bytes are the same afterwards.
TEST_CASE("java: a job cannot write, replace or remove the class-data archive") {
  archive_ready_judge();
  REQUIRE(codearena::sandbox::path_exists(kArchive));
  const auto before = file_content(kArchive);
  const std::string source =
      "import os\n"
      "archive = '" +
      kArchive +
      "'\n"
      "attempts = [\n"
      "    lambda: open(archive, 'r+b').write(b'x'),\n"
      "    lambda: os.rename(archive, archive + '.old'),\n"
      "    lambda: os.unlink(archive),\n"
      "    lambda: open(archive + '.new', 'wb'),\n"
      "]\n"
      "for attempt in attempts:\n"
      "    try:\n"
      "        attempt()\n"
      "        print('changed')\n"
      "    except OSError:\n"
      "        print('refused')\n";
  check_output(archive_ready_judge(), "python", source, "refused\nrefused\nrefused\nrefused\n");
  CHECK(file_content(kArchive) == before);
}

// Proves one job's compile output is not there for the next: after a job compiled the class
// SecretOfFirstJob, a second job can neither load it (classpath ".", the archive) nor find a
// file holding its marker anywhere it can read that jobs write to or share.
TEST_CASE("java: a job cannot reach the classes another job compiled") {
  Judge& judge = archive_ready_judge();
  check_output(judge, "java",
               "public class Main { public static void main(String[] a) { new SecretOfFirstJob(); "
               "System.out.println(\"first\"); } }\n"
               "class SecretOfFirstJob { String marker = \"marker-of-the-first-job\"; }\n",
               "first\n");
  check_output(judge, "java",
               "public class Main { public static void main(String[] a) {\n"
               "  try { Class.forName(\"SecretOfFirstJob\"); System.out.println(\"found\"); }\n"
               "  catch (ClassNotFoundException e) { System.out.println(\"absent\"); } } }\n",
               "absent\n");
  check_output(judge, "python",
               "import os\n"
               "marker = b'marker-of-' + b'the-first-job'  # Not in this source as one string.\n"
               "def holds_marker(path):\n"
               "    with open(path, 'rb') as f:\n"
               "        tail = b''\n"
               "        while chunk := f.read(1 << 20):\n"
               "            if marker in tail + chunk:\n"
               "                return True\n"
               "            tail = chunk[-64:]\n"
               "    return False\n"
               "found = []\n"
               "for top in ['/box', '/tmp', '" +
                   std::string(kPchDir) +
                   "']:\n"
                   "    for folder, _, files in os.walk(top):\n"
                   "        for name in files:\n"
                   "            path = os.path.join(folder, name)\n"
                   "            try:\n"
                   "                if 'Secret' in name or holds_marker(path):\n"
                   "                    found.append(path)\n"
                   "            except OSError:\n"
                   "                pass\n"
                   "print(found)\n",
               "[]\n");
}
