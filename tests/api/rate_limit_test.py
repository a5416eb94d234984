#!/usr/bin/env python3
"""The submissions budget against a real node: counted per token subject, else per client
address (read from forwarding headers only behind TRUSTED_PROXIES); no burst exceeds it; the
answers carry RateLimit-* headers and refusals are counted in /metrics."""
import sys
import unittest

from api_support import Server
from scrape import Scrape
from tokens import AUDIENCE, ISSUER, SECRET, hs256

JOB = {"language": "python", "code": "print(1)"}
LIMIT = 3


def submit(server, headers=None):
    return server.request("POST", "/api/execute", JOB, headers)


class RateLimitCase(unittest.TestCase):
    def spend(self, server, headers=None):
        """Submits until refused; asserts exactly LIMIT were admitted and returns the refusal."""
        statuses = [submit(server, headers).status for _ in range(LIMIT)]
        self.assertEqual(statuses, [202] * LIMIT)
        refused = submit(server, headers)
        self.assertEqual(refused.status, 429, refused)
        self.assertEqual(refused.json["error"]["code"], "rate_limited")
        return refused


class BudgetTest(RateLimitCase):
    def test_a_burst_gets_the_budget_then_429_with_headers_and_a_metric(self):
        with Server(env={"API_RATE_LIMIT": str(LIMIT)}) as server:
            first = submit(server)
            self.assertEqual(first.status, 202)
            self.assertEqual(first.headers["ratelimit-limit"], str(LIMIT))
            self.assertEqual(first.headers["ratelimit-remaining"], str(LIMIT - 1))
            self.assertEqual(first.headers["ratelimit-policy"], f"{LIMIT};w=60")
            self.assertTrue(1 <= int(first.headers["ratelimit-reset"]) <= 60)
            statuses = [submit(server).status for _ in range(4 * LIMIT)]
            self.assertEqual(statuses.count(202), LIMIT - 1, statuses)
            refused = submit(server)
            self.assertEqual(refused.status, 429)
            self.assertEqual(refused.headers["ratelimit-remaining"], "0")
            self.assertEqual(refused.headers["retry-after"], refused.headers["ratelimit-reset"])
            self.assertTrue(1 <= int(refused.headers["retry-after"]) <= 60)
            self.assertNotIn("ratelimit-limit", server.request("GET", "/api/stats").headers)
            refusals = Scrape(server).samples("codearena_http_rate_limited_total",
                                              budget="submissions")
            self.assertEqual(refusals, [3 * LIMIT + 2])


class IdentityTest(RateLimitCase):
    def test_two_tokens_from_one_address_have_a_budget_each(self):
        env = {"API_RATE_LIMIT": str(LIMIT), "JWT_SECRET": SECRET, "JWT_ISSUER": ISSUER,
               "JWT_AUDIENCE": AUDIENCE}
        with Server(env=env) as server:
            alice = {"Authorization": "Bearer " + hs256(subject="alice")}
            bob = {"Authorization": "Bearer " + hs256(subject="bob")}
            refused = self.spend(server, alice)
            self.assertIn("subject alice", refused.json["error"]["message"])
            self.spend(server, bob)
            # A second token of alice's shares her budget.
            again = {"Authorization": "Bearer " + hs256(subject="alice", jti="second")}
            self.assertEqual(submit(server, again).status, 429)


class ProxyTest(RateLimitCase):
    def test_behind_a_trusted_proxy_each_forwarded_client_has_a_budget(self):
        env = {"API_RATE_LIMIT": str(LIMIT), "TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1"}
        with Server(env=env) as server:
            # The client's own claim (192.0.2.1) is left of what the proxy saw.
            refused = self.spend(server, {"X-Forwarded-For": "192.0.2.1, 198.51.100.1"})
            self.assertIn("address 198.51.100.1", refused.json["error"]["message"])
            self.assertEqual(submit(server, {"X-Forwarded-For": "198.51.100.1"}).status, 429)
            self.spend(server, {"X-Forwarded-For": "[2001:db8::2]:4711"})
            self.spend(server)  # The proxy's own requests.

    def test_a_forwarded_header_the_proxy_does_not_write_is_ignored(self):
        # The proxy appends to X-Forwarded-For and passes the client's own Forwarded on.
        env = {"API_RATE_LIMIT": str(LIMIT), "TRUSTED_PROXIES": "127.0.0.1"}
        with Server(env=env) as server:
            self.spend(server, {"X-Forwarded-For": "198.51.100.1"})
            for claimed in ("192.0.2.1", "192.0.2.2"):
                self.assertEqual(submit(server, {"X-Forwarded-For": "198.51.100.1",
                                                 "Forwarded": f"for={claimed}"}).status, 429)

    def test_behind_a_proxy_writing_forwarded_x_forwarded_for_is_ignored(self):
        env = {"API_RATE_LIMIT": str(LIMIT), "TRUSTED_PROXIES": "127.0.0.1",
               "FORWARDED_HEADER": "forwarded"}
        with Server(env=env) as server:
            refused = self.spend(server, {"Forwarded": 'for="[2001:db8::2]:4711";proto=http'})
            self.assertIn("address 2001:db8::/64", refused.json["error"]["message"])
            self.assertEqual(submit(server, {"Forwarded": "for=198.51.100.1",
                                             "X-Forwarded-For": "192.0.2.1"}).status, 202)
            self.spend(server, {"X-Forwarded-For": "192.0.2.1"})  # Counted as the proxy.

    def test_an_ipv6_client_cannot_rotate_through_its_64(self):
        env = {"API_RATE_LIMIT": str(LIMIT), "TRUSTED_PROXIES": "127.0.0.1"}
        with Server(env=env) as server:
            statuses = [submit(server, {"X-Forwarded-For": f"2001:db8:1:2::{n:x}"}).status
                        for n in range(1, LIMIT + 1)]
            self.assertEqual(statuses, [202] * LIMIT)
            refused = submit(server, {"X-Forwarded-For": "2001:db8:1:2:ffff:ffff:ffff:ffff"})
            self.assertEqual(refused.status, 429, refused)
            self.assertIn("address 2001:db8:1:2::/64", refused.json["error"]["message"])
            # The next /64 is another subscriber.
            self.assertEqual(submit(server, {"X-Forwarded-For": "2001:db8:1:3::1"}).status, 202)

    def test_from_an_untrusted_proxy_forwarding_headers_are_ignored(self):
        env = {"API_RATE_LIMIT": str(LIMIT), "TRUSTED_PROXIES": "10.0.0.0/8"}
        with Server(env=env) as server:
            refused = self.spend(server, {"X-Forwarded-For": "198.51.100.1"})
            self.assertIn("address 127.0.0.1", refused.json["error"]["message"])
            for headers in ({"X-Forwarded-For": "198.51.100.2"}, {"Forwarded": "for=198.51.100.3"},
                            None):
                self.assertEqual(submit(server, headers).status, 429)

    def test_an_unreadable_setting_is_refused_at_start(self):
        for env, named in (({"TRUSTED_PROXIES": "10.0.0.0/33"}, "10.0.0.0/33"),
                           ({"FORWARDED_HEADER": "X-Real-IP"}, "X-Real-IP")):
            server = Server(env=env, up_path=None)
            with server:
                self.assertNotEqual(server.process.wait(timeout=60), 0)
                self.assertIn(named, server.log_text())


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
