"""Which descriptors a sandboxed program starts with, and which of a node's own descriptors
would survive an execve.

The programs in descriptors/ (C, Python, JavaScript, Java) list every descriptor above 2 they
were given and exit 1 if there is any; forge_keeper_exit.{c,py} treat each descriptor 3..64 as
the box keeper's control socket, send it a forged "exited with status 0" report and spin.
CallerDescriptors opens what a careless or hostile caller of the codearena command passes on:
a root-only file on 7, a socket on 8, a directory on 9."""
import os
import socket
import subprocess
import tempfile

FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "descriptors")

# What every inventory prints when the program got exactly 0, 1 and 2.
CLEAN = "no descriptor above 2 was inherited\n"

INVENTORY_FILES = {"c": "inventory.c", "python": "inventory.py", "javascript": "inventory.js",
                   "java": "Inventory.java"}
FORGERY_FILES = {"c": "forge_keeper_exit.c", "python": "forge_keeper_exit.py"}

O_CLOEXEC = 0o2000000


def source(name):
    with open(os.path.join(FOLDER, name), encoding="utf-8") as f:
        return f.read()


def inventory_source(language):
    return source(INVENTORY_FILES[language])


def forgery_source(language):
    return source(FORGERY_FILES[language])


# A language whose compile command is the Python inventory, so that a compile step reports its
# own descriptors (the compile fails, CE, when it finds any).
COMPILE_INVENTORY_LANGUAGE = {
    "id": "compile-inventory", "name": "Python inventory as a compiler", "source": "main.py",
    "compile": ["/usr/bin/python3", "-S", "-B", "main.py"], "artifacts": ["main.py"],
    "run": ["/usr/bin/python3", "-S", "-B", "main.py"],
    "version": ["/usr/bin/python3", "--version"],
    "compileLimits": {"time": 10000, "memory": "128m", "output": "64k", "pids": 32},
    "limits": {"time": 10000, "memory": "128m", "output": "64k", "pids": 32},
    "maxLimits": {"time": 10000, "memory": "128m", "output": "64k", "pids": 32}}


def inventory_job(language, code=None):
    """An API job that runs the inventory (of `language`, or `code`) and expects it clean."""
    return {"language": language, "code": code or inventory_source(language),
            "testCases": [{"input": "", "expectedOutput": CLEAN}]}


def forgery_job(language):
    """An API job that forges the keeper's exit report and spins: TLE at 1 s of CPU."""
    return {"language": language, "code": forgery_source(language), "limits": {"time": 1}}


class CallerDescriptors:
    """A root-only secret file, a directory and one end of a socket pair, to be handed to a
    command as descriptors 7, 9 and 8: command() wraps an argv in a shell that redirects them,
    popen_options() gives what subprocess needs to pass the socket on to that shell."""

    SECRET_FD = 7
    SOCKET_FD = 8
    DIRECTORY_FD = 9

    def __enter__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="codearena-caller-")
        self.directory = self._folder.name
        self.secret_text = f"root-only secret {os.urandom(8).hex()}"
        self.secret = os.path.join(self.directory, "secret")
        with open(os.open(self.secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(self.secret_text)
        self._sockets = socket.socketpair()
        self.socket_fd = self._sockets[0].fileno()
        return self

    def __exit__(self, *exc):
        for end in self._sockets:
            end.close()
        self._folder.cleanup()

    def command(self, argv):
        return ["/bin/sh", "-c",
                f'exec "$@" {self.SECRET_FD}<"$0" {self.DIRECTORY_FD}<"{self.directory}" '
                f'{self.SOCKET_FD}<&{self.socket_fd} {self.socket_fd}<&-',
                self.secret, *argv]

    def popen_options(self):
        return {"pass_fds": (self.socket_fd,)}


def descriptors(pid):
    """{fd: what /proc/pid/fd/fd points at} for each descriptor of process pid."""
    found = {}
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            found[int(name)] = os.readlink(f"/proc/{pid}/fd/{name}")
        except FileNotFoundError:
            continue  # closed while being looked at
    return found


def descriptors_without_cloexec(pid):
    """{fd: what /proc/pid/fd/fd points at} for each descriptor above 2 of process pid that
    an execve would keep (no O_CLOEXEC in /proc/pid/fdinfo/fd)."""
    kept = {}
    for name in os.listdir(f"/proc/{pid}/fdinfo"):
        fd = int(name)
        if fd <= 2:
            continue
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                flags = next(int(line.split()[1], 8) for line in info
                             if line.startswith("flags:"))
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue  # closed while being looked at
        if not flags & O_CLOEXEC:
            kept[fd] = target
    return kept


def tcp_ports(pid):
    """{(local port, remote port)} of the TCP sockets process pid holds (remote port 0: a
    listener)."""
    held = set(descriptors(pid).values())
    ports = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if f"socket:[{inode}]" in held:
                    ports.add((int(local.rsplit(":", 1)[1], 16),
                               int(remote.rsplit(":", 1)[1], 16)))
    return ports


def unix_stream_peers():
    """{"socket:[inode]": "socket:[peer inode]"} for the connected AF_UNIX stream sockets of
    this network namespace, as `ss` reports them."""
    listing = subprocess.run(["ss", "-xH", "state", "established"], capture_output=True,
                             text=True, check=True).stdout
    peers = {}
    for line in listing.splitlines():
        fields = line.split()
        if fields[0] == "u_str":
            peers[f"socket:[{fields[-3]}]"] = f"socket:[{fields[-1]}]"
    return peers
