#!/usr/bin/env python3
"""An outside attacker against the HTTP edge: slow name servers behind callback URLs, odd
conditional and event-stream headers, forged listing cursors, admin endpoints without the admin
scope, and connections that come and go. Each attack must leave the node answering everyone."""
import concurrent.futures
import os
import random
import socket
import stat
import sys
import tempfile
import threading
import time
import unittest

import api_support
from api_support import SLEEPER, Server
from tokens import AUDIENCE, ISSUER, SECRET, bearer, hs256
from transport_test import connect, read_answers, read_until_closed, request_bytes

JOB = {"language": "python", "code": "print(1)"}


class SilentNameServer:
    """A DNS server on port 53 of a loopback address of its own that never answers: it records
    the names it is asked for, as a name server that makes resolvers wait out their timeout."""

    def __init__(self):
        self.address = f"127.{random.randint(64, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((self.address, 53))
        self.names = set()
        self.asked = threading.Condition()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                query, _ = self.socket.recvfrom(4096)
            except OSError:
                return
            name = read_question_name(query)
            with self.asked:
                self.names.add(name)
                self.asked.notify_all()

    def wait_names(self, count, timeout=60):
        with self.asked:
            if not self.asked.wait_for(lambda: len(self.names) >= count, timeout):
                raise AssertionError(f"the name server was asked only for {self.names}")

    def close(self):
        self.socket.close()


def read_question_name(query):
    labels, at = [], 12
    while at < len(query) and query[at] != 0:
        length = query[at]
        labels.append(query[at + 1:at + 1 + length].decode("ascii", "replace"))
        at += 1 + length
    return ".".join(labels)


class NodeBehindNameServer:
    """`codearena serve` in a mount namespace of its own whose /etc/resolv.conf names only
    `name_server`, with resolver timeouts long enough to outlast any test step."""

    def __init__(self, name_server):
        self.directory = tempfile.TemporaryDirectory(prefix="codearena-dns-")
        resolv = os.path.join(self.directory.name, "resolv.conf")
        with open(resolv, "w") as out:
            out.write(f"nameserver {name_server.address}\noptions timeout:30 attempts:1\n")
        self.wrapper = os.path.join(self.directory.name, "codearena")
        with open(self.wrapper, "w") as out:
            out.write("#!/bin/sh\nexec unshare -m --propagation private sh -c "
                      f"'mount --bind {resolv} /etc/resolv.conf && exec \"$0\" \"$@\"' "
                      f"{api_support.CODEARENA} \"$@\"\n")
        os.chmod(self.wrapper, stat.S_IRWXU)

    def start(self, *flags, env=None):
        real, api_support.CODEARENA = api_support.CODEARENA, self.wrapper
        try:
            return Server(*flags, env=env)
        finally:
            api_support.CODEARENA = real

    def close(self):
        self.directory.cleanup()


class SlowNameServerTest(unittest.TestCase):
    """Submissions whose callback host's name server never answers: before, each held an HTTP
    thread for the resolver's whole timeout, so two of them stalled the whole API."""

    def test_callback_names_that_never_resolve_do_not_stall_the_api(self):
        name_server = SilentNameServer()
        node = NodeBehindNameServer(name_server)
        try:
            with node.start() as server:
                hooks = [{"language": "python", "code": "print(1)",
                          "callbackUrl": f"http://slow-{i}.codearena.test/hook"} for i in range(4)]
                with concurrent.futures.ThreadPoolExecutor(len(hooks)) as pool:
                    submitted = [pool.submit(server.request, "POST", "/api/execute", hook)
                                 for hook in hooks]
                    # Every resolver thread is now waiting on the silent name server.
                    name_server.wait_names(2)
                    health = server.request("GET", "/health", timeout=20)
                    self.assertEqual(health.status, 200, health)
                    plain = server.request("POST", "/api/execute",
                                           {"language": "python", "code": "print(2)"}, timeout=20)
                    self.assertEqual(plain.status, 202, plain)
                    # Names not judged in time are passed: delivery checks the addresses again.
                    for future in submitted:
                        response = future.result(timeout=60)
                        self.assertEqual(response.status, 202, response)
                literal = server.request("POST", "/api/execute", {
                    "language": "python", "code": "print(3)",
                    "callbackUrl": "http://127.0.0.1:9/hook"}, timeout=20)
                self.assertEqual((literal.status, literal.json["error"]["code"]),
                                 (400, "callback_not_allowed"), literal)
        finally:
            node.close()
            name_server.close()


def head_with(target, *header_lines):
    return (f"GET {target} HTTP/1.1\r\nHost: x\r\n".encode() +
            b"".join(line.encode() + b"\r\n" for line in header_lines) + b"\r\n")


def reset(connection):
    """Closes with a reset (SO_LINGER 0), as a client that vanishes does."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    connection.close()


class OddHeaderTest(unittest.TestCase):
    """Last-Event-ID and If-None-Match of any length and shape, up to the 80 KiB of a head."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.job = cls.server.run(JOB)
        cls.events = f"/api/jobs/{cls.job['jobId']}/events"

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def assert_alive(self):
        self.assertEqual(self.server.request("GET", "/health").status, 200)
        self.assertTrue(self.server.alive())

    def test_a_last_event_id_as_long_as_a_request_head_does_not_crash_the_node(self):
        # std::regex recursed once per letter: 50,000 letters overflowed the thread's stack.
        for value in ("a1-" + "a" * 70_000, "a1-t" + "9" * 70_000, "a" * 70_000 + "-t1"):
            with self.subTest(value=value[:12]):
                response = self.server.request("GET", self.events,
                                               headers={"Last-Event-ID": value})
                self.assertEqual(response.status, 200, response)
                self.assertIn("event: state", response.text)
                self.assert_alive()

    def test_last_event_ids_at_the_edges(self):
        cases = {"a999999999-t999999999": 200, "a0-completed": 204, "a1-t-1": 200,
                 "a1-COMPLETED": 200, "a1-completed-": 200}
        for value, status in cases.items():
            with self.subTest(value=value):
                response = self.server.request("GET", self.events,
                                               headers={"Last-Event-ID": value})
                self.assertEqual(response.status, status, response)
        self.assert_alive()

    def test_if_none_match_of_any_size_and_shape(self):
        path = f"/api/jobs/{self.job['jobId']}"
        etag = self.server.request("GET", path).headers["etag"]
        many = ",".join(['"completed-1-1-1-0000000000000000"'] * 2000)
        cases = {many + "," + etag: 304, many: 200, "*": 304, '"' + "a" * 70_000: 200,
                 "W/" * 35_000: 200, "," * 70_000: 200, " " * 70_000 + etag: 304,
                 etag[:-1]: 200, "W/" + etag: 304}
        for value, status in cases.items():
            with self.subTest(value=value[:20], length=len(value)):
                response = self.server.request("GET", path, headers={"If-None-Match": value})
                self.assertEqual(response.status, status, response)
        # The header on 2000 lines, the tag on the last.
        with connect(self.server.port) as connection:
            lines = ['If-None-Match: "x"'] * 2000 + ["If-None-Match: " + etag, "Connection: close"]
            connection.sendall(head_with(path, *lines))
            self.assertTrue(read_until_closed(connection).startswith(b"HTTP/1.1 304 "))
        self.assert_alive()


class OwnersTest(unittest.TestCase):
    """What one API key may reach of another's jobs and of the cluster: listings with forged
    cursors and filters, conditional and event-stream headers, the admin inspect endpoints."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"JWT_SECRET": SECRET, "JWT_ISSUER": ISSUER,
                                 "JWT_AUDIENCE": AUDIENCE})
        cls.tokens = {name: bearer(hs256(subject=name)) for name in ("alice", "bob")}
        cls.jobs = {name: [cls.as_(name, "POST", "/api/execute", JOB).json["jobId"]
                           for _ in range(count)] for name, count in (("alice", 3), ("bob", 2))}

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    @classmethod
    def as_(cls, name, method, path, body=None, headers=None):
        return cls.server.request(method, path, body, {**cls.tokens[name], **(headers or {})})

    def listed(self, name, query):
        response = self.as_(name, "GET", "/api/jobs" + query)
        self.assertEqual(response.status, 200, response)
        return [job["jobId"] for job in response.json["jobs"]], response.json["nextCursor"]

    def test_no_cursor_or_filter_lists_another_keys_jobs(self):
        alice_page, alice_cursor = self.listed("alice", "?limit=1")
        self.assertIsNotNone(alice_cursor)
        alice_first = self.jobs["alice"][-1]  # Newest first.
        queries = ["", "?limit=100", f"?cursor={alice_cursor}", "?state=completed",
                   "?state=queued", "?language=python", f"?cursor=99999999999999.{alice_first}",
                   f"?cursor=0.{alice_first}", "?cursor=1.00000000-0000-4000-8000-000000000000"]
        for query in queries:
            with self.subTest(query=query):
                listed, _ = self.listed("bob", query)
                self.assertFalse(set(listed) & set(self.jobs["alice"]), listed)
        # Paging through everything bob may see gives his jobs and nothing else.
        seen, cursor = [], ""
        while True:
            page, cursor = self.listed("bob", "?limit=1" + (f"&cursor={cursor}" if cursor else ""))
            seen += page
            if cursor is None:
                break
        self.assertEqual(sorted(seen), sorted(self.jobs["bob"]))

    def test_owner_parameters_and_odd_cursors_are_refused(self):
        for query in ("?owner=alice", "?subject=alice", "?any_owner=true",
                      "?cursor=" + "9" * 70_000, "?cursor=1.2.3", "?limit=" + "9" * 70_000,
                      "?state=" + "x" * 70_000, "?" + "y" * 70_000 + "=1"):
            with self.subTest(query=query[:20]):
                response = self.as_("bob", "GET", "/api/jobs" + query)
                self.assertEqual((response.status, response.json["error"]["code"]),
                                 (400, "invalid_query"), response)
                self.assertLess(len(response.text), 1024, "the answer echoes what it was sent")

    def test_headers_do_not_reveal_another_keys_job(self):
        alice_job = self.jobs["alice"][0]
        for method, path, headers in (
                ("GET", f"/api/jobs/{alice_job}", {"If-None-Match": "*"}),
                ("HEAD", f"/api/jobs/{alice_job}", {"If-None-Match": "*"}),
                ("GET", f"/api/jobs/{alice_job}/events", {"Last-Event-ID": "a1-completed"}),
                ("HEAD", f"/api/jobs/{alice_job}/events", {"Last-Event-ID": "a1-completed"})):
            with self.subTest(method=method, path=path, headers=headers):
                response = self.as_("bob", method, path, headers=headers)
                self.assertEqual(response.status, 404, response)

    def test_admin_inspection_needs_the_admin_scope(self):
        paths = ["/api/admin/inspect/nodes", "/api/admin/inspect/actors",
                 "/api/admin/inspect/actors?node=x", f"/api/admin/inspect/jobs/{self.jobs['alice'][0]}",
                 "/api/admin/inspect/%6eodes", "/api//admin/inspect/nodes",
                 "/api/admin/inspect/nodes/", "/API/admin/inspect/nodes"]
        scopes = ["jobs:submit jobs:read", "admin:read", "administrator", "jobs:admin",
                  "Admin", "admin,jobs:read"]
        for path in paths:
            for scope in scopes:
                with self.subTest(path=path, scope=scope):
                    response = self.server.request(
                        "GET", path, headers=bearer(hs256(subject="mallory", scope=scope)))
                    self.assertIn(response.status, (403, 404), response)
            response = self.server.request("GET", path)
            self.assertIn(response.status, (401, 404), response)
        admin = bearer(hs256(subject="ops", scope="admin"))
        for path in paths[:4]:
            with self.subTest(path=path, scope="admin"):
                status = self.server.request("GET", path, headers=admin).status
                self.assertIn(status, (200, 404) if "node=x" in path else (200,))


class ConnectionChurnTest(unittest.TestCase):
    """Connections that vanish in every state (silent, half a head, pipelined requests not
    read, an event stream, a ?wait=true submission) must give their place back: a client is
    never locked out for ever by connections that are gone."""
    CLIENT = "127.0.0.9"
    CAP = 4

    @classmethod
    def setUpClass(cls):
        cls.server = Server(env={"MAX_CONNECTIONS_PER_CLIENT": str(cls.CAP),
                                 "SSE_HEARTBEAT": "1s"})

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def vanishing_connections(self, job_id):
        openings = [
            b"",
            b"GET /health HTTP/1.1\r\nHo",
            request_bytes("GET", "/health") * 20,
            request_bytes("GET", f"/api/jobs/{job_id}/events"),
        ]
        connections = []
        for opening in openings:
            connection = connect(self.server.port, self.CLIENT)
            connection.sendall(opening)
            connections.append(connection)
        # The stream has begun (its first event arrived) before it vanishes.
        self.assertIn(b"event: state", connections[3].recv(65536))
        return connections

    def wait_for_full_share(self, timeout=60):
        """Waits until the client holds CAP connections that are all served."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = [connect(self.server.port, self.CLIENT) for _ in range(self.CAP)]
            try:
                statuses = []
                for connection in held:
                    connection.sendall(request_bytes("GET", "/health"))
                    statuses += [status for status, _, _ in read_answers(connection, 1)]
                if statuses == [200] * self.CAP:
                    return
            finally:
                for connection in held:
                    connection.close()
        self.fail("the client's connections were never given back")

    def test_vanished_connections_give_their_places_back(self):
        for _ in range(3):
            job_id = self.server.submit(SLEEPER).json["jobId"]
            for connection in self.vanishing_connections(job_id):
                reset(connection)
            # The stream notices it is gone when its job ends.
            self.assertEqual(self.server.request("DELETE", f"/api/jobs/{job_id}").status, 200)
            self.wait_for_full_share()

    def test_a_wait_answer_for_a_vanished_client_is_dropped(self):
        connection = connect(self.server.port, self.CLIENT)
        connection.sendall(request_bytes("POST", "/api/execute?wait=true", JOB))
        reset(connection)
        self.wait_for_full_share()
        self.assertEqual(self.server.request("GET", "/health").status, 200)


class SlowlorisTest(unittest.TestCase):
    """Connections that speak, then stall: past the silence timeout (which only watches the first
    bytes), the keep-alive timeout bounds the whole reading of a request, head and body."""

    def test_stalled_heads_and_bodies_are_closed(self):
        with Server(env={"KEEP_ALIVE_TIMEOUT": "2s", "SILENT_CONNECTION_TIMEOUT": "1s"}) as server:
            openings = [b"G", b"GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ",
                        b"POST /api/execute HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nContent-Length: 100\r\n\r\n{\"language\"",
                        b"POST /api/execute HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        b"application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"lan"]
            stalled = []
            for opening in openings:
                connection = connect(server.port)
                connection.sendall(opening)
                stalled.append(connection)
            for opening, connection in zip(openings, stalled):
                with self.subTest(opening=opening[:30]):
                    # Closed by the server: an answer or nothing, then the end.
                    received = read_until_closed(connection)
                    self.assertFalse(received.startswith(b"HTTP/1.1 2"), received)
                    connection.close()
            self.assertEqual(server.request("GET", "/health").status, 200)


class PipelineIsolationTest(unittest.TestCase):
    """Two clients pipelining requests at once: each answer goes to the connection that asked,
    in the order asked."""

    def test_pipelined_answers_stay_on_their_connection_and_in_order(self):
        count = 25
        with Server() as server:
            clients = [connect(server.port), connect(server.port)]
            ids = [[f"{client:08x}-0000-4000-8000-{index:012x}" for index in range(count)]
                   for client in range(2)]
            for index in range(count):
                for client, connection in enumerate(clients):
                    connection.sendall(request_bytes("GET", f"/api/jobs/{ids[client][index]}"))
            for client, connection in enumerate(clients):
                answers = read_answers(connection, count)
                self.assertEqual(len(answers), count)
                for index, (status, _, body) in enumerate(answers):
                    self.assertEqual(status, 404)
                    self.assertIn(ids[client][index].encode(), body)
                connection.close()


class CallbackAddressFormsTest(unittest.TestCase):
    """Every way of writing a loopback, private or metadata address in a callback URL is
    refused at submission."""

    def test_address_forms_are_refused(self):
        forms = ["http://2130706433/", "http://0x7f000001/", "http://0x7f.1/", "http://017700000001/",
                 "http://0177.0.0.1/", "http://127.1/", "http://0/", "http://[::ffff:7f00:1]/",
                 "http://[::ffff:127.0.0.1]/", "http://[0:0:0:0:0:ffff:127.0.0.1]/",
                 "http://[::127.0.0.1]/", "http://[64:ff9b::7f00:1]/", "http://[2002:7f00:1::]/",
                 "http://[::]/", "http://[fe80::1%25lo]/", "http://[fc00::1]/",
                 "http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]/", "http://10.0.0.1/",
                 "http://192.168.0.1/", "http://100.64.0.1/", "http://localhost/",
                 "http://LOCALHOST/", "http://user@127.0.0.1/",
                 "http://example.com@127.0.0.1/"]
        with Server() as server:
            for url in forms:
                with self.subTest(url=url):
                    response = server.request("POST", "/api/execute",
                                              {**JOB, "callbackUrl": url})
                    self.assertIn((response.status, response.json["error"]["code"]),
                                  ((400, "callback_not_allowed"), (422, "invalid_callback_url")),
                                  response)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
