"""A real `codearena serve` for API tests: started on a free port, spoken to over real HTTP."""
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time

from descriptors import tcp_ports

CODEARENA = os.environ.get("CODEARENA", "codearena")


class NotYet(Exception):
    """Raised by a predicate of wait_until() when it cannot tell yet."""


def wait_until(predicate, timeout, what, pause=0.05):
    """Polls predicate until it returns something truthy and returns that; raises
    AssertionError naming `what` after timeout seconds. A connection error or NotYet counts as
    not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, http.client.HTTPException, NotYet):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(pause)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text)
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.text[:300]}>"


def raw_request(port, data, source="127.0.0.1"):
    """Sends `data` as it is on a new connection from `source` to 127.0.0.1:port and reads until
    the server closes it (a reset, when it closed before reading all of `data`, ends the answer
    too): for requests no HTTP client library would send. The answer as a Response."""
    with socket.create_connection(("127.0.0.1", port), timeout=60,
                                  source_address=(source, 0)) as connection:
        received = b""
        try:
            connection.sendall(data)
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Response(int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, body)


class Server:
    """One node (every role unless flags say otherwise). Flags go to `codearena serve`; env adds
    variables. The constructor returns once GET `up_path` answers 200 (None: at once). With
    tls_ca (the file of the CA that signed the node's certificate) it is spoken to over HTTPS."""

    def __init__(self, *flags, env=None, start_timeout=120, up_path="/health", tls_ca=None):
        self.port = free_port()
        self.tls = ssl.create_default_context(cafile=tls_ca) if tls_ca else None
        self.log_file = tempfile.NamedTemporaryFile(prefix="codearena-serve-", suffix=".log")
        full_env = dict(os.environ)
        full_env.setdefault("LOG_LEVEL", "info")
        full_env.setdefault("API_RATE_LIMIT", "0")
        full_env.update(env or {})
        self.process = subprocess.Popen(
            [CODEARENA, "serve", "--host", "127.0.0.1", "--port", str(self.port), *flags],
            stdout=subprocess.DEVNULL, stderr=self.log_file, env=full_env)
        if up_path is not None:
            self.wait_up(up_path, start_timeout)

    def wait_up(self, path="/health", timeout=120):
        """Waits until GET path answers 200; raises with the log if the process exits first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"codearena serve exited with {self.process.returncode}:\n"
                                   + self.log_text())
            try:
                if self.request("GET", path, timeout=5).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError("codearena serve did not come up:\n" + self.log_text())
            time.sleep(0.05)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def connection(self, timeout=60):
        if self.tls:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=60):
        connection = self.connection(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            if body is not None:
                headers = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Response(response.status, {k.lower(): v for k, v in response.getheaders()},
                            response.read())
        finally:
            connection.close()

    def submit(self, job, query=""):
        response = self.request("POST", "/api/execute" + query, job)
        if response.status not in (200, 202):
            raise AssertionError(f"submission refused: {response}")
        return response

    def job(self, job_id, headers=None):
        """GET /api/jobs/<job_id>'s JSON, with `headers` (a bearer token, for instance)."""
        return self.request("GET", f"/api/jobs/{job_id}", headers=headers).json

    def wait_final(self, job_id, timeout=120, headers=None):
        """The job once its state is final, polled with `headers`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id, headers)
            if job["state"] in ("completed", "failed", "cancelled"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish: {self.job(job_id, headers)}")

    def wait_state(self, job_id, state, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["state"] == state:
                return job
            time.sleep(0.02)
        raise AssertionError(f"job {job_id} never became {state}: {self.job(job_id)}")

    def run(self, job, timeout=120):
        """Submits and waits for the final state."""
        return self.wait_final(self.submit(job).json["jobId"], timeout)

    def terminate(self, timeout=120):
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def send_signal(self, signum):
        self.process.send_signal(signum)

    def kill(self):
        """kill -9, and reaps the process."""
        self.process.kill()
        self.process.wait()

    def pause(self):
        """SIGSTOP: the process is hung, not dead; its sockets stay open."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def alive(self):
        return self.process.poll() is None

    def log_text(self):
        with open(self.log_file.name, encoding="utf-8", errors="replace") as log:
            return log.read()

    def log_lines(self):
        return [json.loads(line) for line in self.log_text().splitlines() if line.strip()]

    def log_events(self, name, **fields):
        """The node's log lines (parsed) for the event `name` whose fields include `fields`;
        lines that are not JSON are passed over."""
        events = []
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == name and all(entry.get(k) == v for k, v in fields.items()):
                events.append(entry)
        return events


class HeldConnections:
    """Client connections that a node keeps open while a test runs: `idle` keep-alive
    connections that have had one answer, and `partial` ones in the middle of sending a
    request. close() drops them."""

    def __init__(self, server, idle=3, partial=2):
        self.connections = []
        self.client_ports = set()
        for _ in range(idle):
            connection = server.connection()
            connection.request("GET", "/health")
            connection.getresponse().read()
            self.connections.append(connection)
            self.client_ports.add(connection.sock.getsockname()[1])
        for _ in range(partial):
            connection = socket.create_connection(("127.0.0.1", server.port))
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.connections.append(connection)
            self.client_ports.add(connection.getsockname()[1])

    def wait_accepted(self, node_pid, timeout=30):
        """Waits until process node_pid holds the far end of every connection: a connection is
        complete in the kernel's backlog before the node has accepted it."""
        deadline = time.monotonic() + timeout
        while not self.client_ports <= {remote for _, remote in tcp_ports(node_pid)}:
            if time.monotonic() > deadline:
                raise AssertionError(f"process {node_pid} did not accept the connections from "
                                     f"ports {sorted(self.client_ports)}")
            time.sleep(0.02)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for connection in self.connections:
            connection.close()


class EventStream:
    """GET /api/jobs/:id/events, opened and left open until close(); next_event() reads one."""

    def __init__(self, server, job_id, timeout=60):
        self.connection = server.connection(timeout)
        self.connection.request("GET", f"/api/jobs/{job_id}/events")
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.read()
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next_event(self):
        """(event, data) of the next event; None when the server has closed the stream."""
        name, data = None, []
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data.append(line[len("data: "):])
            elif line == "" and name:
                return name, json.loads("\n".join(data))
        return None

    def close(self):
        self.connection.close()


class SilentReceiver:
    """A loopback TCP endpoint that accepts connections and never answers: a webhook delivery
    to `url` stays in flight until close()."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.accepted = []

    def accept(self, timeout=60):
        self.listener.settimeout(timeout)
        connection, _ = self.listener.accept()
        self.accepted.append(connection)
        return connection

    def close(self):
        for connection in self.accepted:
            connection.close()
        self.listener.close()


class WebhookReceiver:
    """A local HTTP endpoint that records every POST it is sent, in arrival order, and answers
    204 at once. Thread-safe; close() stops it."""

    def __init__(self):
        received = self.received = []
        lock = self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    received.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def by_job(self):
        """The decoded bodies received so far, grouped by the X-CodeArena-Job header."""
        with self.lock:
            received = list(self.received)
        bodies = {}
        for headers, body in received:
            bodies.setdefault(headers.get("X-CodeArena-Job"), []).append(json.loads(body))
        return bodies

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SLEEPER = {"language": "python", "code": "import time\ntime.sleep(30)\n",
           "limits": {"time": 30}}
