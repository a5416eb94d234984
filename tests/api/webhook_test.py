#!/usr/bin/env python3
"""callbackUrl: the finished job is POSTed to the client's receiver; destinations that are never
allowed are refused at submission; the job shows how its delivery stands; logs never show a
URL's query."""
import hashlib
import hmac
import json
import socket
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

    def test_destinations_never_allowed_are_refused_at_submission(self):
        with Server() as server:
            for url in ("http://127.0.0.1:9/hook?token=SECRET-TOKEN",
                        "http://169.254.169.254/latest/meta-data?token=SECRET-TOKEN",
                        "http://[::1]:8080/hook?token=SECRET-TOKEN",
                        "http://localhost:8080/hook?token=SECRET-TOKEN"):
                with self.subTest(url=url):
                    response = server.request("POST", "/api/execute", {
                        "language": "python", "code": "print(1)", "callbackUrl": url})
                    self.assertEqual((response.status, response.json["error"]["code"]),
                                     (400, "callback_not_allowed"), response)
                    self.assertIn("'callbackUrl'", response.json["error"]["message"])
                    self.assertNotIn("SECRET-TOKEN", response.text)
            self.assertNotIn("SECRET-TOKEN", server.log_text())

    def test_the_job_shows_its_webhook_delivered(self):
        receiver = WebhookReceiver()
        try:
            with Server(env={"WEBHOOK_ALLOW_PRIVATE": "true"}) as server:
                job = server.run({"language": "python", "code": "print(1)",
                                  "callbackUrl": receiver.url + "?token=SECRET-TOKEN"})
                self.assertIn(job["webhook"]["state"], ("pending", "delivering", "delivered"))
                webhook = wait_webhook(server, job["jobId"], "delivered")
                self.assertEqual(webhook, {"state": "delivered", "attempts": 1,
                                           "lastError": None, "lastStatus": 204})
                listed = server.request("GET", "/api/jobs").json["jobs"][0]
                self.assertEqual(listed["webhook"], webhook)
                self.assertEqual(len(receiver.wait(1)), 1)
                self.assertNotIn("SECRET-TOKEN", server.log_text())
        finally:
            receiver.close()

    def test_a_failing_delivery_shows_its_attempts_and_last_error(self):
        closed = socket.create_server(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        closed.close()  # Nothing listens there: every attempt is refused.
        with Server(env={"WEBHOOK_ALLOW_PRIVATE": "true", "WEBHOOK_MAX_ATTEMPTS": "2"}) as server:
            job = server.run({"language": "python", "code": "print(1)",
                              "callbackUrl": f"http://127.0.0.1:{port}/h?token=SECRET-TOKEN"})
            webhook = wait_webhook(server, job["jobId"], "failed")
            self.assertEqual((webhook["attempts"], webhook["lastStatus"]), (2, None))
            self.assertTrue(webhook["lastError"])
            outcome = server.log_events("webhook")
            self.assertEqual(outcome[0]["url"], f"http://127.0.0.1:{port}/h?…")
            self.assertNotIn("SECRET-TOKEN", server.log_text())


def wait_webhook(server, job_id, state, timeout=60):
    """The job's webhook once it is in `state`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        webhook = server.job(job_id)["webhook"]
        if webhook and webhook["state"] == state:
            return webhook
        time.sleep(0.05)
    raise AssertionError(f"the webhook of {job_id} never became {state}: {server.job(job_id)}")


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
