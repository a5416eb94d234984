#!/usr/bin/env python3
"""Every language through the REST API, as a frontend submits them."""
import sys
import unittest

from api_support import Server

PROGRAMS = {
    "python": "a, b = map(int, input().split())\nprint(a + b)\n",
    "javascript": "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(' ')"
                  ".map(Number);\nconsole.log(a + b);\n",
    "c": "#include <stdio.h>\nint main(void) { int a, b; scanf(\"%d %d\", &a, &b);"
         " printf(\"%d\\n\", a + b); return 0; }\n",
    "cpp": "#include <bits/stdc++.h>\nint main() { long a, b; std::cin >> a >> b;"
           " std::cout << a + b << '\\n'; }\n",
    "java": "import java.util.*;\npublic class Sum { public static void main(String[] x) {"
            " Scanner s = new Scanner(System.in); System.out.println(s.nextInt() + s.nextInt()); } }\n",
}

TESTS = [{"input": "1 2\n", "expectedOutput": "3\n"},
         {"input": "40 2\n", "expectedOutput": "42\n"},
         {"input": "5 5\n", "expectedOutput": "11\n"}]


class LanguagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "2")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def test_each_language_is_judged_with_verdicts_per_test(self):
        ids = {language: self.server.submit({"language": language, "code": code,
                                             "testCases": TESTS}).json["jobId"]
               for language, code in PROGRAMS.items()}
        for language, job_id in ids.items():
            with self.subTest(language=language):
                job = self.server.wait_final(job_id, timeout=180)
                self.assertEqual(job["state"], "completed", job)
                result = job["result"]
                self.assertEqual(result["language"], language)
                self.assertEqual([t["verdict"] for t in result["tests"]], ["AC", "AC", "WA"], job)
                self.assertEqual(result["verdict"], "WA")
                self.assertEqual(result["passed"], 2)
                self.assertEqual(job["progress"], {"done": 3, "skipped": 0, "total": 3})
                self.assertEqual(job["attempts"], 1)
                for field in ("createdAt", "startedAt", "finishedAt"):
                    self.assertRegex(job[field], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

    def test_stdin_only_jobs_answer_at_once_with_wait(self):
        for language, code in PROGRAMS.items():
            with self.subTest(language=language):
                response = self.server.submit({"language": language, "code": code,
                                               "input": "20 22\n"}, query="?wait=true")
                self.assertEqual(response.status, 200, response)
                job = response.json
                self.assertEqual(job["state"], "completed", job)
                self.assertEqual(job["status"], "completed")
                self.assertEqual(job["result"]["verdict"], "AC")
                self.assertEqual(job["result"]["tests"][0]["stdout"], "42\n")

    def test_compilation_errors_and_limits_come_back_as_verdicts(self):
        compile_error = self.server.submit({"language": "c", "code": "int main( {"},
                                           query="?wait=true").json
        self.assertEqual(compile_error["state"], "completed")
        self.assertEqual(compile_error["result"]["verdict"], "CE")
        self.assertIn("error", compile_error["result"]["compileOutput"])
        spin = self.server.submit({"language": "python", "code": "while True: pass",
                                   "limits": {"time": "300ms"}, "wait": True}).json
        self.assertEqual(spin["result"]["verdict"], "TLE")
        self.assertEqual(spin["result"]["limits"]["timeMs"], 300)

    def test_languages_endpoint_lists_versions_and_limits(self):
        response = self.server.request("GET", "/api/languages")
        self.assertEqual(response.status, 200)
        listed = {entry["id"]: entry for entry in response.json["languages"]}
        self.assertEqual(set(listed), set(PROGRAMS))
        for entry in listed.values():
            self.assertNotEqual(entry["version"], "unknown")
            self.assertGreater(entry["maxLimits"]["timeMs"], 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
