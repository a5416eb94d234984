#!/usr/bin/env python3
"""`codearena judge` and `codearena languages` as a user runs them: JSON out, exit codes."""
import json
import os
import subprocess
import tempfile
import unittest

from descriptors import CLEAN, COMPILE_INVENTORY_LANGUAGE, CallerDescriptors, inventory_source

CODEARENA = os.environ["CODEARENA"]

SUM_PY = "a, b = map(int, input().split())\nprint(a + b)\n"
LANGUAGE_IDS = ["python", "javascript", "c", "cpp", "java"]


def codearena(*args):
    return subprocess.run([CODEARENA, *args], capture_output=True, text=True, timeout=60)


def write(folder, name, text):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class JudgeCommandTest(unittest.TestCase):
    def setUp(self):
        self._folder = tempfile.TemporaryDirectory()
        self.folder = self._folder.name
        self.source = write(self.folder, "sum.py", SUM_PY)
        self.tests = os.path.join(self.folder, "tests")
        os.mkdir(self.tests)
        # Numeric order: 2 before 10; 10 has no .out, so it only has to run.
        for n, given, expected in ((1, "1 2\n", "3\n"), (2, "10 20\n", "30\n"),
                                   (10, "5 5\n", None)):
            write(self.tests, f"{n}.in", given)
            if expected is not None:
                write(self.tests, f"{n}.out", expected)

    def tearDown(self):
        self._folder.cleanup()

    def judge_json(self, *args):
        done = codearena("judge", *args)
        self.assertEqual(done.returncode, 0, done.stderr)
        return json.loads(done.stdout)

    def assert_usage_error(self, done, fragment):
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertEqual(done.stdout, "")
        self.assertIn(fragment, done.stderr)

    def test_tests_folder_is_judged_to_ac(self):
        result = self.judge_json("--lang", "python", "--source", self.source,
                                 "--tests", self.tests)
        self.assertEqual(result["verdict"], "AC")
        self.assertEqual(result["language"], "python")
        self.assertEqual((result["passed"], result["total"]), (3, 3))
        self.assertEqual([t["stdout"] for t in result["tests"]], ["3\n", "30\n", "10\n"])
        self.assertTrue(all(t["verdict"] == "AC" for t in result["tests"]))
        self.assertGreater(result["maxMemoryKb"], 0)
        for field in ("compileOutput", "compileCached", "maxCpuMs", "message", "limits"):
            self.assertIn(field, result)

    def test_wrong_answer_and_alias(self):
        wrong = write(self.folder, "wrong.py", "a, b = map(int, input().split())\nprint(a * b)\n")
        result = self.judge_json("--lang", "PY3", "--source", wrong, "--tests", self.tests)
        self.assertEqual(result["verdict"], "WA")
        self.assertEqual(result["language"], "python")
        self.assertEqual([t["verdict"] for t in result["tests"]], ["WA", "WA", "AC"])
        self.assertTrue(result["message"].startswith("test 0: "), result["message"])
        self.assertEqual([t["index"] for t in result["tests"]], [0, 1, 2])

    def test_parallel_gives_the_sequential_result(self):
        wrong = write(self.folder, "wrong.py", "a, b = map(int, input().split())\nprint(a * b)\n")
        for source in (self.source, wrong):
            one = self.judge_json("--lang", "python", "--source", source, "--tests", self.tests)
            three = self.judge_json("--lang", "python", "--source", source, "--tests", self.tests,
                                    "--parallel", "3")
            for result in (one, three):
                for test in result["tests"]:
                    for figure in ("cpuMs", "wallMs", "memoryKb"):
                        del test[figure]
                for figure in ("maxCpuMs", "maxMemoryKb", "compileCached"):
                    del result[figure]
            self.assertEqual(three, one)

    def test_stdin_run_and_limits(self):
        stdin = write(self.folder, "in.txt", "40 2\n")
        result = self.judge_json("--lang", "python", "--source", self.source, "--stdin", stdin,
                                 "--time", "2s", "--memory", "64m")
        self.assertEqual(result["verdict"], "AC")
        self.assertEqual((result["passed"], result["total"]), (1, 1))
        self.assertEqual(result["tests"][0]["stdout"], "42\n")
        self.assertEqual(result["limits"]["timeMs"], 2000)
        self.assertEqual(result["limits"]["memoryBytes"], 64 << 20)

    def test_java_sources_built_to_break_the_class_search_get_verdicts(self):
        main = ' { public static void main(String[] a) { System.out.println("ran"); } }\n'
        long_name = write(self.folder, "long.java", "public class " + "N" * 60_000 + main)
        result = self.judge_json("--lang", "java", "--source", long_name)
        self.assertEqual(result["verdict"], "CE", result["message"])
        spaced = write(self.folder, "spaced.java", "public" + " " * 60_000 + "class Spaced" + main)
        result = self.judge_json("--lang", "java", "--source", spaced)
        self.assertEqual(result["verdict"], "AC", result["compileOutput"])
        self.assertEqual(result["tests"][0]["stdout"], "ran\n")

    def test_unknown_language_is_a_usage_error(self):
        done = codearena("judge", "--lang", "cobol", "--source", self.source,
                         "--tests", self.tests)
        self.assert_usage_error(done, "unknown language 'cobol'")

    def test_limit_above_maximum_is_a_usage_error(self):
        done = codearena("judge", "--lang", "python", "--source", self.source,
                         "--tests", self.tests, "--time", "1000s")
        self.assert_usage_error(done, "time limit")

    def test_missing_source_is_a_usage_error(self):
        self.assert_usage_error(codearena("judge", "--lang", "python", "--tests", self.tests),
                                "--source is required")
        self.assert_usage_error(
            codearena("judge", "--lang", "python", "--source", "/nonexistent/x.py"), "--source")
        self.assert_usage_error(codearena("judge", "--source", self.source), "--lang is required")

    def test_tests_folder_without_inputs_is_a_usage_error(self):
        empty = os.path.join(self.folder, "empty")
        os.mkdir(empty)
        write(empty, "1.out", "3\n")
        write(empty, "notes.in.txt", "x")
        done = codearena("judge", "--lang", "python", "--source", self.source, "--tests", empty)
        self.assert_usage_error(done, "no N.in files")
        missing = codearena("judge", "--lang", "python", "--source", self.source,
                            "--tests", os.path.join(self.folder, "absent"))
        self.assert_usage_error(missing, "cannot read folder")

    def test_bad_options_are_usage_errors(self):
        self.assert_usage_error(codearena("judge", "--lang", "python", "--source", self.source,
                                          "--frobnicate"), "unknown option '--frobnicate'")
        self.assert_usage_error(codearena("judge", "--lang", "python", "--source", self.source,
                                          "--checker", "fuzzy"), "--checker")
        self.assert_usage_error(codearena("judge", "--lang", "python", "--source", self.source,
                                          "--checker", "custom"), "--checker-lang")
        self.assert_usage_error(codearena("judge", "--lang"), "--lang needs a value")
        for bad in ("0", "65", "2x", "-1"):
            self.assert_usage_error(codearena("judge", "--lang", "python", "--source", self.source,
                                              "--parallel", bad), "--parallel")

    def test_help(self):
        done = codearena("judge", "--help")
        self.assertEqual(done.returncode, 0)
        self.assertIn("usage: codearena judge", done.stdout)
        self.assertIn("--tests DIR", done.stdout)


class LanguagesCommandTest(unittest.TestCase):
    def test_lists_the_five_languages_with_versions(self):
        done = codearena("languages")
        self.assertEqual(done.returncode, 0, done.stderr)
        languages = json.loads(done.stdout)
        self.assertEqual([entry["id"] for entry in languages], LANGUAGE_IDS)
        for entry in languages:
            self.assertNotEqual(entry["version"], "unknown", entry)
            self.assertTrue(entry["version"], entry)
            self.assertGreater(entry["limits"]["timeMs"], 0)
            self.assertLessEqual(entry["limits"]["timeMs"], entry["maxLimits"]["timeMs"])
        compiled = {entry["id"]: entry["compiled"] for entry in languages}
        self.assertEqual(compiled, {"python": False, "javascript": False, "c": True, "cpp": True,
                                    "java": True})

    def test_languages_from_another_table(self):
        with tempfile.TemporaryDirectory() as folder:
            table = write(folder, "languages.json", json.dumps({"languages": [{
                "id": "bash", "name": "Bash", "source": "main.sh",
                "run": ["/bin/bash", "main.sh"], "version": ["/bin/bash", "--version"]}]}))
            done = codearena("languages", "--languages", table)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertEqual([entry["id"] for entry in json.loads(done.stdout)], ["bash"])
            broken = write(folder, "broken.json", '{"languages": [{"id": "x"}]}')
            done = codearena("languages", "--languages", broken)
            self.assertEqual(done.returncode, 1)
            self.assertIn('"name" is missing', done.stderr)

    def test_bad_arguments(self):
        self.assertEqual(codearena("languages", "--frobnicate").returncode, 2)


# C that the compiler rejects if it can open any of the descriptors 3..9 through /proc.
INCLUDES_OPEN_DESCRIPTORS = "".join(
    f'#if __has_include("/proc/self/fd/{fd}")\n#error the compiler has descriptor {fd} open\n'
    "#endif\n" for fd in range(3, 10)) + "int main(void) { return 0; }\n"


class DescriptorTest(unittest.TestCase):
    """Every program `codearena judge` runs (compiler, each test, custom checker) starts with
    descriptors 0, 1 and 2 only, although the caller hands codearena a root-only file on 7,
    a directory on 9 and a socket."""

    def setUp(self):
        self.caller = self.enterContext(CallerDescriptors())
        self.folder = self.enterContext(tempfile.TemporaryDirectory())
        self.tests = os.path.join(self.folder, "tests")
        os.mkdir(self.tests)
        for n in (1, 2):
            write(self.tests, f"{n}.in", f"{n}\n")
            write(self.tests, f"{n}.out", CLEAN)

    def judge(self, *args):
        done = subprocess.run(self.caller.command([CODEARENA, "judge", *args]),
                              capture_output=True, text=True, timeout=300,
                              **self.caller.popen_options())
        self.assertEqual(done.returncode, 0, done.stderr)
        result = json.loads(done.stdout)
        self.assertNotIn(self.caller.secret_text, done.stdout)
        return result

    def test_the_compile_step_gets_only_0_1_2(self):
        table = write(self.folder, "languages.json",
                      json.dumps({"languages": [COMPILE_INVENTORY_LANGUAGE]}))
        source = write(self.folder, "inventory.py", inventory_source("python"))
        result = self.judge("--languages", table, "--lang", "compile-inventory",
                            "--source", source, "--tests", self.tests)
        self.assertEqual(result["verdict"], "AC", result["compileOutput"] or result)
        self.assertEqual(result["compileOutput"], CLEAN)

    def test_gcc_cannot_include_an_open_descriptor(self):
        source = write(self.folder, "main.c", INCLUDES_OPEN_DESCRIPTORS)
        result = self.judge("--lang", "c", "--source", source, "--stdin", os.devnull)
        self.assertEqual(result["verdict"], "AC", result["compileOutput"] or result)

    def test_each_test_run_gets_only_0_1_2(self):
        for language, name in (("c", "inventory.c"), ("python", "inventory.py"),
                               ("javascript", "inventory.js"), ("java", "Inventory.java")):
            with self.subTest(language=language):
                source = write(self.folder, name, inventory_source(language))
                result = self.judge("--lang", language, "--source", source, "--tests", self.tests)
                self.assertEqual([t["stdout"] for t in result["tests"]], [CLEAN, CLEAN], result)
                self.assertEqual(result["verdict"], "AC", result)

    def test_a_custom_checker_gets_only_0_1_2(self):
        prints_clean = write(self.folder, "answer.py", f"print({CLEAN.strip()!r})\n")
        for language, name in (("python", "inventory.py"), ("c", "inventory.c")):
            with self.subTest(checker=language):
                checker = write(self.folder, name, inventory_source(language))
                result = self.judge("--lang", "python", "--source", prints_clean,
                                    "--tests", self.tests, "--checker", "custom",
                                    "--checker-lang", language, "--checker-source", checker)
                self.assertEqual([(t["verdict"], t["message"]) for t in result["tests"]],
                                 [("AC", CLEAN)] * 2, result)


if __name__ == "__main__":
    unittest.main(verbosity=2)
