#!/usr/bin/env python3
"""Bearer-token authentication, scopes and job ownership against a real `codearena serve`."""
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
import unittest

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api_support import Server, wait_until
from tokens import (AUDIENCE, ISSUER, SECRET, b64url, bearer, claims, handmade, hs256, public_pem,
                    signed)

JOB = {"language": "python", "code": "print(6 * 7)"}


def logged(server, event, **fields):
    """The node's log lines of `event` with `fields`, once there is one (the node writes some
    lines after it answers)."""
    return wait_until(lambda: server.log_events(event, **fields), 30, f"{event} {fields} logged")


class Client:
    """Requests to `server` carrying `token` (None: no Authorization header)."""

    def __init__(self, server, token):
        self.server = server
        self.headers = bearer(token) if token else {}

    def request(self, method, path, body=None):
        return self.server.request(method, path, body, self.headers)

    def submit(self, job=JOB):
        response = self.request("POST", "/api/execute", job)
        assert response.status == 202, response
        return response.json["jobId"]

    def wait_final(self, job_id):
        return self.server.wait_final(job_id, headers=self.headers)

    def events_status(self, job_id):
        """The status of GET /api/jobs/:id/events (a 200 stream is closed unread)."""
        connection = self.server.connection()
        try:
            connection.request("GET", f"/api/jobs/{job_id}/events", headers=self.headers)
            return connection.getresponse().status
        finally:
            connection.close()


class AuthCase(unittest.TestCase):
    def assert_refused(self, response, status, code):
        self.assertEqual(response.status, status, response)
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertEqual(response.json["error"]["code"], code, response)
        challenge = response.headers["www-authenticate"]
        self.assertTrue(challenge.startswith('Bearer realm="codearena"'), challenge)
        return challenge


class SharedSecretTest(AuthCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"JWT_SECRET": SECRET, "JWT_ISSUER": ISSUER,
                                 "JWT_AUDIENCE": AUDIENCE})
        cls.alice = Client(cls.server, hs256(subject="alice"))
        cls.bob = Client(cls.server, hs256(subject="bob"))
        cls.admin = Client(cls.server, hs256(subject="ops", scope="admin"))

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def submit_with(self, token):
        return Client(self.server, token).request("POST", "/api/execute", JOB)

    def test_a_request_without_token_gets_401_with_a_bearer_challenge(self):
        challenge = self.assert_refused(self.submit_with(None), 401, "unauthorized")
        self.assertNotIn("error=", challenge)
        response = self.server.request("POST", "/api/execute", JOB, {"Authorization": "Basic eDp5"})
        self.assert_refused(response, 401, "unauthorized")

    def test_bad_tokens_get_401_invalid_token(self):
        now = int(time.time())
        bad = {
            "forged": hs256(key="another secret"),
            "expired": hs256(exp=now - 3600),
            "not yet valid": hs256(nbf=now + 3600),
            "no expiry": hs256(exp=None),
            "wrong audience": hs256(aud="someone-else"),
            "wrong issuer": hs256(iss="https://evil.test"),
            "no subject": hs256(sub=None),
            "alg none": handmade({"alg": "none", "typ": "JWT"}, claims(), lambda _: b""),
            "alg none, HMAC signature": handmade(
                {"alg": "none", "typ": "JWT"}, claims(),
                lambda data: hmac.new(SECRET.encode(), data, hashlib.sha256).digest()),
            "RS256 without a public key": signed(rsa.generate_private_key(65537, 2048), "RS256"),
            "garbage": "not.a.token",
            "tampered claims": self.tampered(hs256(subject="alice")),
        }
        for name, token in bad.items():
            with self.subTest(name):
                challenge = self.assert_refused(self.submit_with(token), 401, "invalid_token")
                self.assertIn('error="invalid_token"', challenge)

    @staticmethod
    def tampered(token):
        header, _, signature = token.split(".")
        return header + "." + b64url(json.dumps(claims(subject="admin", scope="admin")).encode()) \
            + "." + signature

    def test_expiry_has_a_small_leeway(self):
        self.assertEqual(self.submit_with(hs256(exp=int(time.time()) - 5)).status, 202)

    def test_the_audience_may_be_one_of_a_list(self):
        self.assertEqual(self.submit_with(hs256(aud=["other", AUDIENCE])).status, 202)

    def test_a_valid_token_without_the_scope_gets_403(self):
        cases = (("POST", "/api/execute", "jobs:read", "jobs:submit"),
                 ("POST", "/api/execute", None, "jobs:submit"),
                 ("GET", "/api/jobs/00000000-0000-4000-8000-000000000000", "jobs:submit",
                  "jobs:read"),
                 ("GET", "/api/stats", "jobs:submit jobs:read", "admin"))
        for method, path, scope, needed in cases:
            with self.subTest(path=path, scope=scope):
                client = Client(self.server, hs256(scope=scope))
                response = client.request(method, path, JOB if method == "POST" else None)
                challenge = self.assert_refused(response, 403, "insufficient_scope")
                self.assertIn(f'error="insufficient_scope", scope="{needed}"', challenge)

    def test_the_scp_claim_is_read_too(self):
        client = Client(self.server, hs256(scope=None, scp=["jobs:submit", "jobs:read"]))
        self.assertEqual(client.request("POST", "/api/execute", JOB).status, 202)

    def test_another_subjects_job_is_not_found(self):
        job_id = self.alice.submit()
        for method, path in (("GET", f"/api/jobs/{job_id}"), ("DELETE", f"/api/jobs/{job_id}")):
            with self.subTest(method=method):
                response = self.bob.request(method, path)
                self.assertEqual((response.status, response.json["error"]["code"]),
                                 (404, "job_not_found"), response)
        self.assertEqual(self.bob.events_status(job_id), 404)
        unknown = self.bob.request("GET", "/api/jobs/00000000-0000-4000-8000-000000000000")
        self.assertEqual(unknown.json["error"]["message"].replace(
            "00000000-0000-4000-8000-000000000000", job_id),
            self.bob.request("GET", f"/api/jobs/{job_id}").json["error"]["message"])

        self.assertEqual(self.alice.wait_final(job_id)["state"], "completed")
        self.assertEqual(self.alice.events_status(job_id), 200)
        self.assertEqual(self.admin.request("GET", f"/api/jobs/{job_id}").status, 200)
        self.assertEqual(self.alice.request("DELETE", f"/api/jobs/{job_id}").status, 409)

    def test_other_subjects_jobs_stay_hidden_on_every_way_in(self):
        job_id = self.alice.submit()
        for method, path in (("HEAD", f"/api/jobs/{job_id}"),
                             ("HEAD", f"/api/jobs/{job_id}/events")):
            with self.subTest(method=method, path=path):
                self.assertEqual(self.bob.request(method, path).status, 404)
        # A token is read from the Authorization header only, never from the query.
        token = self.alice.headers["Authorization"].split(" ", 1)[1]
        for query in ("access_token", "token", "jwt"):
            with self.subTest(query=query):
                response = self.server.request("GET", f"/api/jobs/{job_id}?{query}={token}")
                self.assert_refused(response, 401, "unauthorized")

    def test_health_readiness_and_open_metrics_need_no_token(self):
        for path in ("/health", "/ready", "/metrics", "/api/languages", "/api/openapi.json"):
            with self.subTest(path):
                self.assertEqual(self.server.request("GET", path).status, 200)
        self.assertEqual(self.admin.request("GET", "/api/stats").status, 200)

    def test_each_submission_is_audited(self):
        code = "print('audited')"
        job_id = self.alice.submit({"language": "python", "code": code})
        audits = logged(self.server, "job_submitted", jobId=job_id)
        self.assertEqual(len(audits), 1, self.server.log_text())
        audit = audits[0]
        self.assertEqual(audit["subject"], "alice")
        self.assertEqual(audit["remote"], "127.0.0.1")
        self.assertEqual(audit["language"], "python")
        self.assertEqual(audit["codeBytes"], len(code))
        self.assertEqual(audit["codeSha256"], hashlib.sha256(code.encode()).hexdigest())
        self.assertNotIn("auth_disabled", self.server.log_text())
        listening = logged(self.server, "listening")
        self.assertEqual([line["authentication"] for line in listening], ["bearer"])


class KeyFileCase(AuthCase):
    """Nodes verifying tokens with key files written into a directory of the class's own; each
    class makes an RSA key (cls.rsa) and starts its nodes in start_nodes()."""

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        cls.rsa = rsa.generate_private_key(65537, 2048)
        cls.servers = []
        cls.start_nodes()

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.__exit__()
        cls.directory.cleanup()

    @classmethod
    def key_file(cls, name, data):
        path = os.path.join(cls.directory.name, name)
        with open(path, "wb") as out:
            out.write(data)
        return path

    @classmethod
    def node(cls, *flags, env=None):
        cls.servers.append(Server(*flags, env=env))
        return cls.servers[-1]


class PublicKeyTest(KeyFileCase):
    """RS256 with a PEM public key; ES256 on a second node with an EC key; /metrics protected."""

    @classmethod
    def start_nodes(cls):
        cls.ec = ec.generate_private_key(ec.SECP256R1())
        cls.rsa_pem = public_pem(cls.rsa)
        cls.server = cls.node(env={"JWT_PUBLIC_KEY_FILE": cls.key_file("rsa.pem", cls.rsa_pem),
                                   "METRICS_AUTH": "true"})
        cls.ec_server = cls.node("--jwt-public-key-file",
                                 cls.key_file("ec.pem", public_pem(cls.ec)))

    def test_tokens_signed_with_the_key_are_accepted(self):
        alice = Client(self.server, signed(self.rsa, "RS256"))
        self.assertEqual(alice.wait_final(alice.submit())["state"], "completed")
        carol = Client(self.ec_server, signed(self.ec, "ES256"))
        self.assertEqual(carol.request("POST", "/api/execute", JOB).status, 202)

    def test_other_keys_and_algorithm_confusion_are_refused(self):
        confusion = handmade(
            {"alg": "HS256", "typ": "JWT"}, claims(),
            lambda data: hmac.new(self.rsa_pem, data, hashlib.sha256).digest())
        bad = {
            "HS256 keyed with the public key": (self.server, confusion),
            "another RSA key": (self.server, signed(rsa.generate_private_key(65537, 2048),
                                                         "RS256")),
            "ES256 on an RSA key": (self.server, signed(self.ec, "ES256")),
            "RS256 on an EC key": (self.ec_server, signed(self.rsa, "RS256")),
            "another EC key": (self.ec_server, signed(ec.generate_private_key(ec.SECP256R1()),
                                                           "ES256")),
        }
        for name, (server, token) in bad.items():
            with self.subTest(name):
                response = Client(server, token).request("POST", "/api/execute", JOB)
                self.assert_refused(response, 401, "invalid_token")

    def test_protected_metrics_need_the_admin_scope(self):
        self.assert_refused(self.server.request("GET", "/metrics"), 401, "unauthorized")
        user = Client(self.server, signed(self.rsa, "RS256"))
        self.assert_refused(user.request("GET", "/metrics"), 403, "insufficient_scope")
        admin = Client(self.server, signed(self.rsa, "RS256", scope="admin"))
        self.assertEqual(admin.request("GET", "/metrics").status, 200)
        self.assertEqual(self.server.request("GET", "/health").status, 200)
        self.assertEqual(self.server.request("GET", "/ready").status, 200)


class KeySetTest(KeyFileCase):
    """JWT_PUBLIC_KEY_FILE as a JWKS: the token's "kid" picks the key."""

    @classmethod
    def start_nodes(cls):
        cls.ec = ec.generate_private_key(ec.SECP384R1())
        encryption_key = rsa.generate_private_key(65537, 2048).public_key()
        keys = [{**json.loads(RSAAlgorithm.to_jwk(cls.rsa.public_key())), "kid": "r1",
                 "use": "sig", "alg": "RS256"},
                {**json.loads(ECAlgorithm.to_jwk(cls.ec.public_key())), "kid": "e1"},
                {**json.loads(RSAAlgorithm.to_jwk(encryption_key)), "kid": "x1", "use": "enc"}]
        jwks = cls.key_file("jwks.json", json.dumps({"keys": keys}).encode())
        cls.server = cls.node("--jwt-public-key-file", jwks)

    def status(self, token):
        return Client(self.server, token).request("POST", "/api/execute", JOB).status

    def test_the_key_id_picks_the_key(self):
        self.assertEqual(self.status(signed(self.rsa, "RS256", headers={"kid": "r1"})), 202)
        self.assertEqual(self.status(signed(self.ec, "ES384", headers={"kid": "e1"})), 202)

    def test_unknown_or_missing_key_ids_other_algorithms_and_encryption_keys_are_refused(self):
        for token in (signed(self.rsa, "RS256", headers={"kid": "e1"}),
                      signed(self.rsa, "RS256", headers={"kid": "x1"}),
                      signed(self.rsa, "RS512", headers={"kid": "r1"}),
                      signed(self.ec, "ES384", headers={"kid": "nobody"}),
                      # Several keys: a token must name its key (one signature check each).
                      signed(self.ec, "ES384"),
                      # The P-384 key verifies ES384 only.
                      signed(self.ec, "ES512", headers={"kid": "e1"})):
            with self.subTest(token=token):
                response = Client(self.server, token).request("POST", "/api/execute", JOB)
                self.assert_refused(response, 401, "invalid_token")


class AuthOffTest(unittest.TestCase):
    def test_without_a_key_the_api_is_open_and_the_log_says_so(self):
        with Server() as server:
            client = Client(server, None)
            job_id = client.submit()
            self.assertEqual(client.wait_final(job_id)["state"], "completed")
            self.assertEqual(client.request("GET", "/api/stats").status, 200)
            warnings = logged(server, "auth_disabled")
            self.assertEqual([line["level"] for line in warnings], ["warn"])
            listening = logged(server, "listening")
            self.assertEqual([line["authentication"] for line in listening], ["off"])
            audit = logged(server, "job_submitted")
            self.assertEqual([(line["jobId"], line["subject"]) for line in audit], [(job_id, "")])

    def test_token_checks_without_a_key_are_refused_at_start(self):
        for env in ({"JWT_AUDIENCE": AUDIENCE}, {"JWT_ISSUER": ISSUER}, {"METRICS_AUTH": "true"}):
            with self.subTest(env), Server(env=env, up_path=None) as server:
                self.assertNotEqual(server.process.wait(60), 0)
                self.assertIn("need a key", server.log_text())

    def test_empty_settings_short_secrets_and_weak_keys_are_refused_at_start(self):
        with tempfile.TemporaryDirectory() as directory:
            weak_key = os.path.join(directory, "rsa1024.pem")
            with open(weak_key, "wb") as file:
                file.write(public_pem(rsa.generate_private_key(65537, 1024)))
            for flags, reason in ((["--jwt-secret="], "empty"),
                                  (["--jwt-secret", "x" * 31], "at least 32"),
                                  (["--jwt-public-key-file", weak_key], "1024 bits")):
                with self.subTest(flags), Server(*flags, up_path=None) as server:
                    self.assertNotEqual(server.process.wait(60), 0)
                    self.assertIn(reason, server.log_text())


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]], verbosity=2)
