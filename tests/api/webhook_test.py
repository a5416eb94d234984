#!/usr/bin/env python3
"""callbackUrl: the finished job is POSTed to the client's receiver; private targets are refused."""
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time
import unittest

from api_support import Server


class Receiver:
    """A local HTTP endpoint that records what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def close(self):
        self.server.shutdown()


class WebhookTest(unittest.TestCase):
    def test_the_finished_job_is_posted_signed_to_the_callback_url(self):
        receiver = Receiver()
        try:
            with Server(env={"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_SECRET": "s3cret"}) as server:
                job = server.run({"language": "python", "code": "print('hooked')",
                                  "callbackUrl": receiver.url})
                received = receiver.wait(1)
                self.assertEqual(len(received), 1)
                headers, body = received[0]
                sent = json.loads(body)
                self.assertEqual(sent["jobId"], job["jobId"])
                self.assertEqual(sent["state"], "completed")
                self.assertEqual(sent["result"]["tests"][0]["stdout"], "hooked\n")
                self.assertEqual(headers["Content-Type"], "application/json")
                self.assertEqual(headers["X-CodeArena-Job"], job["jobId"])
                expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
                self.assertEqual(headers["X-CodeArena-Signature"], "sha256=" + expected)
        finally:
            receiver.close()

    def test_loopback_callbacks_are_refused_by_default(self):
        receiver = Receiver()
        try:
            with Server() as server:
                job = server.run({"language": "python", "code": "print(1)",
                                  "callbackUrl": receiver.url})
                deadline = time.monotonic() + 20
                outcome = []
                while not outcome and time.monotonic() < deadline:
                    outcome = [line for line in server.log_lines() if line["event"] == "webhook"]
                    time.sleep(0.1)
                self.assertEqual(len(outcome), 1)
                self.assertFalse(outcome[0]["delivered"])
                self.assertEqual(outcome[0]["jobId"], job["jobId"])
                self.assertTrue(outcome[0]["error"])
                self.assertEqual(receiver.received, [])
        finally:
            receiver.close()


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
