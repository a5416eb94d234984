"""TLS between nodes: a worker with a certificate from the cluster's CA joins a TLS leader and
runs its jobs, and so does one that knows the cluster's secret; a node without TLS, with a
certificate from another CA or with another secret never joins, and its failed handshakes do not
disturb the leader's connections to its members."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from api_support import Server, free_port


def make_ca(directory, name):
    key, cert = os.path.join(directory, f"{name}-ca.key"), os.path.join(directory, f"{name}-ca.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", f"/CN={name} cluster CA", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return key, cert


def make_node_certificate(directory, ca, node):
    ca_key, ca_cert = ca
    key, request, cert = (os.path.join(directory, f"{node}.{suffix}")
                          for suffix in ("key", "csr", "pem"))
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={node}",
                    "-keyout", key, "-out", request], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", request, "-CA", ca_cert, "-CAkey", ca_key,
                    "-CAcreateserial", "-days", "2", "-out", cert], check=True, capture_output=True)
    return ["--cluster-tls", "true", "--cluster-tls-cert", cert, "--cluster-tls-key", key,
            "--cluster-tls-ca", ca_cert]


def node_ids(server):
    return sorted(node["id"] for node in server.request("GET", "/api/stats").json["cluster"]["nodes"])


def wait_for_nodes(server, expected, seconds=20):
    deadline = time.monotonic() + seconds
    while node_ids(server) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"nodes {node_ids(server)}, expected {expected}")
        time.sleep(0.1)


def wait_for_failed_tries(server, tries=2, seconds=60):
    """Waits until `server` has logged `tries` failed attempts to reach the leader."""
    deadline = time.monotonic() + seconds
    while len(server.log_events("leader_unreachable")) < tries:
        if time.monotonic() > deadline:
            raise AssertionError(f"no {tries} failed tries to reach the leader:\n{server.log_text()}")
        time.sleep(0.1)


class TlsTest(unittest.TestCase):
    def check_admission(self, leader_tls, member_tls, outsiders):
        """A leader and a member with `leader_tls`/`member_tls` form a cluster that runs jobs; each
        outsider (id -> its flags) fails to join, and its failed handshakes do not disturb the
        leader's connection to the member."""
        cluster_port = free_port()
        join = ["--join", f"127.0.0.1:{cluster_port}", "--roles", "worker", "--workers", "1"]
        with Server("--node-id", "leader", "--roles", "api,scheduler",
                    "--cluster-listen", f"127.0.0.1:{cluster_port}", *leader_tls) as leader, \
                Server("--node-id", "member", *join, *member_tls) as member:
            wait_for_nodes(leader, ["leader", "member"])
            # ?wait=true answers at WAIT_TIMEOUT with the job as it stands: on a loaded
            # machine the member may not have finished yet, so the test waits for the job.
            job_id = leader.submit({"language": "python", "code": "print(6 * 7)"},
                                   "?wait=true").json["jobId"]
            judged = leader.wait_state(job_id, "completed", timeout=120)
            self.assertEqual(judged["result"]["tests"][0]["stdout"], "42\n")
            servers = [Server("--node-id", name, *join, *flags) for name, flags in outsiders.items()]
            try:
                for outsider in servers:
                    wait_for_failed_tries(outsider)
                for name in outsiders:
                    self.assertNotIn(name, node_ids(leader))
            finally:
                for outsider in servers:
                    outsider.__exit__(None, None, None)
            # A failed handshake once left its error in the I/O thread's OpenSSL error
            # queue, and the leader then dropped its healthy connection to the member at
            # its next read: a job after the outsiders crosses that connection both ways.
            job_id = leader.submit({"language": "python", "code": "print(6 * 9)"}).json["jobId"]
            judged = leader.wait_state(job_id, "completed", timeout=120)
            self.assertEqual(judged["result"]["tests"][0]["stdout"], "54\n")
            lost = member.log_events("leader_lost")
            self.assertEqual(lost, [], member.log_text())

    def test_only_nodes_with_the_cluster_certificates_join(self):
        with tempfile.TemporaryDirectory() as directory:
            ca = make_ca(directory, "ours")
            other_ca = make_ca(directory, "other")
            self.check_admission(make_node_certificate(directory, ca, "leader"),
                                 make_node_certificate(directory, ca, "member"),
                                 {"plain": [],
                                  "stranger": make_node_certificate(directory, other_ca,
                                                                    "stranger")})

    def test_only_nodes_with_the_cluster_secret_join(self):
        secret = ["--cluster-secret", "aWp4wLq3m9ZtR2vN8cYbK5sJ0fHdUeGx7oTiAnP1"]
        self.check_admission(secret, secret,
                             {"plain": [],
                              "anonymous": ["--cluster-tls", "true"],
                              "stranger": ["--cluster-secret",
                                           "another cluster's secret, also 32 bytes"],
                              "certified": make_node_certificate(
                                  self.scratch(), make_ca(self.scratch(), "some"), "certified")})

    def scratch(self):
        if not hasattr(self, "_scratch"):
            self._scratch = tempfile.mkdtemp()
            self.addCleanup(shutil.rmtree, self._scratch)
        return self._scratch


if __name__ == "__main__":
    unittest.main()
