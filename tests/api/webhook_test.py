#!/usr/bin/env python3
"""callbackUrl: the finished job is POSTed to the client's receiver; private targets are refused."""
import hashlib
import hmac
import json
import sys
import time
import unittest

from api_support import Server, WebhookReceiver


class WebhookTest(unittest.TestCase):
    def test_the_finished_job_is_posted_signed_to_the_callback_url(self):
        receiver = WebhookReceiver()
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
        receiver = WebhookReceiver()
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
