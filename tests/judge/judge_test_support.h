// Shared pieces of the judge tests: one sandbox, language table, compile cache and Judge per
// test process (ctest runs each test case in a process of its own), wired as `codearena judge`
// wires them, all created on first use so that listing the tests stays cheap.
#pragma once

#include <string>
#include <vector>

#include "judge/compile_cache.h"
#include "judge/judge.h"
#include "judge/languages.h"
#include "sandbox/sandbox.h"

using codearena::judge::CheckerKind;
using codearena::judge::CheckerSpec;
using codearena::judge::CompileCache;
using codearena::judge::Judge;
using codearena::judge::JudgeError;
using codearena::judge::JudgeRequest;
using codearena::judge::JudgeResult;
using codearena::judge::Language;
using codearena::judge::LanguageTable;
using codearena::judge::LimitRequest;
using codearena::sandbox::Sandbox;
using codearena::judge::TestCase;
using codearena::judge::TestResult;
using codearena::judge::Verdict;
using codearena::judge::verdict_code;

// Host folder of the precompiled headers, shared with the codearena command.
extern const char kPchDir[];

// The sandbox of this process: kJudgeSlots slots, the default binds plus kPchDir.
constexpr int kJudgeSlots = 3;
Sandbox& judge_sandbox();

// The real language table (config/languages.json), versions detected.
const LanguageTable& real_languages();

// The compile cache the shared Judge uses.
CompileCache& judge_cache();

// The Judge of this process over judge_sandbox(), real_languages() and judge_cache().
Judge& shared_judge();

// shared_judge() after prepare_precompiled_headers(), for tests that compile C++.
Judge& cpp_ready_judge();

// "a b" -> "a+b" tests: {"1 2\n" -> "3\n", "10 20\n" -> "30\n"}.
std::vector<TestCase> sum_tests();

// Verdict, counts, message, compiler output and every test's figures and streams, for INFO().
std::string describe(const JudgeResult& result);
