"""A real CodeArena cluster for end-to-end tests: a private redis-server, `codearena serve`
nodes with chosen roles, a client that rides out failovers, and a webhook receiver.

    with Cluster(lease_ttl_ms=3000) as cluster:
        cluster.start_node("sched-a", ["api", "scheduler"])
        cluster.start_node("worker-1", ["worker"])
        cluster.wait_members({"sched-a", "worker-1"})
        job_id = cluster.client.submit({"language": "python", "code": "print(1)"})
        job = cluster.client.wait_final([job_id])[job_id]

Every process is killed when the `with` block ends; when it ends with an exception the tail of
each node's log goes to stderr, so a failure shows what the nodes saw. With CLUSTER_LOG_DIR set
the whole logs are copied to a new folder in it.
"""
import http.client
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from api_support import NotYet, Server, WebhookReceiver, free_port, wait_until

FINAL_STATES = ("completed", "failed", "cancelled")

API_SCHEDULER = ("api", "scheduler")  # an API node that may lead
WORKER = ("worker",)

# 503 answers a client is told to retry: nothing was queued.
RETRYABLE_REFUSALS = ("no_leader", "queue_full", "shutting_down")
# 503 answers after which the job may or may not exist: retried, but counted as ambiguous.
AMBIGUOUS_REFUSALS = ("unavailable",)

CLIENT_RETRY_PAUSE = 0.1  # seconds; shorter than Retry-After so failover is measured finely
# Longer than the nodes' own 10 s bound on an unanswered request, so that their answer is seen.
CLIENT_REQUEST_TIMEOUT = 30


class Unavailable(NotYet):
    """A node answered 503: it cannot tell yet (no leader known, for instance)."""


def _encode_command(args):
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def _read_reply(stream):
    """One RESP reply: status and bulk strings as str, integers as int, arrays as lists,
    errors as RedisError."""
    line = stream.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:].decode()
    if kind == b"+":
        return rest
    if kind == b"-":
        raise RedisError(rest)
    if kind == b":":
        return int(rest)
    if kind == b"$":
        if int(rest) < 0:
            return None
        data = stream.read(int(rest) + 2)
        return data[:-2].decode("utf-8", "replace")
    if kind == b"*":
        return None if int(rest) < 0 else [_read_reply(stream) for _ in range(int(rest))]
    raise RedisError(f"unexpected reply {line!r}")


class RedisError(Exception):
    pass


class RedisServer:
    """A private redis-server on a free loopback port in its own temporary directory. Every
    write is appended to the AOF and synced before it is acknowledged, so kill() then start()
    (same port, same directory) finds every acknowledged write again. With a password, clients
    must AUTH (requirepass)."""

    def __init__(self, password=None):
        self.directory = tempfile.mkdtemp(prefix="codearena-redis-")
        self.port = free_port()
        self.password = password
        self.process = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        """Starts redis-server (again) and waits until it has loaded its data."""
        with open(os.path.join(self.directory, "redis.log"), "ab") as log:
            self.process = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                 "--dir", self.directory, "--appendonly", "yes", "--appendfsync", "always",
                 "--save", "", "--daemonize", "no",
                 *(["--requirepass", self.password] if self.password else [])],
                stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self.process.poll() is None and self.command("PING") == "PONG",
                   timeout, f"redis-server on port {self.port}:\n{self.log_text()}")

    def kill(self):
        """kill -9: whatever was not synced to the AOF is lost."""
        self.process.kill()
        self.process.wait()

    def command(self, *args):
        """Sends one command on a fresh connection and returns the decoded reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            commands = [("AUTH", self.password)] if self.password else []
            connection.sendall(b"".join(_encode_command(c) for c in [*commands, args]))
            with connection.makefile("rb") as stream:
                try:
                    for _ in commands:
                        _read_reply(stream)
                    return _read_reply(stream)
                except RedisError as error:
                    if str(error).startswith("LOADING"):
                        raise ConnectionRefusedError(str(error)) from error
                    raise

    def log_text(self):
        with open(os.path.join(self.directory, "redis.log"), encoding="utf-8",
                  errors="replace") as log:
            return log.read()

    def close(self):
        if self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.directory, ignore_errors=True)


class Node(Server):
    """One `codearena serve` of a cluster, with its node id and roles. A node with the scheduler
    role also gets a cluster port of its own (only scheduler nodes accept cluster connections)."""

    def __init__(self, node_id, roles, *flags, env=None, up_path="/health"):
        self.node_id = node_id
        self.roles = list(roles)
        self.cluster_port = free_port() if "scheduler" in self.roles else None
        self.paused = False
        listen = ["--cluster-listen", self.cluster_address] if self.cluster_port else []
        super().__init__("--node-id", node_id, "--roles", ",".join(self.roles), *listen, *flags,
                         env=env, up_path=up_path)

    @property
    def cluster_address(self):
        return self.cluster_port and f"127.0.0.1:{self.cluster_port}"

    def pause(self):
        super().pause()
        self.paused = True

    def resume(self):
        super().resume()
        self.paused = False

    def log_tail(self, lines=80, skip_events=("http_request",)):
        """The last lines of the node's log, without the events named in skip_events."""
        kept = []
        for line in self.log_text().splitlines():
            try:
                if json.loads(line).get("event") in skip_events:
                    continue
            except ValueError:
                pass
            kept.append(line)
        return "\n".join(kept[-lines:])


class Cluster:
    """Redis (unless redis=False) plus the nodes started with start_node(). The timing
    settings go to every node; so do `flags` and `env`. With webhooks=True a WebhookReceiver
    listens and every node may call it back on loopback. `stats_headers` go with the harness's
    /api/stats requests (an admin's bearer token when the nodes check tokens)."""

    def __init__(self, redis=True, lease_ttl_ms=3000, heartbeat_ms=500, node_timeout_ms=3000,
                 worker_slots=2, webhooks=False, flags=(), env=None, stats_headers=None):
        self.redis = RedisServer() if redis else None
        self.receiver = WebhookReceiver() if webhooks else None
        self.nodes = {}
        self.retired = []  # nodes killed or exited, kept for their logs
        self.common_flags = ["--lease-ttl", f"{lease_ttl_ms}ms",
                             "--heartbeat-interval", f"{heartbeat_ms}ms",
                             "--node-timeout", f"{node_timeout_ms}ms",
                             "--workers", str(worker_slots), *flags]
        if self.redis:
            self.common_flags += ["--redis", self.redis.url]
        if webhooks:
            self.common_flags += ["--webhook-allow-private", "true"]
        self.env = env or {}
        self.stats_headers = stats_headers or {}
        self.client = ClusterClient(self)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is not None:
            self.dump_logs()
        self.close()

    def close(self):
        """Kills everything; with CLUSTER_LOG_DIR set, first copies every log there."""
        if os.environ.get("CLUSTER_LOG_DIR"):
            os.makedirs(os.environ["CLUSTER_LOG_DIR"], exist_ok=True)
            keep = tempfile.mkdtemp(prefix="cluster-", dir=os.environ["CLUSTER_LOG_DIR"])
            sys.stderr.write(f"cluster logs kept in {keep}\n")
            for node in [*self.nodes.values(), *self.retired]:
                shutil.copyfile(node.log_file.name, os.path.join(keep, f"{node.node_id}.log"))
            if self.redis:
                shutil.copyfile(os.path.join(self.redis.directory, "redis.log"),
                                os.path.join(keep, "redis.log"))
        for node in [*self.nodes.values(), *self.retired]:
            node.__exit__(None, None, None)
        if self.redis:
            self.redis.close()
        if self.receiver:
            self.receiver.close()

    def start_node(self, node_id, roles, *flags, join=None, up_path="/health"):
        """Starts a node and returns it once its HTTP port answers (see Server)."""
        if join:
            flags = ("--join", join, *flags)
        node = Node(node_id, roles, *self.common_flags, *flags, env=self.env, up_path=up_path)
        self.nodes[node_id] = node
        return node

    def start_leading_pair(self, api_ids=("sched-a", "sched-b"), worker_ids=("worker-1",)):
        """Starts API nodes that may lead and the workers; once every API node lists them all
        and names the same leader, returns the leader's id."""
        for node_id in api_ids:
            self.start_node(node_id, API_SCHEDULER)
        for node_id in worker_ids:
            self.start_node(node_id, WORKER)
        self.wait_members({*api_ids, *worker_ids})
        return self.wait_leader()

    def retire(self, node_id):
        """Forgets a node that was killed or has exited; its log is kept."""
        node = self.nodes.pop(node_id)
        self.retired.append(node)
        return node

    def kill(self, node_id):
        """kill -9 of a node, then retire()."""
        self.nodes[node_id].kill()
        return self.retire(node_id)

    def api_nodes(self, but=None):
        """The nodes with the api role that are running and not paused, but the one named `but`."""
        return [node for node in self.nodes.values()
                if "api" in node.roles and node.alive() and not node.paused
                and node.node_id != but]

    def stats(self, node):
        """The node's /api/stats; raises Unavailable on 503."""
        response = node.request("GET", "/api/stats", headers=self.stats_headers, timeout=5)
        if response.status == 503:
            raise Unavailable(f"/api/stats of {node.node_id}: {response}")
        if response.status != 200:
            raise AssertionError(f"/api/stats of {node.node_id}: {response}")
        return response.json

    def view(self, node):
        """The `cluster` object of a node's /api/stats."""
        return self.stats(node)["cluster"]

    def members(self, node):
        """{node id: entry} of the nodes one API node lists."""
        return {entry["id"]: entry for entry in self.view(node)["nodes"]}

    def agreed_view(self):
        """The cluster object when every API node names the same leader, else None."""
        views = [self.view(node) for node in self.api_nodes()]
        if views and views[0]["leader"] and all(v["leader"] == views[0]["leader"] for v in views):
            return views[0]
        return None

    def wait_leader(self, timeout=30, not_id=None):
        """The leader's id once every API node names the same one (other than not_id)."""
        def leader():
            view = self.agreed_view()
            return view and view["leader"] != not_id and view["leader"]
        return wait_until(leader, timeout, f"a leader other than {not_id}")

    def wait_members(self, ids, timeout=30):
        """Waits until every API node lists exactly the nodes in ids."""
        wanted = set(ids)
        return wait_until(
            lambda: all(set(self.members(node)) == wanted for node in self.api_nodes()),
            timeout, f"the API nodes to list exactly {sorted(wanted)}")

    def busy_slots(self, node_id):
        """How many slots of node_id are running jobs, as the API nodes see it (0 if unlisted)."""
        for node in self.api_nodes():
            entry = self.members(node).get(node_id)
            if entry is not None:
                return entry["busy"]
        return 0

    def wait_busy(self, node_id, timeout=60):
        return wait_until(lambda: self.busy_slots(node_id) > 0, timeout,
                          f"{node_id} to run a job", pause=0.02)

    def dump_logs(self):
        for node in [*self.nodes.values(), *self.retired]:
            status = "running" if node.alive() else f"exit {node.process.returncode}"
            sys.stderr.write(f"\n----- log of {node.node_id} ({status}) -----\n")
            sys.stderr.write(node.log_tail() + "\n")
        if self.redis:
            sys.stderr.write("\n----- redis-server -----\n" + self.redis.log_text()[-3000:])


class ClusterClient:
    """Submits through whichever API node answers, as a client behind a load balancer would:
    refusals that ask for a retry and connection errors are retried on the next live API node
    until a deadline. `ambiguous` counts the attempts after which a job may exist without the
    client having learnt its id (the connection broke after the request was sent)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.ambiguous = 0
        self.refusals = {}
        self._turn = itertools.count()

    def _next_node(self, nodes):
        candidates = nodes or self.cluster.api_nodes()
        if not candidates:
            raise OSError("no API node is running")
        return candidates[next(self._turn) % len(candidates)]

    def submit(self, job, timeout=60, nodes=None):
        """The job id, once an API node has accepted the job; nodes limits where it is sent."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                response = self._next_node(nodes).request("POST", "/api/execute", job,
                                                          timeout=CLIENT_REQUEST_TIMEOUT)
                if response.status in (200, 202):
                    return response.json["jobId"]
                code = (response.json or {}).get("error", {}).get("code")
                if response.status != 503 or code not in RETRYABLE_REFUSALS + AMBIGUOUS_REFUSALS:
                    raise AssertionError(f"submission refused: {response}")
                self.refusals[code] = self.refusals.get(code, 0) + 1
                self.ambiguous += code in AMBIGUOUS_REFUSALS
                last = response
            except ConnectionRefusedError as error:
                last = error
            except (OSError, http.client.HTTPException) as error:
                self.ambiguous += 1
                last = error
            if time.monotonic() > deadline:
                raise AssertionError(f"no API node accepted the job within {timeout} s: {last}")
            time.sleep(CLIENT_RETRY_PAUSE)

    def job(self, job_id, node=None):
        """The job as node (or any live API node) reports it; None when unknown (404);
        Unavailable while the node cannot tell (503: no leader known)."""
        response = (node or self._next_node(None)).request("GET", f"/api/jobs/{job_id}",
                                                           timeout=CLIENT_REQUEST_TIMEOUT)
        if response.status == 404:
            return None
        if response.status == 503:
            raise Unavailable(f"GET /api/jobs/{job_id}: {response}")
        if response.status != 200:
            raise AssertionError(f"GET /api/jobs/{job_id}: {response}")
        return response.json

    def wait_final(self, job_ids, timeout=120, nodes=None, pause=0.05):
        """{id: job} once every job is final, read through live API nodes (or `nodes`)."""
        pending, final = list(job_ids), {}
        deadline = time.monotonic() + timeout
        while pending:
            try:
                job = self.job(pending[0], self._next_node(nodes))
                if job and job["state"] in FINAL_STATES:
                    final[pending.pop(0)] = job
                    continue
            except (OSError, http.client.HTTPException, Unavailable):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(pending)} jobs not final after {timeout} s, e.g. "
                                     f"{pending[0]}: {self._last_seen(pending[0])}")
            time.sleep(pause)
        return final

    def _last_seen(self, job_id):
        try:
            return self.job(job_id)
        except (OSError, http.client.HTTPException, Unavailable) as error:
            return error
