#!/usr/bin/env python3
"""The dashboards and rules of monitoring/ against real data: a real Prometheus (Debian's)
scrapes a real `codearena serve` while it runs jobs; then every panel's query of every
dashboard returns data, and every recording and alerting rule evaluates without error."""
import datetime
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from api_support import Server, WebhookReceiver, free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
PROMETHEUS = os.environ.get("PROMETHEUS", "prometheus")
# What Grafana puts in for its interval variables; long enough for two scrapes a second apart.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
JOBS = [
    {"language": "python", "code": "print(1)"},
    {"language": "python", "code": "print(2)", "testCases": [{"input": "", "expectedOutput": "1"}]},
    {"language": "c", "code": "int main() { return 0; }"},
    {"language": "c", "code": "int main() { return 0; }"},
]


def panel_queries():
    """(dashboard file, panel title, query) of every panel target, variables put in."""
    for path in sorted((MONITORING / "grafana").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                query = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    query = query.replace(variable, value)
                yield path.name, panel["title"], query


class Prometheus:
    """A private Prometheus scraping `target` every second, with the project's rules."""

    def __init__(self, target):
        self.directory = tempfile.TemporaryDirectory(prefix="codearena-prometheus-")
        config = pathlib.Path(self.directory.name) / "prometheus.yml"
        config.write_text(json.dumps({
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(MONITORING / "prometheus" / "rules.yml")],
            "scrape_configs": [{"job_name": "codearena",
                                "static_configs": [{"targets": [target]}]}],
        }))
        self.port = free_port()
        self.log = open(pathlib.Path(self.directory.name) / "prometheus.log", "w+")
        self.process = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}",
             f"--storage.tsdb.path={self.directory.name}/data",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT)

    def get(self, path, **params):
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def query(self, expr):
        answer = self.get("/api/v1/query", query=expr)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def wait_until(self, what, condition, timeout=120):
        """Polls condition() (which may raise while Prometheus starts) until it holds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"prometheus exited: {self.log_text()}")
            try:
                if condition():
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.log_text()}")
            time.sleep(0.1)

    def last_scrape(self):
        """When the last scrape of the only target started, in seconds since the epoch."""
        (target,) = self.get("/api/v1/targets")["data"]["activeTargets"]
        return timestamp(target["lastScrape"])

    def log_text(self):
        self.log.seek(0)
        return self.log.read()[-4000:]

    def close(self):
        self.process.terminate()
        self.process.wait(60)
        self.log.close()
        self.directory.cleanup()


def timestamp(text):
    return datetime.datetime.fromisoformat(text).timestamp()


def value(result):
    return float(result[0]["value"][1]) if result else 0.0


class DashboardQueriesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = WebhookReceiver()
        cls.server = Server("--workers", "2", env={"WEBHOOK_ALLOW_PRIVATE": "true"})
        cls.prometheus = Prometheus(f"127.0.0.1:{cls.server.port}")
        prometheus = cls.prometheus
        prometheus.wait_until("the node's target to be up",
                              lambda: value(prometheus.query('up{job="codearena"}')) == 1)
        # A series starts at its first scraped value: rates need a second round of jobs after
        # Prometheus has seen the first.
        for batch in (1, 2):
            for job in JOBS:
                cls.server.run(job)
            cls.server.run({"language": "python", "code": "print(1)",
                            "callbackUrl": cls.receiver.url})
            cls.server.request("GET", "/api/jobs/unknown")
            finished = batch * (len(JOBS) + 1)
            prometheus.wait_until(f"a scrape after batch {batch}", lambda: value(
                prometheus.query("sum(codearena_jobs_total)")) >= finished)
            prometheus.wait_until("the webhook's outcome", lambda: value(prometheus.query(
                'sum(codearena_webhook_deliveries_total{outcome="delivered"})')) >= batch)
        # A scrape may count a job as ended and still see its slot busy (the two are read
        # one after the other): the next scrape sees both ended.
        jobs_ended = time.time()
        prometheus.wait_until("a scrape after the jobs ended",
                              lambda: prometheus.last_scrape() > jobs_ended)
        cls.jobs_scraped = time.time()
        prometheus.wait_until("every rule evaluated", cls.rules_evaluated)

    @classmethod
    def rules_evaluated(cls):
        rules = [rule for group in cls.prometheus.get("/api/v1/rules")["data"]["groups"]
                 for rule in group["rules"]]
        return rules and all(rule["health"] != "unknown" for rule in rules)

    @classmethod
    def rules_evaluated_since(cls, moment):
        groups = cls.prometheus.get("/api/v1/rules")["data"]["groups"]
        return groups and all(
            timestamp(group["lastEvaluation"]) > moment
            for group in groups)

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.close()
        cls.server.terminate()
        cls.receiver.close()

    def test_there_are_five_dashboards_with_a_datasource_variable(self):
        paths = sorted((MONITORING / "grafana").glob("*.json"))
        self.assertEqual([path.stem for path in paths],
                         ["errors", "languages", "overview", "performance", "resources"])
        for path in paths:
            dashboard = json.loads(path.read_text())
            variables = {v["name"]: v for v in dashboard["templating"]["list"]}
            self.assertEqual(variables["datasource"]["query"], "prometheus", path.name)
            for panel in dashboard["panels"]:
                self.assertEqual(panel["datasource"]["uid"], "${datasource}", panel["title"])

    def test_every_panel_query_returns_data(self):
        queries = list(panel_queries())
        self.assertGreater(len(queries), 30)
        for dashboard, title, query in queries:
            with self.subTest(dashboard=dashboard, panel=title):
                result = self.prometheus.query(query)
                self.assertTrue(result, query)
                # NaN is what a quantile or ratio of nothing gives: the query is wrong.
                self.assertTrue(any(math.isfinite(float(series["value"][1]))
                                    for series in result), f"{query}: {result}")

    def test_every_rule_evaluates_without_error(self):
        for group in self.prometheus.get("/api/v1/rules")["data"]["groups"]:
            for rule in group["rules"]:
                with self.subTest(rule=rule["name"]):
                    self.assertEqual(rule["health"], "ok", rule.get("lastError"))

    def test_a_healthy_node_fires_no_alert(self):
        alerts = self.prometheus.get("/api/v1/alerts")["data"]["alerts"]
        self.assertEqual([alert["labels"]["alertname"] for alert in alerts], [])

    def test_the_recording_rules_see_the_jobs(self):
        # Rules are evaluated every second, independently of the scrapes: a recorded value may
        # still be of a scrape taken while the last jobs ran. Wait for an evaluation that
        # followed the scrape in which every job had ended.
        self.prometheus.wait_until("a rule evaluation after the last jobs were scraped",
                                   lambda: self.rules_evaluated_since(self.jobs_scraped))
        self.assertGreater(self.recorded("codearena:jobs:rate5m"), 0)
        self.assertEqual(self.recorded("codearena:queue_depth_jobs:max"), 0)
        self.assertEqual(self.recorded("codearena:slots_busy:ratio"), 0)

    def recorded(self, rule):
        result = self.prometheus.query(rule)
        self.assertEqual(len(result), 1, f"{rule}: {result}")
        return float(result[0]["value"][1])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
