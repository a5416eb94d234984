#!/usr/bin/env python3
"""The registry's /metrics text read by the strict parser, and the parser refusing broken texts."""
import math
import os
import subprocess
import unittest

import prometheus_text

METRICS_DUMP = os.environ["METRICS_DUMP"]


def samples_by_labels(family):
    return {tuple(sorted(labels.items())): value for _, labels, value in family["samples"]}


class RegistryOutputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        text = subprocess.run([METRICS_DUMP], capture_output=True, check=True).stdout.decode()
        cls.families = prometheus_text.parse(text)

    def test_every_family_with_its_type(self):
        types = {name: family["type"] for name, family in self.families.items()}
        self.assertEqual(types, {
            "codearena_http_requests_total": "counter",
            "codearena_started_total": "counter",
            "codearena_jobs_running": "gauge",
            "codearena_special_values": "gauge",
            "codearena_queue_depth": "gauge",
            "codearena_http_request_duration_seconds": "histogram",
            "codearena_job_seconds": "histogram",
        })

    def test_help_and_label_values_read_back_unescaped(self):
        requests = self.families["codearena_http_requests_total"]
        self.assertEqual(requests["help"],
                         'HTTP requests by "method", route and status.\nSee \\docs.')
        self.assertEqual(samples_by_labels(requests), {
            (("method", "GET"), ("route", "/api/jobs/:id"), ("status", "200")): 42,
            (("method", "POST"), ("route", 'quote" backslash\\ newline\n end'),
             ("status", "400")): 0.5,
            (("method", "DELETE"), ("route", 'unicode \u00e9\u2713 {a="b",c}'),
             ("status", "404")): 0,
        })

    def test_special_values(self):
        values = {labels["case"]: value
                  for _, labels, value in self.families["codearena_special_values"]["samples"]}
        self.assertTrue(math.isnan(values.pop("nan")))
        self.assertEqual(values, {"inf": math.inf, "minus_inf": -math.inf, "huge": 1e300,
                                  "tiny": -2.5e-12, "big_integer": 123456789012, "": 1})
        self.assertEqual(self.families["codearena_queue_depth"]["samples"],
                         [("codearena_queue_depth", {"priority": "high"}, 17)])

    def test_histogram_series(self):
        latency = self.families["codearena_http_request_duration_seconds"]
        execute = [(name, labels.get("le"), value) for name, labels, value in latency["samples"]
                   if labels["route"] == "/api/execute"]
        prefix = "codearena_http_request_duration_seconds"
        self.assertEqual(execute[:6], [(prefix + "_bucket", le, count) for le, count in
                                       [("0.005", 2), ("0.01", 2), ("0.1", 3), ("1", 4),
                                        ("10", 5), ("+Inf", 6)]])
        self.assertEqual(execute[6][0], prefix + "_sum")
        self.assertAlmostEqual(execute[6][2], 55.556)
        self.assertEqual(execute[7], (prefix + "_count", None, 6))
        never = samples_by_labels(latency)[(("route", '/never "observed"'),)]
        self.assertEqual(never, 0)  # the _count; the parser checked the buckets agree
        unlabelled = self.families["codearena_job_seconds"]["samples"]
        self.assertEqual([value for _, _, value in unlabelled], [0, 0, 0, 0, 0])


def line_of(text):
    """The line number of the ValueError that parse(text) raises."""
    with unittest.TestCase().assertRaises(ValueError) as raised:
        prometheus_text.parse(text)
    message = str(raised.exception)
    assert message.startswith("line "), message
    return int(message.split(":")[0][len("line "):]), message


class ParserTest(unittest.TestCase):
    def assert_refused(self, text, line, words):
        got_line, message = line_of(text)
        self.assertEqual(got_line, line, message)
        self.assertIn(words, message)

    def test_accepts_what_prometheus_accepts(self):
        families = prometheus_text.parse(
            "# a comment\n"
            "\n"
            "# TYPE up gauge\n"
            "up{job=\"a\",} 1 1700000000000\n"
            "up{ job = \"b\" }\t0\n"
            "# HELP rpc RPC latency.\n"
            "# TYPE rpc summary\n"
            "rpc{quantile=\"0.5\"} 0.25\n"
            "rpc_sum 3.5e1\n"
            "rpc_count 7\n")
        self.assertEqual(families["up"]["samples"],
                         [("up", {"job": "a"}, 1), ("up", {"job": "b"}, 0)])
        self.assertIsNone(families["up"]["help"])
        self.assertEqual(families["rpc"]["samples"][1], ("rpc_sum", {}, 35.0))
        self.assertEqual(prometheus_text.parse(""), {})

    def test_refuses_unknown_types_and_samples_without_type(self):
        self.assert_refused("# TYPE x countr\n", 1, "unknown TYPE")
        self.assert_refused("x 1\n", 1, "before its TYPE")
        self.assert_refused("# HELP x Help.\nx 1\n", 2, "before its TYPE")
        self.assert_refused("# TYPE x gauge\n# TYPE x gauge\n", 2, "second TYPE")
        self.assert_refused("# TYPE x gauge\nx 1\n# TYPE x gauge\n", 3, "after its samples")
        self.assert_refused("# HELP x A.\n# HELP x B.\n", 2, "second HELP")
        self.assert_refused("# TYPE x gauge\nx 1\n# HELP x Late.\n", 3, "after its samples")
        self.assert_refused("# HELP x Lonely.\n", 1, "no TYPE")

    def test_refuses_families_that_come_back(self):
        self.assert_refused("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\n# TYPE x gauge\n",
                            5, "duplicate family x")
        self.assert_refused("# TYPE x gauge\nx{a=\"1\"} 1\n# TYPE y gauge\ny 1\nx{a=\"2\"} 1\n",
                            5, "duplicate family x")
        self.assert_refused("# TYPE h histogram\n# TYPE h_count counter\n", 2, "clashes")

    def test_refuses_bad_label_syntax_and_escapes(self):
        header = "# TYPE x gauge\n"
        for labels, words in [('{a="1"b="2"}', "expected ','"),
                              ("{a=1}", "to open a label value"),
                              ('{1a="1"}', "invalid label name"),
                              ('{a="1}', "unterminated"),
                              ('{a="tab\\t"}', "invalid escape"),
                              ('{a="1",a="2"}', "given twice"),
                              ('{__name__="x"}', "reserved"),
                              ('{a="1"', "expected ','")]:
            with self.subTest(labels=labels):
                self.assert_refused(f"{header}x{labels} 1\n", 2, words)

    def test_refuses_bad_values_and_lines(self):
        header = "# TYPE x gauge\n"
        self.assert_refused(header + "x abc\n", 2, "invalid number")
        self.assert_refused(header + "x infinity\n", 2, "invalid number")
        self.assert_refused(header + "x 1 2 3\n", 2, "a value and an optional timestamp")
        self.assert_refused(header + "x 1 1.5\n", 2, "invalid timestamp")
        self.assert_refused(header + "x\n", 2, "blank before the value")
        self.assert_refused(header + " x 1\n", 2, "starts with a blank")
        self.assert_refused(header + "x 1", 2, "newline")
        self.assert_refused("# HELP x Bad \\t escape.\n", 1, "invalid escape")
        self.assert_refused("# TYPE c counter\nc -1\n", 2, "negative")
        self.assert_refused(header + "x{a=\"1\"} 1\nx{a=\"1\"} 2\n", 3, "duplicate series")

    def test_refuses_broken_histograms(self):
        header = "# TYPE h histogram\n"
        tail = "h_sum 1\nh_count 3\n"
        self.assert_refused(header + 'h_bucket{le="1"} 2\nh_bucket{le="2"} 1\n'
                            'h_bucket{le="+Inf"} 3\n' + tail, 3, "not cumulative")
        self.assert_refused(header + 'h_bucket{le="2"} 1\nh_bucket{le="1"} 2\n'
                            'h_bucket{le="+Inf"} 3\n' + tail, 3, "does not follow")
        self.assert_refused(header + 'h_bucket{le="1"} 1\nh_bucket{le="2"} 3\n' + tail,
                            5, '+Inf')
        self.assert_refused(header + 'h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n' + tail,
                            5, "_count 3 != +Inf bucket 2")
        self.assert_refused(header + 'h_bucket{le="+Inf"} 3\nh_count 3\n', 3, "_sum or _count")
        self.assert_refused(header + "h 3\n", 2, "before its TYPE")
        self.assert_refused(header + 'h_count{le="1"} 3\n', 2, "le label")
        self.assert_refused(header + 'h_bucket{le="one"} 3\n', 2, "invalid number")
        self.assert_refused(header + 'h_bucket{le="1"} NaN\n', 2, "not cumulative")


if __name__ == "__main__":
    unittest.main(verbosity=2)
