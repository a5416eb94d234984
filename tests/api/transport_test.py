#!/usr/bin/env python3
"""The HTTP transport as a load tester meets it, over real sockets to a real server: exotic JSON
bodies, pipelined requests, a client holding many connections, silent connections, echoed
client text, strict boolean query flags, Location, ETag and conditional GET."""
import json
import select
import socket
import subprocess
import sys
import unittest

from api_support import CODEARENA, SLEEPER, Server, raw_request

JOB = {"language": "python", "code": "print(1)"}


def post_raw(port, body):
    return raw_request(port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Type: application/json\r\nConnection: close\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


def request_bytes(method, target, body=None):
    head = f"{method} {target} HTTP/1.1\r\nHost: x\r\n".encode()
    if body is None:
        return head + b"\r\n"
    data = json.dumps(body).encode()
    return head + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
        len(data), data)


def read_answers(connection, count):
    """The next `count` answers on `connection` as (status, headers, body), parsed in order;
    fewer when the server closes first."""
    reader = connection.makefile("rb")
    answers = []
    while len(answers) < count:
        status_line = reader.readline()
        if not status_line:
            break
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = reader.read(int(headers.get("content-length", "0")))
        answers.append((int(status_line.split()[1]), headers, body))
    return answers


def read_until_closed(connection):
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def connect(port, source="127.0.0.1"):
    return socket.create_connection(("127.0.0.1", port), timeout=60, source_address=(source, 0))


class ServerTest(unittest.TestCase):
    """One server for the class, started with FLAGS and ENV."""
    FLAGS = ()
    ENV = {}

    @classmethod
    def setUpClass(cls):
        cls.server = Server(*cls.FLAGS, env=cls.ENV)

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()


class BodyTest(ServerTest):
    def test_exotic_bodies_get_a_readable_400_never_a_dropped_connection(self):
        prefix = b'{"language":"python","code":"print(1)",'
        for body, says in ((prefix + b'"input":"",\n"limits":{"time":1e400}}',
                            "'1e400' is out of range (beyond ±1.8e308) at line 2"),
                           (b"-1e400", "'-1e400' is out of range"),
                           (b"[" * 100_000, "more than 32 levels deep"),
                           (prefix + b'"input":"\\ud800"}', "surrogate U+D800"),
                           (b"NaN", "invalid literal"),
                           (b'{"a":tru}', "line 1, column 9"),
                           (b"1" * 10_000 + b"e999", "out of range")):
            with self.subTest(body=body[:40]):
                response = post_raw(self.server.port, body)
                self.assertEqual((response.status, response.json["error"]["code"]),
                                 (400, "invalid_json"), response)
                message = response.json["error"]["message"]
                self.assertIn(says, message)
                self.assertNotIn("json.exception", message)
                self.assertNotIn("last read", message)
                self.assertLess(len(message), 300)

    def test_a_byte_order_mark_negative_zero_and_two_to_the_64_are_read_as_json(self):
        bom = post_raw(self.server.port, b"\xef\xbb\xbf" + json.dumps(JOB).encode())
        self.assertEqual(bom.status, 202, bom)
        for limits, code in ((b"-0", "invalid_field"), (b"18446744073709551616", "limit_too_high"),
                             (b"1e308", "limit_too_high")):
            response = post_raw(self.server.port, b'{"language":"python","code":"x",'
                                b'"limits":{"time":' + limits + b"}}")
            self.assertEqual(response.json["error"]["code"], code, response)


class PipeliningTest(ServerTest):
    FLAGS = ("--max-body-size", "4k")

    def pipeline(self, requests):
        with connect(self.server.port) as connection:
            connection.sendall(b"".join(requests))
            return read_answers(connection, len(requests))

    def test_every_pipelined_request_is_answered_in_order(self):
        mixed = [request_bytes("GET", "/health"), request_bytes("POST", "/api/execute", JOB),
                 request_bytes("GET", "/api/nothing"), request_bytes("POST", "/api/execute", {})]
        expected = [200, 202, 404, 400]
        for count in (1, 3, 10):
            with self.subTest(count=count):
                requests = [mixed[i % len(mixed)] for i in range(count)]
                answers = self.pipeline(requests)
                self.assertEqual([status for status, _, _ in answers],
                                 [expected[i % len(mixed)] for i in range(count)])
                job_ids = [json.loads(body)["jobId"] for status, _, body in answers
                           if status == 202]
                self.assertEqual(len(set(job_ids)), len(job_ids))

    def test_a_refused_request_is_answered_after_those_before_it(self):
        too_large = (b"POST /api/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 100000\r\n\r\n")
        answers = self.pipeline([request_bytes("GET", "/health"),
                                 request_bytes("POST", "/api/execute", JOB), too_large])
        self.assertEqual([status for status, _, _ in answers], [200, 202, 413])


class ConnectionLimitTest(ServerTest):
    """127.0.0.5 is the greedy client, 127.0.0.2 another one, 127.0.0.3 a trusted proxy (the
    connections that saw the server up, from 127.0.0.1, may still count when a test starts)."""
    GREEDY = "127.0.0.5"
    ENV = {"MAX_CONNECTIONS_PER_CLIENT": "5", "SILENT_CONNECTION_TIMEOUT": "3s",
           "TRUSTED_PROXIES": "127.0.0.3"}

    def served(self, source):
        with connect(self.server.port, source) as connection:
            connection.sendall(request_bytes("GET", "/health"))
            return read_answers(connection, 1)

    def test_a_greedy_client_is_refused_others_served_and_silent_connections_closed(self):
        # One connection that spoke first: it is kept past the silence timeout.
        talker = connect(self.server.port, self.GREEDY)
        talker.sendall(request_bytes("GET", "/health"))
        self.assertEqual(read_answers(talker, 1)[0][0], 200)
        silent = [connect(self.server.port, self.GREEDY) for _ in range(4)]
        over = connect(self.server.port, self.GREEDY)
        refusal = read_until_closed(over)
        self.assertTrue(refusal.startswith(b"HTTP/1.1 429 "), refusal)
        self.assertIn(b"too_many_connections", refusal)
        self.assertIn(b"Retry-After: 1", refusal)
        self.assertEqual([status for status, _, _ in self.served("127.0.0.2")], [200])
        for connection in silent:  # Closed by the server, without a word.
            self.assertEqual(read_until_closed(connection), b"")
            connection.close()
        talker.sendall(request_bytes("GET", "/health"))
        self.assertEqual(read_answers(talker, 1)[0][0], 200)
        talker.close()
        over.close()

    def test_a_trusted_proxy_is_not_limited_per_client(self):
        held = [connect(self.server.port, "127.0.0.3") for _ in range(8)]
        try:
            for connection in held:
                connection.sendall(request_bytes("GET", "/health"))
                self.assertEqual(read_answers(connection, 1)[0][0], 200)
        finally:
            for connection in held:
                connection.close()

    def test_the_settings_are_in_serve_help(self):
        help_text = subprocess.run([CODEARENA, "serve", "--help"], capture_output=True,
                                   text=True, check=True).stdout
        for setting in ("MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_CLIENT",
                        "SILENT_CONNECTION_TIMEOUT", "KEEP_ALIVE_TIMEOUT"):
            self.assertIn(setting, help_text)


class TotalCapTest(ServerTest):
    ENV = {"MAX_CONNECTIONS": "3", "MAX_CONNECTIONS_PER_CLIENT": "0",
           "SILENT_CONNECTION_TIMEOUT": "2s"}

    def test_beyond_the_total_a_client_waits_until_silent_connections_are_closed(self):
        silent = [connect(self.server.port, f"127.0.0.{i}") for i in (1, 2, 3)]
        waiting = connect(self.server.port, "127.0.0.4")
        waiting.sendall(request_bytes("GET", "/health"))
        # The waiting client is accepted only once a silent connection is gone, so when its
        # answer can be read, some silent connection has been closed already.
        readable, _, _ = select.select([waiting], [], [], 60)
        self.assertEqual(readable, [waiting])
        closed, _, _ = select.select(silent, [], [], 0)
        self.assertTrue(closed)
        self.assertEqual([status for status, _, _ in read_answers(waiting, 1)], [200])
        for connection in silent + [waiting]:
            connection.close()


class RequestDetailTest(ServerTest):
    def test_client_text_is_echoed_cut_short_and_impossible_ids_not_at_all(self):
        long_id = "a" * 10_000
        for method in ("GET", "DELETE"):
            response = self.server.request(method, f"/api/jobs/{long_id}")
            self.assertEqual((response.status, response.json["error"]["code"]),
                             (404, "job_not_found"), response)
            self.assertNotIn("aaaa", response.json["error"]["message"])
        for method, path, body in (("GET", "/api/" + "b" * 10_000, None),
                                   ("POST", "/api/execute", {**JOB, "c" * 10_000: 1}),
                                   ("POST", "/api/execute?" + "d" * 10_000 + "=1", JOB),
                                   ("POST", "/api/execute?wait=" + "e" * 10_000, JOB)):
            response = self.server.request(method, path, body)
            self.assertIn(response.status, (400, 404), response)
            message = response.json["error"]["message"]
            self.assertLess(len(message), 300, message)
            self.assertIn("…'", message)

    def test_boolean_query_flags_are_strict(self):
        for value in ("1", "TRUE", "True", "true"):
            with self.subTest(value=value):
                response = self.server.request("POST", f"/api/execute?wait={value}", JOB)
                self.assertEqual((response.status, response.json["state"]), (200, "completed"),
                                 response)
        for value in ("0", "FALSE"):
            response = self.server.request("POST", f"/api/execute?wait={value}", JOB)
            self.assertEqual((response.status, response.json["status"]), (202, "queued"))
        for query in ("wait=maybe", "wait=", "wait", "wiat=true", "wait=1&wait=1"):
            with self.subTest(query=query):
                response = self.server.request("POST", f"/api/execute?{query}", JOB)
                self.assertEqual((response.status, response.json["error"]["code"]),
                                 (400, "invalid_query"), response)
                self.assertIn("'wait'" if query.startswith("wait") else "'wiat'",
                              response.json["error"]["message"])

    def test_accepted_jobs_say_where_they_are_and_polls_are_conditional(self):
        accepted = self.server.request("POST", "/api/execute", SLEEPER)
        self.assertEqual(accepted.status, 202)
        location = accepted.headers["location"]
        self.assertEqual(location, "/api/jobs/" + accepted.json["jobId"])
        first = self.server.request("GET", location)
        etag = first.headers["etag"]
        self.assertRegex(etag, r'^"[^"]+"$')
        again = self.server.request("GET", location, headers={"If-None-Match": etag})
        if again.status == 200:  # The job moved on (queued to active) between the two.
            etag = again.headers["etag"]
            again = self.server.request("GET", location, headers={"If-None-Match": etag})
        self.assertEqual((again.status, again.text, again.headers["etag"]), (304, "", etag))
        self.assertEqual(self.server.request("GET", location,
                                             headers={"If-None-Match": f'"x", W/{etag}'}).status,
                         304)
        self.assertEqual(self.server.request("DELETE", location).status, 200)
        self.server.wait_final(accepted.json["jobId"])
        changed = self.server.request("GET", location, headers={"If-None-Match": etag})
        self.assertEqual(changed.status, 200)
        self.assertNotEqual(changed.headers["etag"], etag)
        self.assertEqual(changed.json["state"], "cancelled")


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
