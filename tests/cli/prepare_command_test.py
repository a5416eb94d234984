#!/usr/bin/env python3
"""`codearena prepare`: builds the precompiled headers, class-data archives and spare compilers
where `serve` and `judge` look for them, without a sandbox, as a container image's build does."""
import glob
import json
import os
import subprocess
import tempfile
import unittest

CODEARENA = os.environ["CODEARENA"]
SOURCE_TABLE = os.path.join(os.path.dirname(__file__), "..", "..", "config", "languages.json")
PCH = "/var/cache/codearena/pch/cpp/bits/stdc++.h.gch"
ARCHIVE = "/var/cache/codearena/pch/java/classes.jsa"


def prepare(*args):
    return subprocess.run([CODEARENA, "prepare", *args], capture_output=True, text=True,
                          timeout=300)


class PrepareCommandTest(unittest.TestCase):
    def test_builds_the_cpp_header_java_archive_and_spare_compiler_once_then_finds_them(self):
        first = prepare()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertRegex(first.stdout, r"^/var/cache/codearena/pch: cpp: precompiled header "
                                       r"(built|ready); java: class-data archive (built|ready); "
                                       r"java: spare compiler (built|ready); $")
        self.assertTrue(os.path.isfile(PCH))
        self.assertTrue(os.path.isfile(ARCHIVE))
        spares = glob.glob("/var/cache/codearena/pch/java/spare-*/SpareCompiler.jar")
        self.assertTrue(spares, "no spare compiler was built")
        again = prepare("--languages", SOURCE_TABLE)
        self.assertEqual(again.stdout, "/var/cache/codearena/pch: cpp: precompiled header ready; "
                                       "java: class-data archive ready; "
                                       "java: spare compiler ready; \n")

    def test_a_table_without_precompiled_headers_builds_none(self):
        with open(SOURCE_TABLE) as source:
            table = json.load(source)
        table["languages"] = [entry for entry in table["languages"] if entry["id"] == "c"]
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(table, file)
            file.flush()
            done = prepare("--languages", file.name)
        self.assertEqual((done.returncode, done.stdout), (0, "/var/cache/codearena/pch: \n"))

    def test_usage_errors_exit_2_with_the_usage(self):
        done = prepare("--bogus")
        self.assertEqual(done.returncode, 2)
        self.assertIn("usage: codearena prepare [--languages FILE]", done.stderr)

    def test_an_unreadable_table_exits_1_naming_it(self):
        done = prepare("--languages", "/nonexistent/languages.json")
        self.assertEqual(done.returncode, 1)
        self.assertIn("/nonexistent/languages.json", done.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
