#!/usr/bin/env python3
"""`codearena-bench leader` with tiny numbers: every job of every store completes and the
table comes out. Nothing here depends on how fast the machine is."""
import os
import re
import subprocess
import unittest

BENCH = os.environ["CODEARENA_BENCH"]
JOBS = 300
STORES = ("memory", "redis-everysec", "redis-always")


class LeaderBenchSmokeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.done = subprocess.run(
            [BENCH, "leader", "--jobs", str(JOBS), "--workers", "2", "--slots", "4",
             "--in-flight", "16", "--submitters", "2"],
            capture_output=True, text=True, timeout=120)
        cls.rows = {}
        for line in cls.done.stdout.splitlines():
            fields = line.split()
            if len(fields) == 15 and fields[0] in STORES:
                cls.rows[fields[0]] = fields

    def test_exits_zero(self):
        self.assertEqual(self.done.returncode, 0, self.done.stderr)

    def test_every_store_completes_every_job(self):
        self.assertEqual(sorted(self.rows), sorted(STORES), self.done.stdout)
        for store, fields in self.rows.items():
            self.assertEqual(int(fields[1]), JOBS, store)
            self.assertGreater(float(fields[3]), 0, store)

    def test_redis_stores_count_their_writes(self):
        for store in STORES[1:]:
            fields = self.rows[store]
            self.assertGreater(float(fields[6]), 0, f"{store}: writes per job")
            self.assertGreater(float(fields[10]), 0, f"{store}: store commands per job")
            self.assertGreater(float(fields[12]), 0, f"{store}: Redis commands per job")
            self.assertRegex(self.done.stdout, rf"\n  {store} .*\bevalsha [0-9.]+.*\bhset [0-9.]+")

    def test_last_line_names_every_store(self):
        last = self.done.stdout.strip().splitlines()[-1]
        self.assertRegex(last, r"^leader " + " ".join(
            re.escape(store) + r"_jobs_per_s=[0-9.]+" for store in STORES) + "$")


if __name__ == "__main__":
    unittest.main()
