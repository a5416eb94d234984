#!/usr/bin/env python3
"""GET /api/jobs as a dashboard uses it: a subject's own jobs (all of them for an admin), newest
first, filtered by state and language, paged with a cursor that new jobs do not disturb."""
import sys
import unittest

from api_support import Server
from tokens import SECRET, bearer, hs256

ADMIN = bearer(hs256(subject="ops", scope="admin"))
ANN = bearer(hs256(subject="ann"))
BOB = bearer(hs256(subject="bob"))


def quick(text, language="python"):
    code = {"python": f"print({text!r})", "c": f'#include <stdio.h>\nint main(void) {{ puts("{text}"); }}'}
    return {"language": language, "code": code[language]}


class ListingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"JWT_SECRET": SECRET})

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def submit(self, job, token):
        response = self.server.request("POST", "/api/execute", job, token)
        self.assertEqual(response.status, 202, response)
        return response.json["jobId"]

    def listing(self, query, token, status=200):
        response = self.server.request("GET", "/api/jobs" + query, headers=token)
        self.assertEqual(response.status, status, response)
        return response.json

    def every_page(self, query, token, between_pages=None):
        ids, cursor = [], None
        while True:
            separator = "&" if query else "?"
            page = self.listing(query + (f"{separator}cursor={cursor}" if cursor else ""), token)
            ids += [job["jobId"] for job in page["jobs"]]
            cursor = page["nextCursor"]
            if cursor is None:
                return ids
            if between_pages:
                between_pages()

    def test_own_jobs_newest_first_with_filters_and_stable_pages(self):
        ann_jobs = [self.submit(quick(f"ann-{i}"), ANN) for i in range(5)]
        ann_jobs.append(self.submit(quick("ann-c", "c"), ANN))
        bob_job = self.submit(quick("bob"), BOB)
        finals = [self.server.wait_final(job_id, headers=ANN) for job_id in ann_jobs]
        self.assertTrue(all(job["state"] == "completed" for job in finals), finals)

        page = self.listing("", ANN)
        self.assertEqual([job["jobId"] for job in page["jobs"]], ann_jobs[::-1])
        self.assertIsNone(page["nextCursor"])
        summary = page["jobs"][0]
        self.assertEqual(set(summary), {"jobId", "state", "language", "createdAt", "finishedAt",
                                        "verdict", "progress", "webhook"})
        self.assertEqual((summary["language"], summary["verdict"]), ("c", "AC"))
        created = [job["createdAt"] for job in page["jobs"]]
        self.assertEqual(created, sorted(created, reverse=True))

        self.assertEqual([job["jobId"] for job in self.listing("", BOB)["jobs"]], [bob_job])
        everyone = [job["jobId"] for job in self.listing("?limit=100", ADMIN)["jobs"]]
        self.assertLessEqual({*ann_jobs, bob_job}, set(everyone))

        only_c = self.listing("?language=c", ANN)["jobs"]
        self.assertEqual([job["jobId"] for job in only_c], [ann_jobs[-1]])
        self.assertEqual(len(self.listing("?language=py&state=completed", ANN)["jobs"]), 5)
        self.assertEqual(self.listing("?state=queued", ANN)["jobs"], [])

        # Pages of two while new jobs arrive: every old job exactly once, in order.
        arrivals = []
        paged = self.every_page("?limit=2", ANN,
                                lambda: arrivals.append(self.submit(quick("new"), ANN)))
        self.assertEqual(paged, ann_jobs[::-1])
        self.assertEqual(len(arrivals), 2)
        newest = [job["jobId"] for job in self.listing("?limit=2", ANN)["jobs"]]
        self.assertEqual(newest, arrivals[::-1])

    def test_bad_queries_are_400_invalid_query_naming_the_parameter(self):
        for query, parameter in (("?state=sleeping", "state"), ("?language=cobol", "language"),
                                 ("?limit=101", "limit"), ("?limit=0", "limit"),
                                 ("?limit=ten", "limit"), ("?cursor=abc", "cursor"),
                                 ("?cursor=1.not-a-job", "cursor"), ("?owner=bob", "owner")):
            with self.subTest(query=query):
                error = self.listing(query, ANN, 400)["error"]
                self.assertEqual(error["code"], "invalid_query")
                self.assertIn(f"'{parameter}'", error["message"])

    def test_a_token_is_needed(self):
        self.assertEqual(self.server.request("GET", "/api/jobs").status, 401)


class UnauthenticatedListingTest(unittest.TestCase):
    def test_without_authentication_every_job_is_listed(self):
        with Server() as server:
            ids = [server.submit(quick(f"job-{i}")).json["jobId"] for i in range(3)]
            for job_id in ids:
                server.wait_final(job_id)
            page = server.request("GET", "/api/jobs?state=completed").json
            self.assertEqual([job["jobId"] for job in page["jobs"]], ids[::-1])
            self.assertTrue(all(job["webhook"] is None for job in page["jobs"]))


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
