#!/usr/bin/env python3
"""http/openapi.json against the live server: the document is well-formed OpenAPI 3.0, every
answer a real server gives validates against the schema documented for its path, method and
status, and every documented operation, status and error code is actually produced."""
import http.client
import json
import os
import re
import sys
import time
import unittest
import uuid

from api_support import SLEEPER, Server, free_port, raw_request
from tokens import SECRET, bearer, hs256

DOCUMENT_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "http", "openapi.json")
METHODS = ("get", "put", "post", "delete", "patch")
# Keywords the validator understands or that only document; any other keyword in a schema is
# an error, so the document cannot lean on a rule the test silently skips.
VALIDATED_KEYWORDS = {"type", "nullable", "required", "properties", "additionalProperties",
                      "items", "enum", "oneOf", "anyOf", "allOf", "minimum", "maximum",
                      "exclusiveMinimum", "minLength", "maxLength", "format"}
DOCUMENTING_KEYWORDS = {"description", "example", "title"}
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The job service failing to answer in time cannot be provoked from outside; operations
# answering that use this shared response and are exempt from the status coverage check.
UNPROVOKABLE_RESPONSE = "#/components/responses/Unavailable"
UNPROVOKABLE_CODES = {"unavailable"}


class OpenApi:
    """A loaded OpenAPI 3.0 document with a validator for the subset of JSON Schema it uses."""

    def __init__(self, document):
        self.document = document

    def resolve(self, node):
        """Follows $ref (local JSON pointers only) until a node without one."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/"):
                raise KeyError(f"unusable $ref {ref}")
            seen.add(ref)
            node = self.document
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def schema_problems(self, schema, where):
        """Keywords of a schema (and its subschemas) that the validator would not check."""
        schema = self.resolve(schema)
        problems = [f"{where}: unknown keyword {key}" for key in schema
                    if key not in VALIDATED_KEYWORDS | DOCUMENTING_KEYWORDS]
        children = [(f"{where}.properties.{name}", child)
                    for name, child in schema.get("properties", {}).items()]
        children += [(f"{where}.{key}[{i}]", child) for key in ("oneOf", "anyOf", "allOf")
                     for i, child in enumerate(schema.get(key, []))]
        if "items" in schema:
            children.append((f"{where}.items", schema["items"]))
        if isinstance(schema.get("additionalProperties"), dict):
            children.append((f"{where}.additionalProperties", schema["additionalProperties"]))
        for child_where, child in children:
            if not (isinstance(child, dict) and "$ref" in child):  # Named schemas are checked once.
                problems += self.schema_problems(child, child_where)
        return problems

    def errors(self, value, schema, where="$"):
        """Every way `value` breaks `schema`, as readable lines (empty when it conforms)."""
        schema = self.resolve(schema)
        if value is None and schema.get("nullable"):
            return []
        problems = []
        for part in schema.get("allOf", []):
            problems += self.errors(value, part, where)
        for key, wanted in (("oneOf", lambda n: n == 1), ("anyOf", lambda n: n >= 1)):
            if key in schema:
                matches = sum(not self.errors(value, option, where) for option in schema[key])
                if not wanted(matches):
                    details = [self.errors(value, option, where) for option in schema[key]]
                    problems.append(f"{where}: {matches} of {key} match: {details}")
        if "type" in schema and not self.has_type(value, schema["type"]):
            return problems + [f"{where}: {json.dumps(value)[:80]} is not {schema['type']}"]
        if "enum" in schema and value not in schema["enum"]:
            problems.append(f"{where}: {value!r} not in {schema['enum']}")
        problems += self.number_errors(value, schema, where)
        problems += self.string_errors(value, schema, where)
        if isinstance(value, dict):
            problems += self.object_errors(value, schema, where)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                problems += self.errors(item, schema["items"], f"{where}[{i}]")
        return problems

    @staticmethod
    def has_type(value, name):
        checks = {"object": lambda v: isinstance(v, dict),
                  "array": lambda v: isinstance(v, list),
                  "string": lambda v: isinstance(v, str),
                  "boolean": lambda v: isinstance(v, bool),
                  "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                  "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
        return checks[name](value)

    @staticmethod
    def number_errors(value, schema, where):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return []
        problems = []
        if "minimum" in schema:
            low = schema["minimum"]
            if value < low or (schema.get("exclusiveMinimum") and value == low):
                problems.append(f"{where}: {value} is below the minimum {low}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{where}: {value} is above the maximum {schema['maximum']}")
        return problems

    @staticmethod
    def string_errors(value, schema, where):
        if not isinstance(value, str):
            return []
        problems = []
        if len(value) < schema.get("minLength", 0):
            problems.append(f"{where}: shorter than {schema['minLength']}")
        if len(value) > schema.get("maxLength", len(value)):
            problems.append(f"{where}: longer than {schema['maxLength']}")
        pattern = {"date-time": DATE_TIME, "uuid": UUID}.get(schema.get("format"))
        if pattern and not pattern.match(value):
            problems.append(f"{where}: {value!r} is not a {schema['format']}")
        return problems

    def object_errors(self, value, schema, where):
        problems = [f"{where}: missing {name}" for name in schema.get("required", [])
                    if name not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                problems += self.errors(item, properties[name], f"{where}.{name}")
            elif extra is False:
                problems.append(f"{where}: undocumented property {name}")
            elif isinstance(extra, dict):
                problems += self.errors(item, extra, f"{where}.{name}")
        return problems

    def operations(self):
        """(path, method, operation) of every documented operation."""
        for path, item in self.document["paths"].items():
            for method in METHODS:
                if method in item:
                    yield path, method, item[method]

    def template_for(self, path):
        """The documented path template a concrete path matches, or None."""
        for template in self.document["paths"]:
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            if re.match(pattern, path):
                return template
        return None


def load_document():
    with open(DOCUMENT_PATH, encoding="utf-8") as source:
        text = source.read()
    return text, OpenApi(json.loads(text))


FILE_TEXT, API = load_document()


def every_ref(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for child in node.values():
            yield from every_ref(child)
    elif isinstance(node, list):
        for child in node:
            yield from every_ref(child)


class DocumentTest(unittest.TestCase):
    def test_the_served_document_is_the_file(self):
        with Server() as server:
            response = server.request("GET", "/api/openapi.json")
            Ledger.check(self, "GET", "/api/openapi.json", response)
            self.assertEqual(response.text, FILE_TEXT)

    def test_the_document_is_openapi_3_0(self):
        document = API.document
        self.assertEqual(document["openapi"], "3.0.3")
        self.assertTrue(document["info"]["title"] and document["info"]["version"])
        self.assertTrue(document["paths"])
        for ref in every_ref(document):
            with self.subTest(ref=ref):
                API.resolve({"$ref": ref})
        operation_ids = [operation["operationId"] for _, _, operation in API.operations()]
        self.assertEqual(len(operation_ids), len(set(operation_ids)))
        for path, item in document["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            self.assertLessEqual(set(item), {"parameters", "summary", "description", *METHODS})
            declared = {API.resolve(p)["name"] for p in item.get("parameters", [])
                        if API.resolve(p)["in"] == "path"}
            self.assertEqual(declared, set(re.findall(r"\{([^}]+)\}", path)), path)
        for path, method, operation in API.operations():
            with self.subTest(operation=f"{method} {path}"):
                self.assertTrue(operation["summary"])
                self.assertTrue(operation["responses"])
                for status, response in operation["responses"].items():
                    self.assertRegex(status, r"^[1-5]\d\d$")
                    response = API.resolve(response)
                    self.assertTrue(response["description"])
                    # A 304 has no body (RFC 9110, 15.4.5); every other answer has one.
                    self.assertEqual("content" in response, status != "304", status)

    def test_every_schema_uses_only_checked_keywords(self):
        problems = []
        for name, schema in API.document["components"]["schemas"].items():
            problems += API.schema_problems(schema, name)
        for path, method, operation in API.operations():
            for status, response in operation["responses"].items():
                for media_type, media in API.resolve(response).get("content", {}).items():
                    problems += API.schema_problems(
                        media["schema"], f"{method} {path} {status} {media_type}")
        self.assertEqual(problems, [])

    def test_the_examples_match_their_schemas(self):
        request = API.document["paths"]["/api/execute"]["post"]["requestBody"]["content"]
        for name, example in request["application/json"]["examples"].items():
            with self.subTest(example=name):
                self.assertEqual(API.errors(example["value"],
                                            request["application/json"]["schema"]), [])
        for path, method, operation in API.operations():
            for status, response in operation["responses"].items():
                for media in API.resolve(response).get("content", {}).values():
                    if "example" in media:
                        with self.subTest(example=f"{method} {path} {status}"):
                            self.assertEqual(API.errors(media["example"], media["schema"]), [])

    def test_the_validator_catches_drift(self):
        job = API.document["components"]["schemas"]["Job"]
        good = {"jobId": str(uuid.uuid4()), "state": "queued",
                "progress": {"done": 0, "skipped": 0, "total": 1}, "result": None,
                "failedReason": None,
                "attempts": 0, "language": "python", "priority": "normal",
                "createdAt": "2024-05-01T10:00:00.123Z", "startedAt": None, "finishedAt": None,
                "webhook": None}
        self.assertEqual(API.errors(good, job), [])
        for broken in ({**good, "surprise": 1}, {**good, "state": "sleeping"},
                       {**good, "attempts": -1}, {**good, "createdAt": "yesterday"},
                       {**good, "createdAt": None}, {**good, "progress": {"done": 0}},
                       {**good, "jobId": "42"}, {**good, "result": {"verdict": "AC"}},
                       {key: value for key, value in good.items() if key != "language"}):
            with self.subTest(broken=broken):
                self.assertNotEqual(API.errors(broken, job), [])


class Ledger:
    """Every (path, method, status) and error code the live servers produced, checked on entry
    against the document."""

    seen = set()
    codes = set()

    @classmethod
    def check(cls, test, method, path, response):
        template = API.template_for(path.split("?")[0])
        test.assertIsNotNone(template, f"{path} is not documented")
        operation = API.document["paths"][template].get(method.lower())
        test.assertIsNotNone(operation, f"{method} {template} is not documented")
        status = str(response.status)
        test.assertIn(status, operation["responses"],
                      f"{method} {template} answered an undocumented {response}")
        documented = API.resolve(operation["responses"][status])
        for name, header in documented.get("headers", {}).items():
            header = API.resolve(header)
            value = response.headers.get(name.lower())
            if value is None:
                test.assertFalse(header.get("required"), f"{name} missing: {response}")
            else:
                typed = int(value) if header["schema"]["type"] == "integer" else value
                test.assertEqual(API.errors(typed, header["schema"]), [], name)
        cls.seen.add((template, method.lower(), status))
        if status == "304":
            test.assertEqual(response.text, "", f"{method} {path}: a 304 with a body")
            return response
        media_type = response.headers["content-type"].split(";")[0].strip()
        test.assertIn(media_type, documented["content"], f"{method} {template} {status}")
        media = documented["content"][media_type]
        if media_type == "application/json":
            test.assertEqual(API.errors(response.json, media["schema"]), [],
                             f"{method} {path} {status}: {response}")
            if isinstance(response.json, dict) and "error" in response.json:
                cls.codes.add(response.json["error"]["code"])
        elif media_type == "text/event-stream":
            for name, data in parse_events(test, response.text):
                test.assertIn(name, media["x-events"])
                test.assertEqual(API.errors(data, media["x-events"][name]), [], name)
        return response


def parse_events(test, text):
    """(event, data) pairs of a text/event-stream body; every line must be a known kind."""
    events, name, data = [], None, []
    for line in text.split("\n")[:-1]:
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: "):
            data.append(line[len("data: "):])
        elif line.startswith("id: "):
            test.assertRegex(line, r"^id: a\d+-(t\d+|[a-z]+)$")
        elif line == "":
            if name:
                events.append((name, json.loads("\n".join(data))))
            name, data = None, []
        else:
            test.assertTrue(line.startswith(":"), f"stray line in the stream: {line!r}")
    test.assertIsNone(name, "the stream ended inside an event")
    return events


def quick(code, **fields):
    return {"language": "python", "code": code, **fields}


class LiveTest(unittest.TestCase):
    """One small server for the whole matrix: one sandbox slot, a queue of one, small limits."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "1", "--queue-max-depth", "1", "--max-code-size", "1000",
                            "--max-test-cases", "3", "--max-test-size", "100",
                            "--max-body-size", "4k", "--wait-timeout", "2s")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def call(self, method, path, body=None, headers=None):
        return Ledger.check(self, method, path, self.server.request(method, path, body, headers))

    def refused(self, body, status, code, headers=None):
        if not isinstance(body, dict):
            headers = {"Content-Type": "application/json", **(headers or {})}
        response = self.call("POST", "/api/execute", body, headers)
        self.assertEqual((response.status, response.json["error"]["code"]), (status, code),
                         response)

    def test_the_read_only_endpoints(self):
        self.assertEqual(self.call("GET", "/health").status, 200)
        self.assertEqual(self.call("GET", "/ready").json["status"], "ready")
        self.assertEqual(self.call("GET", "/api/stats").status, 200)
        languages = self.call("GET", "/api/languages").json["languages"]
        self.assertIn("python", [language["id"] for language in languages])
        self.assertEqual(self.call("GET", "/metrics").status, 200)

    def test_every_refusal_of_a_submission(self):
        ok = quick("print(1)")
        self.refused("{oops", 400, "invalid_json")
        self.refused("[1]", 400, "invalid_body")
        self.refused({"language": "python"}, 400, "missing_field")
        self.refused({**ok, "priority": "urgent"}, 400, "invalid_field")
        self.refused("x" * 5000, 413, "payload_too_large")
        self.refused({**ok, "code": "#" * 1001}, 413, "code_too_large")
        self.refused({**ok, "testCases": [{"input": "1" * 101}]}, 413, "test_too_large")
        self.refused({**ok, "language": "cobol"}, 422, "unknown_language")
        self.refused({**ok, "limits": {"time": 3600}}, 422, "limit_too_high")
        self.refused({**ok, "testCases": [{}] * 4}, 422, "too_many_tests")
        self.refused({**ok, "callbackUrl": "ftp://example.com/"}, 422, "invalid_callback_url")
        self.refused({**ok, "callbackUrl": "http://127.0.0.1/hook"}, 400, "callback_not_allowed")
        self.refused("language=python", 415, "unsupported_media_type",
                     {"Content-Type": "application/x-www-form-urlencoded"})

    def test_requests_refused_before_they_reach_the_job_service(self):
        self.refused(quick("print(1)", timeLimitMs=500), 400, "unknown_field")
        self.assertEqual(self.call("POST", "/api/execute?wait=%zz", quick("print(1)")).status, 400)
        not_http = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                               b"Content-Length: many\r\n\r\n")
        Ledger.check(self, "POST", "/api/execute", not_http)
        announced = raw_request(self.server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: application/json\r\n"
                                b"Content-Length: 1000000\r\n\r\n")
        Ledger.check(self, "POST", "/api/execute", announced)
        self.assertEqual((not_http.status, announced.status), (400, 413))

    def test_judging_with_wait_and_following_a_job(self):
        judged = self.call("POST", "/api/execute?wait=true", quick(
            "print(int(input()) * 2)", checker={"type": "float", "epsilon": 0.1},
            limits={"time": "2s", "memory": 64, "output": 16},
            testCases=[{"input": "1", "expectedOutput": "2"}, {"input": "2", "expectedOutput": "5"},
                       {"input": "x"}]))
        self.assertEqual((judged.status, judged.json["result"]["verdict"]), (200, "WA"), judged)
        crashed = self.call("POST", "/api/execute", {
            "language": "c", "code": "int main(void) { volatile int *p = 0; return *p; }",
            "wait": True})
        self.assertEqual(crashed.json["result"]["tests"][0]["signal"], "SIGSEGV", crashed)
        broken = self.call("POST", "/api/execute?wait=true",
                           {"language": "c", "code": "int main(void) { return }"})
        self.assertEqual(broken.json["result"]["verdict"], "CE", broken)

        slow = quick("import time\ntime.sleep(0.4)\nprint(input())",
                     testCases=[{"input": "a", "expectedOutput": "a"}, {"input": "b"}])
        accepted = self.call("POST", "/api/execute", slow)
        self.assertEqual(accepted.status, 202)
        job_id = accepted.json["jobId"]
        events = self.call("GET", f"/api/jobs/{job_id}/events")
        kinds = [name for name, _ in parse_events(self, events.text)]
        self.assertIn("test", kinds)
        self.assertEqual(kinds[-1], "state")
        finished = self.call("GET", f"/api/jobs/{job_id}")
        self.assertEqual(finished.json["state"], "completed")
        reconnected = self.call("GET", f"/api/jobs/{job_id}/events",
                                headers={"Last-Event-ID": "a1-completed"})
        self.assertEqual(reconnected.status, 204)
        listed = self.call("GET", "/api/jobs?limit=1")
        self.assertEqual(listed.json["jobs"][0]["jobId"], job_id)
        refused = self.call("GET", "/api/jobs?state=sleeping")
        self.assertEqual((refused.status, refused.json["error"]["code"]), (400, "invalid_query"))
        self.assertEqual(self.call("DELETE", f"/api/jobs/{job_id}").status, 409)
        timeline = self.call("GET", f"/api/admin/inspect/jobs/{job_id}").json["timeline"]
        self.assertEqual(timeline[-1]["event"], "completed")
        self.assertEqual(self.call("GET", "/api/admin/inspect/nodes").json["nodes"][0]["leader"],
                         True)
        self.assertEqual(self.call("GET", "/api/admin/inspect/actors").status, 200)
        missing = self.call("GET", "/api/admin/inspect/actors?node=nowhere")
        self.assertEqual((missing.status, missing.json["error"]["code"]), (404, "node_not_found"))

    def test_query_refusals_and_conditional_gets(self):
        refused = self.call("POST", "/api/execute?wait=yes", quick("print(1)"))
        self.assertEqual((refused.status, refused.json["error"]["code"]), (400, "invalid_query"))
        location = self.call("POST", "/api/execute", quick("print(1)")).headers["location"]
        job = self.server.wait_final(location.rsplit("/", 1)[1])
        etag = self.call("GET", location).headers["etag"]
        unchanged = self.call("GET", location, headers={"If-None-Match": etag})
        self.assertEqual((unchanged.status, unchanged.headers["etag"]), (304, etag), job)

    def test_unknown_jobs(self):
        unknown = str(uuid.uuid4())
        for method, path in (("GET", f"/api/jobs/{unknown}"), ("DELETE", f"/api/jobs/{unknown}"),
                             ("GET", f"/api/jobs/{unknown}/events"), ("GET", "/api/jobs/42"),
                             ("GET", f"/api/admin/inspect/jobs/{unknown}")):
            self.assertEqual(self.call(method, path).status, 404)

    def test_a_full_queue_a_wait_that_runs_out_and_cancels(self):
        running = self.call("POST", "/api/execute", SLEEPER).json["jobId"]
        self.server.wait_state(running, "active")
        self.assertIsNotNone(self.call("GET", f"/api/jobs/{running}").json["startedAt"])
        waited = self.call("POST", "/api/execute?wait=true", SLEEPER)
        self.assertEqual((waited.status, waited.json["state"]), (202, "queued"), waited)
        full = self.call("POST", "/api/execute", quick("print(1)"))
        self.assertEqual((full.status, full.json["error"]["code"]), (503, "queue_full"), full)
        self.assertEqual(self.call("GET", "/api/stats").json["queue"]["depth"], 1)
        self.assertEqual(self.call("GET", "/ready").json["queueDepth"], 1)
        for job_id in (waited.json["jobId"], running):
            self.assertEqual(self.call("DELETE", f"/api/jobs/{job_id}").status, 200)
            self.assertEqual(self.server.wait_final(job_id)["state"], "cancelled")
            self.call("GET", f"/api/jobs/{job_id}")


class ConfiguredServersTest(unittest.TestCase):
    """Answers that need a server configured, or shutting down, to give them."""

    def test_rate_limit_and_metrics_turned_off(self):
        with Server(env={"API_RATE_LIMIT": "2", "METRICS_ENABLED": "false"}) as server:
            statuses = [Ledger.check(self, "POST", "/api/execute", server.request(
                "POST", "/api/execute", quick("print(1)"))).status for _ in range(3)]
            self.assertEqual(statuses, [202, 202, 429])
            self.assertEqual(Ledger.check(self, "GET", "/metrics",
                                          server.request("GET", "/metrics")).status, 404)

    def test_a_client_over_its_connection_limit(self):
        # From 127.0.0.2: the connections that saw the server up (127.0.0.1) may still count.
        with Server(env={"MAX_CONNECTIONS_PER_CLIENT": "1"}) as server:
            held = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60,
                                              source_address=("127.0.0.2", 0))
            held.request("GET", "/health")
            self.assertEqual(held.getresponse().status, 200)
            refused = Ledger.check(self, "POST", "/api/execute", raw_request(
                server.port, b"POST /api/execute HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.2"))
            self.assertEqual((refused.status, refused.json["error"]["code"]),
                             (429, "too_many_connections"))
            held.close()

    def test_nodes_without_the_api_role_or_a_leader(self):
        with Server("--roles", "scheduler,worker") as server:
            refused = Ledger.check(self, "POST", "/api/execute",
                                   server.request("POST", "/api/execute", quick("print(1)")))
            self.assertEqual((refused.status, refused.json["error"]["code"]),
                             (404, "not_an_api_node"))
            listing = Ledger.check(self, "GET", "/api/jobs", server.request("GET", "/api/jobs"))
            self.assertEqual(listing.status, 404)
        # Joins a leader that is not there: the API is up, but nobody schedules.
        with Server("--roles", "api", "--join", f"127.0.0.1:{free_port()}") as server:
            refused = Ledger.check(self, "POST", "/api/execute",
                                   server.request("POST", "/api/execute", quick("print(1)")))
            self.assertEqual((refused.status, refused.json["error"]["code"]), (503, "no_leader"))
            self.assertIn("retry-after", refused.headers)

    def test_authentication_refusals(self):
        """Every operation with a scope (x-scope) refuses a missing token, a forged one and a
        valid one without its scope."""
        with Server(env={"JWT_SECRET": SECRET, "METRICS_AUTH": "true"}) as server:
            job_id = str(uuid.uuid4())
            for path, method, operation in API.operations():
                if "x-scope" not in operation:
                    continue
                concrete = path.replace("{id}", job_id)
                body = quick("print(1)") if method == "post" else None
                others = " ".join(scope for scope in ("jobs:submit", "jobs:read")
                                  if scope != operation["x-scope"])
                for token, status, code in ((None, 401, "unauthorized"),
                                            (hs256(key="forged"), 401, "invalid_token"),
                                            (hs256(scope=others), 403, "insufficient_scope")):
                    with self.subTest(operation=f"{method} {path}", code=code):
                        headers = bearer(token) if token else {}
                        response = Ledger.check(self, method.upper(), concrete, server.request(
                            method.upper(), concrete, body, headers))
                        self.assertEqual((response.status, response.json["error"]["code"]),
                                         (status, code), response)

    def test_a_server_shutting_down(self):
        with Server("--workers", "1", "--shutdown-grace", "5s") as server:
            running = server.submit(SLEEPER).json["jobId"]
            server.wait_state(running, "active")
            server.process.send_signal(15)
            deadline = time.monotonic() + 5
            while server.request("GET", "/ready").status != 503:
                self.assertLess(time.monotonic(), deadline, "/ready never said 503")
                time.sleep(0.05)
            ready = Ledger.check(self, "GET", "/ready", server.request("GET", "/ready"))
            self.assertEqual(ready.json["status"], "shutting_down")
            refused = Ledger.check(self, "POST", "/api/execute",
                                   server.request("POST", "/api/execute", quick("print(1)")))
            self.assertEqual(refused.json["error"]["code"], "shutting_down")
            server.process.wait(60)


class CoverageTest(unittest.TestCase):
    """Runs last: whatever the document promises was seen from a live server."""

    def test_every_documented_operation_and_status_was_produced(self):
        missing = []
        for path, method, operation in API.operations():
            for status, response in operation["responses"].items():
                if response.get("$ref") != UNPROVOKABLE_RESPONSE and \
                        (path, method, status) not in Ledger.seen:
                    missing.append(f"{method.upper()} {path} {status}")
        self.assertEqual(missing, [])

    def test_every_documented_error_code_was_produced(self):
        documented = set()
        for name, schema in API.document["components"]["schemas"].items():
            if name.startswith("Error"):
                documented |= set(schema["properties"]["error"]["properties"]["code"]["enum"])
        self.assertEqual(documented - UNPROVOKABLE_CODES - Ledger.codes, set())


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    for case in (DocumentTest, LiveTest, ConfiguredServersTest, CoverageTest):
        suite.addTests(loader.loadTestsFromTestCase(case))
    return suite


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
