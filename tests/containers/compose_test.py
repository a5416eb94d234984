"""compose.yaml for real, with podman: images built from this build's binaries, the cluster up on
host port 3001, jobs in every language, a worker container killed mid-run (its jobs finish on the
other), dispatch by language to a worker without Java, and `down -v` leaving nothing behind.

Environment: CODEARENA_BUILD_DIR (the build whose bin/ holds codearena and codearena-box)."""
import json
import os
import secrets
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

import yaml

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROJECT = f"codearena-ct{os.getpid()}"
API = "http://127.0.0.1:3001"
LIMITS = ["--ulimit", "nofile=16384:16384", "--ulimit", "nproc=32768:32768"]
# The least the workers need: podman's default seccomp profile (docs/containers.md).
SECCOMP = "/usr/share/containers/seccomp.json"
# The compose file's services without the monitoring profile (podman-compose 1.0 has no profiles).
CLUSTER = ["redis", "api-a", "api-b", "worker-1", "worker-2"]

SOURCES = {
    "python": "print(int(input()) * 2)\n",
    "javascript": "console.log(Number(require('fs').readFileSync(0, 'utf8')) * 2);\n",
    "c": "#include <stdio.h>\nint main(void) { long n; scanf(\"%ld\", &n); "
         "printf(\"%ld\\n\", n * 2); return 0; }\n",
    "cpp": "#include <bits/stdc++.h>\nint main() { long n; std::cin >> n; "
           "std::cout << n * 2 << '\\n'; }\n",
    "java": "public class Main { public static void main(String[] a) { "
            "long n = new java.util.Scanner(System.in).nextLong(); "
            "System.out.println(n * 2); } }\n",
}
# Sleeps long enough to be caught running when its worker is killed, then answers.
SLOW = "import time\ntime.sleep(5)\nprint('done')\n"


def run(*command, env=None, check=True):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n"
                             f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def request(method, path, body=None, timeout=120):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(what, condition, timeout=180):
    """Polls `condition` until it returns something true and returns that; fails after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = condition()
            if last:
                return last
        except (OSError, ValueError) as error:  # not listening yet, connection reset
            last = error
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def job(language, number=21):
    return {"language": language, "code": SOURCES[language], "input": f"{number}\n"}


def submit(spec):
    status, body = request("POST", "/api/execute", spec)
    assert status == 202, (status, body)
    return body["jobId"]


def final(job_id, timeout=180):
    def finished():
        status, body = request("GET", f"/api/jobs/{job_id}")
        return body if status == 200 and body["state"] in ("completed", "failed", "cancelled") \
            else None
    return wait_for(f"job {job_id} to finish", finished, timeout)


def workers():
    """The cluster's worker nodes by id, from the leader's stats."""
    status, body = request("GET", "/api/stats", timeout=10)
    if status != 200 or "cluster" not in body:
        return {}
    return {node["id"]: node for node in body["cluster"]["nodes"] if "worker" in node["roles"]}


class ComposeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.version = run("sed", "-n", r"s/^project(codearena VERSION \([0-9.]*\).*/\1/p",
                          "CMakeLists.txt").strip()
        build_env = dict(os.environ, BUILD_DIR=os.environ.get("CODEARENA_BUILD_DIR", "build"),
                         ENGINE="podman")
        run("tools/build-images.sh", "api", "worker", "worker-python", "redis", env=build_env)
        cls.env = dict(os.environ, CLUSTER_SECRET=secrets.token_hex(32), REDIS_PASSWORD=secrets.token_hex(16),
                       CODEARENA_VERSION=cls.version,
                       REDIS_IMAGE=f"codearena/redis:{cls.version}", WORKER_SECCOMP=SECCOMP)
        cls.up = False

    def compose(self, *args, check=True):
        return run("podman-compose", "-p", PROJECT, "-f", "compose.yaml", *args, env=self.env,
                   check=check)

    def container(self, service):
        return f"{PROJECT}_{service}_1"

    def leftovers(self):
        label = f"label=io.podman.compose.project={PROJECT}"
        return {
            "containers": run("podman", "ps", "-a", "-q", "--filter", label).split(),
            "volumes": [v for v in run("podman", "volume", "ls", "-q").split()
                        if v.startswith(PROJECT + "_")],
            "networks": [n for n in run("podman", "network", "ls", "-q").split()
                         if n.startswith(PROJECT + "_")],
        }

    def tearDown(self):
        if self.up:  # a failed run still cleans up after itself
            run("podman", "rm", "-f", "-i", self.container("worker-nojava"), check=False)
            self.compose("down", "-v", check=False)
            run("podman", "network", "rm", "-f", f"{PROJECT}_default", check=False)

    def test_compose_cluster(self):
        self.compose("up", "-d", *CLUSTER)
        self.up = True
        wait_for("two workers to join the leader", lambda: len(workers()) == 2)

        with self.subTest("Redis refuses a client without REDIS_PASSWORD"):
            answer = run("podman", "exec", self.container("redis"), "redis-cli", "ping")
            self.assertIn("NOAUTH", answer)

        with self.subTest("a job in every language through port 3001"):
            ids = {language: submit(job(language)) for language in SOURCES}
            for language, job_id in ids.items():
                body = final(job_id)
                self.assertEqual(body["result"]["verdict"], "AC", (language, body))
                self.assertEqual(body["result"]["tests"][0]["stdout"], "42\n", language)

        with self.subTest("a killed worker's jobs finish on the other"):
            slots = sum(node["slots"] for node in workers().values())
            slow = [submit({"language": "python", "code": SLOW}) for _ in range(slots)]
            busy = wait_for("both workers to run jobs", lambda: all(
                node["busy"] > 0 for node in workers().values()) and workers())
            self.assertEqual(len(busy), 2)
            run("podman", "kill", self.container("worker-1"))
            wait_for("worker-1 to be lost", lambda: "worker-1" not in workers())
            for job_id in slow:
                self.assertEqual(final(job_id)["result"]["tests"][0]["stdout"], "done\n")
            self.assertTrue(any(final(job_id)["attempts"] > 1 for job_id in slow),
                            "no job ran again after its worker was killed")
            for language in SOURCES:
                self.assertEqual(final(submit(job(language, 5)))["result"]["tests"][0]["stdout"],
                                 "10\n", language)

        with self.subTest("dispatch by language: a worker without Java gets no Java job"):
            self.check_dispatch_by_language()

        self.compose("down", "-v")
        self.up = False
        if self.compose_version() < (1, 3):  # `down` removes networks since podman-compose 1.3
            run("podman", "network", "rm", f"{PROJECT}_default")
        self.assertEqual(self.leftovers(), {"containers": [], "volumes": [], "networks": []})

    @staticmethod
    def compose_version():
        text = run("/usr/bin/python3", "-c", "import podman_compose; print(podman_compose.__version__)")
        return tuple(int(part) for part in text.strip().split(".")[:2])

    def check_dispatch_by_language(self):
        self.compose("stop", "worker-1", "worker-2")  # worker-1 may be back: unless-stopped
        wait_for("no worker left", lambda: not workers())
        worker = yaml.safe_load(open(os.path.join(ROOT, "compose.yaml")))["x-worker"]
        privileges = ["--cap-drop", "ALL", *(f"--cap-add={cap}" for cap in worker["cap_add"]),
                      "--security-opt", "apparmor=unconfined",
                      "--security-opt", f"seccomp={SECCOMP}",
                      "--cgroupns", "host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw"]
        run("podman", "run", "-d", "--name", self.container("worker-nojava"), *LIMITS,
            *privileges, "--network", f"{PROJECT}_default",
            "-e", "REDIS_URL=redis://redis:6379", "-e", f"REDIS_PASSWORD={self.env['REDIS_PASSWORD']}",
            "-e", f"CLUSTER_SECRET={self.env['CLUSTER_SECRET']}",
            "-e", "NODE_ID=worker-nojava", f"codearena/worker-python:{self.version}")
        joined = wait_for("the Python worker to join", lambda: workers().get("worker-nojava"))
        # No WORKER_LANGUAGES given: the image's toolchains decide.
        self.assertEqual(joined["languages"], ["python"], joined)
        java = submit(job("java", 4))
        python = submit(job("python", 4))
        self.assertEqual(final(python)["result"]["tests"][0]["stdout"], "8\n")
        status, body = request("GET", f"/api/jobs/{java}")
        self.assertEqual((status, body["state"]), (200, "queued"), body)
        self.compose("start", "worker-2")
        self.assertEqual(final(java)["result"]["tests"][0]["stdout"], "8\n")
        run("podman", "rm", "-f", self.container("worker-nojava"))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[1:], verbosity=2)
