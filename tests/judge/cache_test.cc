// The compile cache: through the judge (a repeated source is not compiled again, a changed one
// is), and on its own (LRU eviction by bytes, the budget, and collision-free keys).
#include <catch2/catch.hpp>

#include "tests/judge/judge_test_support.h"

using codearena::judge::CompiledProgram;

namespace {

const char kSumC[] =
    "#include <stdio.h>\nint main(void) {\n  long a, b;\n  if (scanf(\"%ld %ld\", &a, &b) != 2)"
    " return 1;\n  printf(\"%ld\\n\", a + b);\n  return 0;\n}\n";

// kSumC with a comment naming `test`, so that no other test of the process shares its cache entry.
std::string unique_source(const std::string& test) {
  return kSumC + ("/* " + test + " */\n");
}

JudgeResult judge_c(const std::string& source) {
  JudgeRequest request;
  request.language = "c";
  request.source = source;
  request.tests = sum_tests();
  return shared_judge().judge(request);
}

// A program whose bytes() is exactly `size` (one artifact named "a").
CompiledProgram program_of_size(int64_t size, char fill = 'x') {
  CompiledProgram program;
  program.artifacts["a"] = std::string(static_cast<size_t>(size - 1), fill);
  return program;
}

}  // namespace

// Proves the second judging of the same source reuses the compiled program (compile_cached,
// one more cache hit, same compiler output) and still judges it correctly.
TEST_CASE("judge: the same source judged twice is compiled once") {
  const auto source = unique_source("judged twice");
  const auto before = judge_cache().stats();
  const auto first = judge_c(source);
  INFO(describe(first));
  CHECK(first.verdict == Verdict::kAccepted);
  CHECK_FALSE(first.compile_cached);
  const auto after_first = judge_cache().stats();
  CHECK(after_first.misses == before.misses + 1);
  CHECK(after_first.entries == before.entries + 1);
  CHECK(after_first.bytes > before.bytes);

  const auto second = judge_c(source);
  INFO(describe(second));
  CHECK(second.verdict == Verdict::kAccepted);
  CHECK(second.compile_cached);
  CHECK(second.compile_output == first.compile_output);
  CHECK(second.passed == 2);
  const auto after_second = judge_cache().stats();
  CHECK(after_second.hits == after_first.hits + 1);
  CHECK(after_second.misses == after_first.misses);
  CHECK(after_second.entries == after_first.entries);
}

// Proves a one-character change of the source is a miss compiled anew (and its result is the
// changed program's, not the cached one's).
TEST_CASE("judge: a one-character change is a cache miss") {
  const auto source = unique_source("one-character change");
  const auto first = judge_c(source);
  REQUIRE(first.verdict == Verdict::kAccepted);
  const auto before = judge_cache().stats();

  std::string changed = source;
  const auto plus = changed.find("a + b");
  REQUIRE(plus != std::string::npos);
  changed[plus + 2] = '-';  // a - b
  const auto second = judge_c(changed);
  INFO(describe(second));
  CHECK_FALSE(second.compile_cached);
  CHECK(second.verdict == Verdict::kWrongAnswer);
  REQUIRE(second.tests.size() == 2);
  CHECK(second.tests[0].stdout_data == "-1\n");
  const auto after = judge_cache().stats();
  CHECK(after.misses == before.misses + 1);
  CHECK(after.hits == before.hits);
  CHECK(after.entries == before.entries + 1);
}

// Proves entries beyond the byte budget are evicted least-recently-used first: a find() makes an
// entry recent, so the untouched one goes; the byte count stays within the budget.
TEST_CASE("CompileCache: eviction is least-recently-used by bytes") {
  CompileCache cache(100);
  cache.put("a", program_of_size(40, 'a'));
  cache.put("b", program_of_size(40, 'b'));
  CHECK(cache.stats().entries == 2);
  CHECK(cache.stats().bytes == 80);
  REQUIRE(cache.find("a") != nullptr);  // "a" is now the most recent.

  cache.put("c", program_of_size(40, 'c'));
  const auto stats = cache.stats();
  CHECK(stats.entries == 2);
  CHECK(stats.bytes == 80);
  CHECK(cache.find("b") == nullptr);
  REQUIRE(cache.find("a") != nullptr);
  CHECK(cache.find("a")->artifacts.at("a").front() == 'a');
  CHECK(cache.find("c") != nullptr);

  // One entry filling the whole budget pushes out everything else.
  cache.put("d", program_of_size(100, 'd'));
  CHECK(cache.stats().entries == 1);
  CHECK(cache.stats().bytes == 100);
  CHECK(cache.find("d") != nullptr);
}

// Proves a program larger than the whole budget is not kept (and evicts nothing), and that
// putting under an existing key replaces the entry without counting its bytes twice.
TEST_CASE("CompileCache: a too-large entry is not kept and a new put replaces the old") {
  CompileCache cache(100);
  cache.put("small", program_of_size(30));
  cache.put("huge", program_of_size(101));
  CHECK(cache.find("huge") == nullptr);
  CHECK(cache.find("small") != nullptr);
  CHECK(cache.stats().entries == 1);
  CHECK(cache.stats().bytes == 30);

  cache.put("small", program_of_size(50, 'n'));
  CHECK(cache.stats().entries == 1);
  CHECK(cache.stats().bytes == 50);
  CHECK(cache.find("small")->artifacts.at("a").front() == 'n');
}

// Proves hits and misses are counted by find(), and that the program handed out stays valid
// after its entry is evicted (it is shared, not owned by the cache alone).
TEST_CASE("CompileCache: stats count finds and handed-out programs outlive eviction") {
  CompileCache cache(50);
  CHECK(cache.find("nothing") == nullptr);
  cache.put("one", program_of_size(50, '1'));
  const auto held = cache.find("one");
  REQUIRE(held != nullptr);
  cache.put("two", program_of_size(50, '2'));
  CHECK(cache.find("one") == nullptr);
  CHECK(held->artifacts.at("a") == std::string(49, '1'));
  const auto stats = cache.stats();
  CHECK(stats.hits == 1);
  CHECK(stats.misses == 2);
}

// Proves key() is a deterministic hex SHA-256 that tells apart lists whose concatenations are
// equal ({"ab","c"} vs {"a","bc"}, {"abc"} vs {"abc",""}).
TEST_CASE("CompileCache: key() separates the parts") {
  const auto key = CompileCache::key({"ab", "c"});
  CHECK(key.size() == 64);
  CHECK(key.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(key == CompileCache::key({"ab", "c"}));
  CHECK(key != CompileCache::key({"a", "bc"}));
  CHECK(CompileCache::key({"abc"}) != CompileCache::key({"abc", ""}));
  CHECK(CompileCache::key({"abc"}) != CompileCache::key({"ab", "c"}));
  // SHA-256 of the empty input: no parts means nothing is hashed.
  CHECK(CompileCache::key({}) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
