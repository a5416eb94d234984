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
from api_support import Server
from tokens import AUDIENCE, ISSUER, SECRET, bearer, hs256


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


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
