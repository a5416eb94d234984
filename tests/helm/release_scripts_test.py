#!/usr/bin/env python3
"""tools/deploy.sh and tools/uninstall.sh hand helm the release, the namespace and the rest of
their arguments as documented. A stand-in `helm` first on PATH writes down what it was given:
what is checked is the command line, not a cluster."""
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
RECORDING_HELM = "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$HELM_ARGS_FILE\"\n"


class ReleaseScriptsTest(unittest.TestCase):
    def setUp(self):
        scratch = tempfile.TemporaryDirectory()
        self.addCleanup(scratch.cleanup)
        self.scratch = pathlib.Path(scratch.name)
        helm = self.scratch / "bin" / "helm"
        helm.parent.mkdir()
        helm.write_text(RECORDING_HELM)
        helm.chmod(0o755)
        self.recorded = self.scratch / "helm-args"
        self.env = dict(os.environ, PATH=f"{helm.parent}:{os.environ['PATH']}",
                        HELM_ARGS_FILE=str(self.recorded))

    def helm_args(self, script, *args):
        """Runs tools/SCRIPT from the scratch directory; the arguments helm was called with."""
        done = subprocess.run([ROOT / "tools" / script, *args], cwd=self.scratch, env=self.env,
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        return self.recorded.read_text().splitlines()

    def test_deploy_installs_the_chart_with_values_named_from_the_callers_directory(self):
        (self.scratch / "prod.yaml").write_text("api:\n  replicas: 2\n")
        self.assertEqual(
            self.helm_args("deploy.sh", "-n", "arena", "-r", "blue", "-f", "prod.yaml", "--wait"),
            ["upgrade", "--install", "blue", "charts/codearena", "--namespace", "arena",
             "--create-namespace", "--values", str(self.scratch / "prod.yaml"), "--wait"])

    def test_deploy_defaults_to_the_codearena_release_and_namespace(self):
        self.assertEqual(self.helm_args("deploy.sh"),
                         ["upgrade", "--install", "codearena", "charts/codearena",
                          "--namespace", "codearena", "--create-namespace"])

    def test_uninstall_removes_the_release_and_passes_the_rest_on(self):
        self.assertEqual(self.helm_args("uninstall.sh", "--namespace", "arena", "--keep-history"),
                         ["uninstall", "codearena", "--namespace", "arena", "--keep-history"])

    def test_help_prints_each_scripts_own_usage_without_calling_helm(self):
        for script, usage in (("deploy.sh", "tools/deploy.sh [-n NAMESPACE] [-r RELEASE] [-f"),
                              ("uninstall.sh", "tools/uninstall.sh [-n NAMESPACE] [-r RELEASE]")):
            with self.subTest(script=script):
                done = subprocess.run([ROOT / "tools" / script, "--help"], env=self.env,
                                      capture_output=True, text=True, timeout=60)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn(usage, done.stdout)
                self.assertNotIn("set -euo pipefail", done.stdout)
                self.assertFalse(self.recorded.exists())

    def test_an_option_without_its_value_is_refused_before_helm_runs(self):
        done = subprocess.run([ROOT / "tools" / "deploy.sh", "-n"], env=self.env,
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("-n needs a value", done.stderr)
        self.assertFalse(self.recorded.exists())


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
