#!/usr/bin/env python3
"""Every alert of monitoring/prometheus/rules.yml has a severity, a summary, a description and
a runbook_url naming a section of docs/monitoring.md (its anchor as GitHub renders it), and
every alert is tested by rules.test.yml."""
import pathlib
import re
import sys
import unittest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
RULES = ROOT / "monitoring" / "prometheus"


def anchors(markdown):
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    for line in markdown.splitlines():
        heading = re.match(r"#+\s+(.*)", line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            yield text.replace(" ", "-")


class RunbookTest(unittest.TestCase):
    def setUp(self):
        groups = yaml.safe_load((RULES / "rules.yml").read_text())["groups"]
        self.alerts = [rule for group in groups for rule in group["rules"] if "alert" in rule]

    def test_every_alert_is_documented_and_labelled(self):
        sections = set(anchors((ROOT / "docs" / "monitoring.md").read_text()))
        self.assertGreaterEqual(len(self.alerts), 10)
        for alert in self.alerts:
            with self.subTest(alert=alert["alert"]):
                self.assertIn(alert["labels"]["severity"], ("critical", "warning"))
                self.assertTrue(alert["annotations"]["summary"])
                self.assertTrue(alert["annotations"]["description"])
                path, _, anchor = alert["annotations"]["runbook_url"].partition("#")
                self.assertEqual(path, "docs/monitoring.md")
                self.assertEqual(anchor, alert["alert"].lower())
                self.assertIn(anchor, sections)

    def test_every_alert_has_a_unit_test(self):
        tests = yaml.safe_load((RULES / "rules.test.yml").read_text())["tests"]
        tested = {case["alertname"] for test in tests for case in test["alert_rule_test"]}
        self.assertEqual(tested, {alert["alert"] for alert in self.alerts})


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
