#!/usr/bin/env python3
"""`codearena serve` with one slot, so that every run of every job follows the one before on
it: runs that leave no file (their used /box and /tmp are unmounted while the next run starts)
leave nothing to the next test of the job or to the next job."""
import unittest

import vanishing_program
from api_support import Server


class BoxBetweenRunsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = cls.enterClassContext(Server("--workers", "1"))

    def test_runs_that_leave_no_file_leave_nothing_to_the_next_test_or_job(self):
        job = {"language": "python", "code": vanishing_program.SOURCE,
               "testCases": [{"input": "", "expectedOutput": ""}] * 3}
        outputs = []
        for _ in range(2):
            job_id = self.server.submit(job).json["jobId"]
            result = self.server.wait_final(job_id)["result"]
            self.assertEqual([t["stderr"] for t in result["tests"]], [""] * 3, result)
            outputs += [t["stdout"] for t in result["tests"]]
        self.assertEqual(outputs, [outputs[0]] * 6, outputs)
        self.assertTrue(outputs[0].endswith(vanishing_program.FRESH_TAIL), outputs[0])


if __name__ == "__main__":
    unittest.main()
