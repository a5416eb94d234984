#!/usr/bin/env python3
"""The product brief's client loop, run with Node.js against a real server."""
import json
import os
import subprocess
import sys
import unittest

from api_support import Server

HERE = os.path.dirname(os.path.abspath(__file__))


class ClientLoopTest(unittest.TestCase):
    def test_the_brief_client_gets_results_in_every_language(self):
        jobs = [
            {"language": "python", "code": "print(input()[::-1])", "input": "olleh"},
            {"language": "javascript", "code": "console.log(require('fs').readFileSync(0, 'utf8')"
                                               ".trim().toUpperCase())", "input": "shout"},
            {"language": "c", "code": "#include <stdio.h>\nint main(){int a,b;scanf(\"%d%d\",&a,&b);"
                                      "printf(\"%d\\n\",a*b);}",
             "testCases": [{"input": "6 7", "expectedOutput": "42"},
                           {"input": "2 2", "expectedOutput": "5"}]},
            {"language": "cpp", "code": "#include <iostream>\nint main(){std::cout<<\"hi\\n\";}"},
            {"language": "java", "code": "public class Main { public static void main(String[] a)"
                                         " { System.out.println(7 * 6); } }"},
        ]
        with Server("--workers", "3") as server:
            env = dict(os.environ, CODEARENA_URL=f"http://127.0.0.1:{server.port}",
                       CODEARENA_JOBS=json.dumps(jobs))
            done = subprocess.run(["node", os.path.join(HERE, "client_loop.mjs")], env=env,
                                  capture_output=True, text=True, timeout=300)
            self.assertEqual(done.returncode, 0, done.stderr)
            python, javascript, c, cpp, java = json.loads(done.stdout)
        self.assertEqual(python["tests"][0]["stdout"], "hello\n")
        self.assertEqual(javascript["tests"][0]["stdout"], "SHOUT\n")
        self.assertEqual(c["verdict"], "WA")
        self.assertEqual([t["verdict"] for t in c["tests"]], ["AC", "WA"])
        self.assertEqual(cpp["verdict"], "AC")
        self.assertEqual(java["tests"][0]["stdout"], "42\n")

    def test_the_brief_client_sees_failed_jobs_as_errors(self):
        with Server("--inject-internal-errors", "9", "--max-attempts", "2",
                    "--retry-backoff", "50ms") as server:
            env = dict(os.environ, CODEARENA_URL=f"http://127.0.0.1:{server.port}",
                       CODEARENA_JOBS=json.dumps([{"language": "python", "code": "print(1)"}]))
            done = subprocess.run(["node", os.path.join(HERE, "client_loop.mjs")], env=env,
                                  capture_output=True, text=True, timeout=120)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("internal error after 2 attempts", done.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
