#!/usr/bin/env python3
"""The API's edge as browsers and strict HTTP clients meet it: CORS, methods, HEAD,
100-continue, oversized bodies, malformed requests, security headers, unknown fields."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import unittest

from api_support import HeldConnections, Server, raw_request
from descriptors import descriptors_without_cloexec
from tokens import SECRET, bearer, hs256

APP = "https://app.example.com"
JOB = {"language": "python", "code": "print(1)"}


def raw_exchange(port, data):
    """Sends `data` on a new connection and returns every byte the server writes until it closes
    the connection: for pipelined requests, whose answers follow each other."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(data)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def raw_get(server, target):
    return raw_request(server.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                       b"Connection: close\r\n\r\n")


class CorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"CORS_ORIGINS": f"{APP}, http://localhost:5173"})

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def preflight(self, origin, path="/api/execute", method="POST"):
        return self.server.request("OPTIONS", path, headers={
            "Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type"})

    def test_a_preflight_from_an_allowed_origin_names_methods_headers_and_max_age(self):
        response = self.preflight(APP)
        self.assertEqual(response.status, 204, response)
        self.assertEqual(response.headers["access-control-allow-origin"], APP)
        self.assertEqual(response.headers["access-control-allow-methods"], "POST")
        allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
        self.assertLessEqual({"authorization", "content-type"}, allowed)
        self.assertGreater(int(response.headers["access-control-max-age"]), 0)
        self.assertEqual(response.headers["vary"], "Origin")
        jobs = self.preflight(APP, "/api/jobs/00000000-0000-0000-0000-000000000000", "DELETE")
        self.assertEqual(jobs.headers["access-control-allow-methods"], "GET, HEAD, DELETE")

    def test_a_preflight_from_a_refused_origin_gets_no_cors_headers(self):
        for origin in ("https://evil.example.com", "https://app.example.com:8443",
                       "http://app.example.com"):
            response = self.preflight(origin)
            self.assertEqual(response.status, 204, response)
            self.assertEqual([h for h in response.headers if h.startswith("access-control-")], [],
                             (origin, response.headers))
            self.assertEqual(response.headers["vary"], "Origin")

    def test_answers_carry_the_allowed_origin_only(self):
        allowed = self.server.request("POST", "/api/execute", JOB, {"Origin": APP})
        self.assertEqual(allowed.status, 202, allowed)
        self.assertEqual(allowed.headers["access-control-allow-origin"], APP)
        self.assertEqual(allowed.headers["access-control-allow-credentials"], "true")
        self.assertEqual(allowed.headers["vary"], "Origin")
        refused = self.server.request("GET", "/api/stats",
                                      headers={"Origin": "https://evil.example.com"})
        self.assertEqual(refused.status, 200)
        self.assertNotIn("access-control-allow-origin", refused.headers)
        self.assertEqual(refused.headers["vary"], "Origin")

    def test_with_authentication_a_preflight_needs_no_token_and_refusals_reach_the_page(self):
        with Server(env={"CORS_ORIGINS": APP, "JWT_SECRET": SECRET}) as server:
            preflight = server.request("OPTIONS", "/api/execute", headers={
                "Origin": APP, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type"})
            self.assertEqual(preflight.status, 204, preflight)
            self.assertEqual(preflight.headers["access-control-allow-origin"], APP)
            self.assertIn("authorization", preflight.headers["access-control-allow-headers"])
            refused = server.request("POST", "/api/execute", JOB, {"Origin": APP})
            self.assertEqual(refused.status, 401, refused)
            self.assertEqual(refused.headers["access-control-allow-origin"], APP)
            accepted = server.request("POST", "/api/execute", JOB,
                                      {"Origin": APP, **bearer(hs256())})
            self.assertEqual(accepted.status, 202, accepted)
            self.assertEqual(accepted.headers["access-control-allow-origin"], APP)

    def test_any_origin_is_allowed_without_credentials_under_a_star(self):
        with Server(env={"CORS_ORIGINS": "*"}) as server:
            response = server.request("GET", "/health", headers={"Origin": APP})
            self.assertEqual(response.headers["access-control-allow-origin"], "*")
            self.assertNotIn("access-control-allow-credentials", response.headers)

    def test_an_allowlist_entry_that_is_not_an_origin_stops_the_start(self):
        with self.assertRaisesRegex(RuntimeError, "not an origin"):
            Server(env={"CORS_ORIGINS": "https://app.example.com/path"})


class StrictHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--max-body-size", "64k")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def test_a_wrong_method_is_405_with_allow(self):
        for method, path, allow in (("PUT", "/api/execute", "POST, OPTIONS"),
                                    ("POST", "/api/stats", "GET, HEAD, OPTIONS"),
                                    ("PATCH", "/api/jobs/00000000-0000-0000-0000-000000000000",
                                     "GET, HEAD, DELETE, OPTIONS")):
            response = self.server.request(method, path)
            self.assertEqual(response.status, 405, (method, path, response))
            self.assertEqual(response.headers["allow"], allow)
            self.assertEqual(response.json["error"]["code"], "method_not_allowed")

    def test_head_is_served_wherever_get_is(self):
        job_id = self.server.submit(JOB).json["jobId"]
        for path in ("/health", "/api/stats", "/api/languages", "/api/openapi.json",
                     f"/api/jobs/{job_id}", "/metrics"):
            got = self.server.request("GET", path)
            head = self.server.request("HEAD", path)
            self.assertEqual(head.status, 200, (path, head))
            self.assertEqual(head.text, "")
            self.assertEqual(head.headers["content-type"], got.headers["content-type"])
        languages = self.server.request("GET", "/api/languages")
        self.assertEqual(self.server.request("HEAD", "/api/languages").headers["content-length"],
                         str(len(languages.text.encode())))
        events = raw_request(self.server.port, f"HEAD /api/jobs/{job_id}/events HTTP/1.1\r\n"
                             "Host: x\r\nConnection: close\r\n\r\n".encode())
        self.assertEqual((events.status, events.text), (200, ""), events)
        self.assertEqual(events.headers["content-type"], "text/event-stream")

    def test_expect_100_continue_is_answered_before_the_body_is_sent(self):
        body = b'{"language":"python","code":"print(1)"}'
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=60) as connection:
            connection.sendall(b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                               b"Content-Length: %d\r\n\r\n" % len(body))
            self.assertEqual(connection.recv(65536), b"HTTP/1.1 100 Continue\r\n\r\n")
            connection.sendall(body)
            self.assertTrue(connection.recv(65536).startswith(b"HTTP/1.1 202 "))

    def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(self):
        # Only the head is sent: the answer cannot wait for the 100 MB it announces.
        response = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                               b"Content-Length: 100000000\r\n\r\n")
        self.assertEqual((response.status, response.json["error"]["code"]),
                         (413, "payload_too_large"), response)
        self.assertIn(str(64 * 1024), response.json["error"]["message"])

    def test_a_chunked_body_over_the_limit_is_413(self):
        chunk = b"a" * 50_000
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(2)) + b"0\r\n\r\n"
        response = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\n"
                               b"Transfer-Encoding: chunked\r\n\r\n" + chunked)
        self.assertEqual(response.status, 413, response)

    def test_a_request_behind_an_upgrade_request_is_watched_too(self):
        # The request watch and RESTinio must read the same requests out of one read: an
        # oversized body hidden behind an Upgrade request never reaches RESTinio. Its 413 would
        # come after the Upgrade request's answer, which closes the connection: so only that
        # answer arrives.
        received = raw_exchange(self.server.port,
                                b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                                b"Upgrade: websocket\r\n\r\nPOST /api/execute HTTP/1.1\r\n"
                                b"Host: x\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 100000000\r\n\r\n")
        self.assertTrue(received.startswith(b"HTTP/1.1 200 OK\r\nConnection: close\r\n"),
                        received)
        self.assertEqual(received.count(b"HTTP/1.1 "), 1, received)

    def test_bytes_behind_a_closing_request_do_not_turn_it_into_a_400(self):
        for first in (b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                      b"GET /health HTTP/1.0\r\n\r\n"):
            received = raw_exchange(self.server.port,
                                    first + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(received.startswith(b"HTTP/1.1 200 OK\r\n"), received)
            self.assertNotIn(b"malformed_request", received)

    def test_heads_a_proxy_could_read_otherwise_are_refused(self):
        # A proxy that takes "Transfer-Encoding : chunked" or a folded line for chunked would
        # send the body's bytes on as a request of their own (request smuggling).
        for field in (b"Transfer-Encoding : chunked\r\n",
                      b"Transfer-Encoding: gzip,\r\n chunked\r\n",
                      b"Transfer-Encoding:\r\n\tchunked\r\n"):
            response = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                                   b"Content-Type: application/json\r\n" + field + b"\r\n"
                                   b"0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertEqual((response.status, response.json["error"]["code"]),
                             (400, "malformed_request"), (field, response))

    def test_a_request_without_a_body_gets_no_100_continue(self):
        received = raw_exchange(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                                b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        self.assertTrue(received.startswith(b"HTTP/1.1 400 Bad Request\r\n"), received)

    def test_a_submission_without_a_content_type_is_415(self):
        # A web page may send such a body from any origin without a CORS preflight.
        body = json.dumps(JOB).encode()
        response = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                               % (len(body), body))
        self.assertEqual((response.status, response.json["error"]["code"]),
                         (415, "unsupported_media_type"), response)

    def test_malformed_requests_get_400_not_a_dropped_connection(self):
        for target, code in ((b"/health?a=%zz", "malformed_target"),
                             (b"/api/jobs/%zz", "malformed_target"),
                             (b"/api/execute?wait=%", "malformed_target"),
                             (b"/health?a=\x01", "malformed_request")):
            response = raw_get(self.server, target)
            self.assertEqual((response.status, response.json["error"]["code"]), (400, code),
                             (target, response))
        response = raw_request(self.server.port, b"NOT HTTP AT ALL\r\n\r\n")
        self.assertEqual((response.status, response.json["error"]["code"]),
                         (400, "malformed_request"), response)

    def test_answers_carry_security_headers(self):
        job_id = self.server.submit(JOB).json["jobId"]
        for path in ("/health", f"/api/jobs/{job_id}", "/api/nothing"):
            response = self.server.request("GET", path)
            self.assertEqual(response.headers["x-content-type-options"], "nosniff", path)
            self.assertEqual(response.headers["cache-control"], "no-store", path)

    def test_unknown_request_fields_are_refused_naming_them(self):
        for body, field in (({**JOB, "timeLimitMs": 500}, "'timeLimitMs'"),
                            ({**JOB, "limits": {"timeMs": 500}}, "'limits.timeMs'"),
                            ({**JOB, "testCases": [{"input": "", "output": "1"}]},
                             "'testCases[0].output'"),
                            ({**JOB, "checker": {"type": "float", "eps": 1}}, "'checker.eps'")):
            response = self.server.request("POST", "/api/execute", body)
            self.assertEqual((response.status, response.json["error"]["code"]),
                             (400, "unknown_field"), response)
            self.assertIn(field, response.json["error"]["message"])


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1 and its key, in PEM files; the certificate is its own CA."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class HttpsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.TemporaryDirectory()
        cls.cert, cls.key = self_signed_certificate(cls.directory.name)
        cls.server = Server("--max-body-size", "64k", tls_ca=cls.cert,
                            env={"TLS_CERT_FILE": cls.cert, "TLS_KEY_FILE": cls.key})

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()
        cls.directory.cleanup()

    def tls_connection(self):
        plain = socket.create_connection(("127.0.0.1", self.server.port), timeout=60)
        return self.server.tls.wrap_socket(plain, server_hostname="127.0.0.1")

    def test_jobs_run_over_https(self):
        job = self.server.run(JOB)
        self.assertEqual(job["result"]["tests"][0]["stdout"], "1\n", job)
        listening = self.server.log_events("listening")
        self.assertEqual([line["scheme"] for line in listening], ["https"])

    def test_the_connection_is_watched_under_tls_too(self):
        with self.tls_connection() as connection:
            connection.sendall(b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
                               b"Content-Length: 100000000\r\n\r\n")
            self.assertTrue(connection.recv(65536).startswith(b"HTTP/1.1 413 "))

    def test_plain_http_gets_no_answer(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=60) as plain:
            plain.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertFalse(plain.recv(65536).startswith(b"HTTP/"))

    def test_a_client_that_never_finishes_its_handshake_is_disconnected(self):
        # The request timeouts start once the handshake is done: without a deadline of its own,
        # connections stuck in it (slowloris) would stay open until the connection cap is reached.
        for sent in (b"", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
            with socket.create_connection(("127.0.0.1", self.server.port), timeout=60) as stuck:
                stuck.sendall(sent)
                self.assertEqual(stuck.recv(65536), b"", sent)

    def test_a_client_cannot_renegotiate(self):
        # Each renegotiation costs the node a handshake's computation: a client could repeat
        # them on one connection without any request.
        client = subprocess.Popen(["openssl", "s_client", "-connect",
                                   f"127.0.0.1:{self.server.port}", "-tls1_2",
                                   "-CAfile", self.cert], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        # A renegotiation that succeeded would leave s_client waiting for input.
        watchdog = threading.Timer(60, client.kill)
        watchdog.start()
        try:
            client.stdin.write(b"R\n")  # s_client's command to renegotiate.
            client.stdin.flush()
            output = b""
            while b"renegotiation:" not in output and (line := client.stdout.readline()):
                output += line
            self.assertIn(b"RENEGOTIATING", output)
            self.assertIn(b":no renegotiation:", output)
        finally:
            watchdog.cancel()
            client.kill()
            client.wait()

    def test_tls_connections_are_close_on_exec(self):
        with HeldConnections(self.server, partial=0) as held:
            held.wait_accepted(self.server.process.pid)
            self.assertEqual(descriptors_without_cloexec(self.server.process.pid), {})

    def test_a_certificate_without_its_key_stops_the_start(self):
        with self.assertRaisesRegex(RuntimeError, "go together"):
            Server(env={"TLS_CERT_FILE": self.cert})


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
