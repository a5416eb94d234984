"""The chart's configuration runs: the API and worker containers of `helm template`, with the
environment and files Kubernetes would give them, start as real `codearena serve` nodes on a
private redis-server that requires the chart's Redis password; the chart's `helm test` script gets the verdict AC through them, and a
worker stopped as Kubernetes stops a pod finishes its job first.

Only what a machine without Kubernetes cannot give is replaced: the pod IP is 127.0.0.1, the
nodes listen on loopback ports, and REDIS_URL names the private redis-server.

Usage: rendered_nodes_test.py TOOLS_DIR (see chart_test.py); CODEARENA names the binary.
"""
import base64
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import unittest

import jwt
import yaml

from api_support import Server, free_port
from cluster_harness import RedisServer, wait_until

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "codearena"
TOOLS = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else "")
LOOPBACK = "127.0.0.1"


def render(values_file, *sets):
    args = [str(TOOLS / "bin" / "helm"), "template", "ca", str(CHART), "-f", str(values_file)]
    for assignment in sets:
        args += ["--set", assignment]
    result = subprocess.run(args, capture_output=True, text=True, check=True)
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


class Pod:
    """One rendered container, given what Kubernetes would give it: its environment (ConfigMaps,
    Secrets, the downward API, $(VAR) references) and its mounted files, under `root`."""

    def __init__(self, objects, component, root):
        by_kind = {(o["kind"], o["metadata"]["name"]): o for o in objects}
        workload = next(o for o in objects if o["kind"] == "Deployment" and
                        o["metadata"]["labels"]["app.kubernetes.io/component"] == component)
        self.name = workload["metadata"]["name"]
        spec = workload["spec"]["template"]["spec"]
        container = spec["containers"][0]
        self.root = pathlib.Path(root) / component
        self.mounts = self._mount(spec["volumes"], container["volumeMounts"], by_kind)
        self.env = self._environment(container, by_kind)

    @staticmethod
    def _files(volume, by_kind):
        if "configMap" in volume:
            source = by_kind[("ConfigMap", volume["configMap"]["name"])]["data"]
            items = volume["configMap"].get("items")
            return {item["path"]: source[item["key"]].encode() for item in items}
        secret = by_kind[("Secret", volume["secret"]["secretName"])]["data"]
        return {item["path"]: base64.b64decode(secret[item["key"]]) for item in volume["secret"]["items"]}

    def _mount(self, volumes, volume_mounts, by_kind):
        """Writes the mounted files; returns {path in the container: path here}."""
        volumes = {v["name"]: v for v in volumes}
        mounts = {}
        for mount in volume_mounts:
            volume = volumes[mount["name"]]
            if "emptyDir" in volume:
                continue
            files = self._files(volume, by_kind)
            here = self.root / mount["name"]
            here.mkdir(parents=True)
            for path, content in files.items():
                (here / path).write_bytes(content)
            mounts[mount["mountPath"]] = str(here / mount["subPath"]) if "subPath" in mount else str(here)
        return mounts

    def _local_path(self, value):
        for container_path, here in self.mounts.items():
            if value == container_path or value.startswith(container_path + "/"):
                return here + value[len(container_path):]
        return value

    def _environment(self, container, by_kind):
        env = {}
        for source in container.get("envFrom", []):
            env.update(by_kind[("ConfigMap", source["configMapRef"]["name"])]["data"])
        fields = {"metadata.name": self.name + "-0", "status.podIP": LOOPBACK}
        for item in container["env"]:
            if "value" in item:
                value = re.sub(r"\$\((\w+)\)", lambda m: env[m[1]], item["value"])
            elif "fieldRef" in item["valueFrom"]:
                value = fields[item["valueFrom"]["fieldRef"]["fieldPath"]]
            else:
                ref = item["valueFrom"]["secretKeyRef"]
                value = base64.b64decode(by_kind[("Secret", ref["name"])]["data"][ref["key"]]).decode()
            env[item["name"]] = self._local_path(value)
        return env


class RenderedNodes(unittest.TestCase):
    """An API node and a worker node started from the chart's auth.yaml rendering."""

    def setUp(self):
        cluster_port = free_port()
        objects = render(ROOT / "tests" / "helm" / "values" / "auth.yaml", f"cluster.port={cluster_port}")
        self.grace_seconds = {o["metadata"]["labels"]["app.kubernetes.io/component"]:
                              o["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
                              for o in objects if o["kind"] == "Deployment"}
        secret = next(o for o in objects if o["kind"] == "Secret")
        redis = RedisServer(password=base64.b64decode(secret["data"]["redis-password"]).decode())
        self.addCleanup(redis.close)
        root = tempfile.TemporaryDirectory()
        self.addCleanup(root.cleanup)
        self.api, self.worker = Pod(objects, "api", root.name), Pod(objects, "worker-all", root.name)
        for pod in (self.api, self.worker):
            pod.env["REDIS_URL"] = redis.url
            self.assertTrue(os.path.isfile(pod.env["CODEARENA_LANGUAGES"]))
            self.assertTrue(os.path.isfile(pod.env["JWT_PUBLIC_KEY_FILE"]))
            self.assertEqual(pod.env["REDIS_PASSWORD"], redis.password)
        self.assertEqual(self.api.env["CLUSTER_ADVERTISE"], f"{LOOPBACK}:{cluster_port}")
        listen = ["--cluster-listen", f"{LOOPBACK}:{cluster_port}"]
        self.api_node = self.enterContext(Server(*listen, env=self.api.env))
        self.worker_node = self.enterContext(Server(env=self.worker.env))
        # Ready once the worker's slots reached the leader: the readiness probe's path.
        self.api_node.wait_up("/ready")

    def authorization(self, scope="jobs:submit jobs:read"):
        claims = {"sub": "chart-test", "scope": scope, "exp": int(time.time()) + 600,
                  "iss": self.api.env["JWT_ISSUER"], "aud": self.api.env["JWT_AUDIENCE"]}
        return {"Authorization": "Bearer " + jwt.encode(claims, self.api.env["JWT_SECRET"], "HS256")}

    def test_the_helm_test_job_gets_its_verdict(self):
        test = subprocess.run(
            [sys.executable, str(CHART / "files" / "smoke_test.py")], capture_output=True, text=True,
            env={**os.environ, "API_URL": f"http://{LOOPBACK}:{self.api_node.port}",
                 **{name: self.api.env[name] for name in ("JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE")}})
        self.assertEqual(test.returncode, 0, test.stdout + test.stderr + self.api_node.log_text())
        self.assertIn("verdict AC", test.stdout)

    def test_a_terminated_worker_finishes_its_job_within_the_pods_grace_period(self):
        job = {"language": "python", "code": "import time\ntime.sleep(4)\nprint('done')",
               "testCases": [{"input": "", "expectedOutput": "done"}]}
        submitted = self.api_node.request("POST", "/api/execute", job, self.authorization())
        self.assertEqual(submitted.status, 202, submitted)
        job_path = f"/api/jobs/{submitted.json['jobId']}"
        # "active" is set when the leader dispatches; a run that reaches a draining worker is
        # handed back. The worker's "started" hop says the job runs on it.
        timeline_path = f"/api/admin/inspect/jobs/{submitted.json['jobId']}"
        wait_until(lambda: "started" in [hop["event"] for hop in self.api_node.request(
                       "GET", timeline_path, headers=self.authorization("admin")).json["timeline"]],
                   60, "the worker to start the job")
        # What Kubernetes does when it scales the pool down: SIGTERM, SIGKILL after the grace.
        exit_code = self.worker_node.terminate(timeout=self.grace_seconds["worker-all"])
        self.assertEqual(exit_code, 0, self.worker_node.log_text())
        final = self.api_node.request("GET", job_path, headers=self.authorization()).json
        self.assertEqual((final["state"], (final["result"] or {}).get("verdict")), ("completed", "AC"), final)


class WrongRedisPassword(unittest.TestCase):
    def test_a_node_with_another_password_stops_saying_redis_refused_it_and_never_shows_it(self):
        objects = render(ROOT / "tests" / "helm" / "values" / "defaults.yaml", f"cluster.port={free_port()}")
        redis = RedisServer(password="the-password-redis-requires")
        self.addCleanup(redis.close)
        root = tempfile.TemporaryDirectory()
        self.addCleanup(root.cleanup)
        api = Pod(objects, "api", root.name)
        api.env.update(REDIS_URL=redis.url, REDIS_PASSWORD="a-password-redis-refuses")
        node = self.enterContext(Server("--cluster-listen", f"{LOOPBACK}:{free_port()}", env=api.env,
                                        up_path=None))
        self.assertEqual(node.process.wait(timeout=60), 1)
        self.assertIn("redis: AUTH: WRONGPASS", node.log_text())
        self.assertNotIn("a-password-redis-refuses", node.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
