#!/usr/bin/env python3
"""`codearena run` as an operator uses it: JSON on stdout, exit codes, flags, environment."""
import atexit
import ctypes
import fcntl
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import vanishing_program
from box_keepers import keepers_whose_parent_is_this_process
from descriptors import CLEAN, FOLDER, CallerDescriptors

CODEARENA = os.environ["CODEARENA"]
# The static C programs of tests/support/descriptors/, built by CMake.
DESCRIPTOR_PROGRAMS = os.environ["DESCRIPTOR_PROGRAMS_DIR"]
# The static attack programs of tests/sandbox/programs/, built by CMake; shown read-only to
# calls, so copied out of a build tree under /tmp, which the box's own /tmp would hide.
SANDBOX_PROGRAMS = os.environ["SANDBOX_TEST_PROGRAMS_DIR"]
if SANDBOX_PROGRAMS.startswith("/tmp/"):
    _copy = tempfile.mkdtemp(prefix="codearena-test-programs-", dir="/var/tmp")
    atexit.register(shutil.rmtree, _copy, True)
    SANDBOX_PROGRAMS = shutil.copytree(SANDBOX_PROGRAMS, os.path.join(_copy, "programs"))
    os.chmod(_copy, 0o755)


def codearena(*args, env=None, stdin_file=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([CODEARENA, *args], capture_output=True, env=full_env, timeout=60)


def run_json(*args, env=None):
    done = codearena("run", *args, env=env)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


class RunCommandTest(unittest.TestCase):
    def test_prints_one_json_object_with_every_field(self):
        result = run_json("--", "/bin/sh", "-c", "echo out; echo err >&2")
        self.assertEqual(result["status"], "ok")
        self.assertEqual(result["stdout"], "out\n")
        self.assertEqual(result["stderr"], "err\n")
        for field in ("exitCode", "signal", "cpuMs", "wallMs", "memoryKb", "stdoutTruncated",
                      "stderrTruncated", "violation", "message"):
            self.assertIn(field, result)

    def test_stdin_and_files_reach_the_program(self):
        with tempfile.TemporaryDirectory() as folder:
            stdin = os.path.join(folder, "in.txt")
            data = os.path.join(folder, "data.txt")
            with open(stdin, "w") as f:
                f.write("from stdin\n")
            with open(data, "w") as f:
                f.write("from a file\n")
            result = run_json("--stdin", stdin, "--file", f"input={data}", "--",
                              "/bin/sh", "-c", "cat; cat /box/input; pwd")
        self.assertEqual(result["stdout"], "from stdin\nfrom a file\n/box\n")

    def test_a_read_only_directory_is_shown_at_its_path_and_cannot_be_written(self):
        # Not under /tmp: the box has a /tmp of its own, which would hide it.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)
            script = os.path.join(folder, "hello.sh")
            with open(script, "w") as f:
                f.write("#!/bin/sh\necho from the folder\n")
            os.chmod(script, 0o755)
            result = run_json("--read-only", folder, "--", "/bin/sh", "-c",
                              f"{script} && echo more > {folder}/new")
        self.assertEqual(result["stdout"], "from the folder\n")
        self.assertEqual(result["status"], "runtime_error")
        self.assertIn("Read-only file system", result["stderr"])

    def test_a_caller_with_umask_077_gets_the_box_as_any_other_caller_does(self):
        # The box root is built with the keeper's own umask: the runner reaches the read-only
        # directory's path and reads /etc/passwd; the program starts with umask 022.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)
            done = subprocess.run(
                ["/bin/sh", "-c", 'umask 077; exec "$@"', "sh", CODEARENA, "run", "--read-only",
                 folder, "--", "/bin/sh", "-c", f"ls -A {folder}; umask; id -un; touch /box/new; "
                 "stat -c %a /box/new /etc/passwd"], capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        result = json.loads(done.stdout)
        self.assertEqual((result["status"], result["stdout"]), ("ok", "0022\nrunner\n644\n644\n"),
                         result)

    def test_a_read_only_directory_reached_through_a_symlink_is_shown_at_its_real_path(self):
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)
            real = os.path.join(folder, "real")
            os.mkdir(real)
            with open(os.path.join(real, "data"), "w") as f:
                f.write("through the link\n")
            link = os.path.join(folder, "link")
            os.symlink(real, link)
            result = run_json("--read-only", link, "--", "/bin/cat", f"{real}/data")
        self.assertEqual(result["stdout"], "through the link\n", result)

    def test_read_only_refuses_what_would_show_host_kernel_views_or_replace_the_root(self):
        # However spelled (.., a symlink to it), /proc, /sys, /dev and / never reach the box.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            for target in ("/proc", "/sys", "/dev"):
                os.symlink(target, os.path.join(folder, target[1:]))
            cases = [("/", "whole root"), ("/sys", "/sys"), ("/sys/kernel", "/sys"),
                     ("/usr/../proc", "/proc"), (f"{folder}/proc", "/proc"),
                     (f"{folder}/sys", "/sys"), (f"{folder}/dev", "/dev")]
            for path, needle in cases:
                with self.subTest(path=path):
                    done = codearena("run", "--read-only", path, "--", "/bin/true")
                    self.assertEqual(done.returncode, 2, done.stdout.decode())
                    self.assertIn("read-only bind", done.stderr.decode())
                    self.assertIn(needle, done.stderr.decode())
                    self.assertEqual(done.stdout, b"")

    def test_read_only_refuses_a_directory_holding_a_unix_socket(self):
        # A read-only mount does not stop connect(): a host service's socket in the directory
        # would be a way out of the box.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.makedirs(os.path.join(folder, "deep", "er"))
            path = os.path.join(folder, "deep", "er", "service.sock")
            with socket.socket(socket.AF_UNIX) as service:
                service.bind(path)
                os.chmod(path, 0o777)
                service.listen(1)
                done = codearena("run", "--read-only", folder, "--", "/usr/bin/python3", "-c",
                                 "import socket; socket.socket(socket.AF_UNIX).connect("
                                 f"{path!r}); print('connected')")
        self.assertEqual(done.returncode, 2, done.stdout.decode())
        self.assertIn(path, done.stderr.decode())
        self.assertIn("Unix socket", done.stderr.decode())
        self.assertEqual(done.stdout, b"")

    def test_read_only_refuses_a_directory_holding_a_fifo(self):
        # Writing to a FIFO is not stopped by a read-only mount either: a host reader would get it.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)
            path = os.path.join(folder, "to-host")
            os.mkfifo(path, 0o666)
            done = codearena("run", "--read-only", folder, "--", "/bin/sh", "-c",
                             f"echo escaped > {path}")
        self.assertEqual(done.returncode, 2, done.stdout.decode())
        self.assertIn(path, done.stderr.decode())
        self.assertIn("FIFO", done.stderr.decode())
        self.assertEqual(done.stdout, b"")

    def test_environment_is_fixed_plus_what_is_asked(self):
        result = run_json("--env", "GREETING=hi", "--", "/usr/bin/env",
                          env={"SECRET_TOKEN": "do-not-leak"})
        lines = sorted(result["stdout"].split())
        self.assertIn("GREETING=hi", lines)
        self.assertIn("HOME=/box", lines)
        self.assertNotIn("do-not-leak", result["stdout"])

    def test_limits_come_from_the_environment_and_flags_override_them(self):
        spin = ["--", "/bin/sh", "-c", "while :; do :; done"]
        from_env = run_json(*spin, env={"TIME_LIMIT": "300ms"})
        self.assertEqual(from_env["status"], "cpu_time_limit")
        self.assertIn("300 ms", from_env["message"])
        from_flag = run_json("--time", "200ms", *spin, env={"TIME_LIMIT": "5"})
        self.assertIn("200 ms", from_flag["message"])

    def test_output_that_is_not_utf8_still_gives_valid_json(self):
        result = run_json("--", "/usr/bin/printf", "\\377\\376ok")
        self.assertEqual(result["status"], "ok")
        self.assertTrue(result["stdout"].endswith("ok"))

    def test_repeat_prints_one_line_per_run(self):
        done = codearena("run", "--repeat", "3", "--", "/bin/true")
        self.assertEqual(done.returncode, 0)
        lines = done.stdout.decode().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(all(json.loads(line)["status"] == "ok" for line in lines))

    def three_runs_of(self, script):
        """The results of `codearena run --repeat 3 -- /bin/sh -c script`, one slot."""
        done = codearena("run", "--repeat", "3", "--", "/bin/sh", "-c", script)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        runs = [json.loads(line) for line in done.stdout.decode().splitlines()]
        self.assertEqual(len(runs), 3)
        return runs

    def test_repeated_runs_find_the_box_as_new_whatever_the_last_one_left(self):
        # Each run on the slot lists /box, /tmp and its processes, then leaves files, a FIFO, a
        # background process and a change of the roots' mode behind.
        script = ("ls -A /box /tmp; echo /proc/[0-9]*; "
                  "touch /box/left /tmp/left; mkfifo /box/fifo; chmod 700 /box /tmp; "
                  "(sleep 1000 &) ; echo done")
        for result in self.three_runs_of(script):
            self.assertEqual(result["status"], "ok", result)
            # The shell alone, numbered 5 as in every run (the keeper is 1, its threads 2 to 4):
            # no process of an earlier one.
            self.assertEqual(result["stdout"], "/box:\n\n/tmp:\n/proc/5\ndone\n", result)

    def test_repeated_runs_that_leave_no_file_find_the_roots_as_new(self):
        # Each run leaves no file, so its /box and /tmp are replaced after the ready message,
        # while the engine readies the next run; it changes the roots' mode and times and holds
        # /box open in a background process. The next run must find the roots as new, itself
        # alone as process 5 with descriptors 0, 1 and 2 only.
        script = ("stat -c '%a %Y' /box /tmp; ls -A /box /tmp; echo $$; ls /proc/$$/fd; "
                  "chmod 700 /box /tmp; touch -d @1 /box /tmp; "
                  "(cd /box && exec sleep 1000 &); echo done")
        for result in self.three_runs_of(script):
            self.assertEqual(result["status"], "ok", result)
            lines = result["stdout"].splitlines()
            self.assertEqual(len(lines), 10, result)
            for root in lines[:2]:
                mode, changed = root.split()
                self.assertEqual(mode, "755", result)
                self.assertNotEqual(changed, "1", result)
            self.assertEqual(lines[2:], ["/box:", "", "/tmp:", "5", "0", "1", "2", "done"],
                             result)

    def test_usage_errors_exit_2_and_say_what_is_wrong(self):
        cases = [
            (["run", "--time", "soon", "--", "/bin/true"], "soon"),
            (["run", "--memory", "12q", "--", "/bin/true"], "12q"),
            (["run", "--pids", "-1", "--", "/bin/true"], "--pids"),
            (["run", "--file", "nopath", "--", "/bin/true"], "NAME=PATH"),
            (["run", "--file", "x=/nonexistent/file", "--", "/bin/true"], "/nonexistent/file"),
            (["run", "--read-only", "relative/dir", "--", "/bin/true"], "--read-only"),
            (["run", "--read-only", "/nonexistent/dir", "--", "/bin/true"], "/nonexistent/dir"),
            (["run", "--bogus"], "--bogus"),
            (["run", "/bin/true"], "--"),
            (["frobnicate"], "frobnicate"),
        ]
        for args, needle in cases:
            with self.subTest(args=args):
                done = codearena(*args)
                self.assertEqual(done.returncode, 2)
                self.assertIn(needle, done.stderr.decode())

    def test_bad_environment_value_is_a_usage_error(self):
        done = codearena("run", "--", "/bin/true", env={"MEMORY_LIMIT": "a lot"})
        self.assertEqual(done.returncode, 2)
        self.assertIn("MEMORY_LIMIT", done.stderr.decode())
        self.assertIn("a lot", done.stderr.decode())

    def test_missing_program_is_the_programs_error_not_the_sandboxes(self):
        result = run_json("--", "no-such-program")
        self.assertEqual(result["status"], "runtime_error")
        self.assertEqual(result["exitCode"], 127)
        self.assertIn("no-such-program", result["message"])

    def test_a_signal_death_has_no_exit_code(self):
        result = run_json("--", "/bin/sh", "-c", "kill -SEGV $$")
        self.assertEqual(result["status"], "killed_by_signal", result)
        self.assertEqual((result["exitCode"], result["signal"]), (None, "SIGSEGV"), result)

    def test_a_call_off_the_allowlist_is_stopped_and_named(self):
        # mount(2), number 165 on x86_64, made directly so no tool's own checks come first.
        result = run_json("--", "/usr/bin/python3", "-c",
                          "import ctypes; ctypes.CDLL(None).syscall(165, 0, 0, 0, 0, 0)")
        self.assertEqual((result["status"], result["violation"]), ("security_violation", "mount"),
                         result)

    def test_the_program_runs_in_a_network_namespace_of_its_own_with_loopback_alone(self):
        # The keeper is cloned in the caller's network namespace and enters a new one before
        # anything runs: the program must find neither the caller's namespace nor its interfaces.
        result = run_json("--", "/bin/sh", "-c", "readlink /proc/self/ns/net; cat /proc/net/dev")
        self.assertEqual(result["status"], "ok", result)
        namespace, *device_lines = result["stdout"].splitlines()
        self.assertNotEqual(namespace, os.readlink("/proc/self/ns/net"))
        interfaces = [line.split(":")[0].strip() for line in device_lines[2:]]
        self.assertEqual(interfaces, ["lo"], result)

    def test_the_program_sees_the_box_root_alone_with_no_host_root_under_it(self):
        result = run_json("--", "/bin/cat", "/proc/self/mountinfo")
        self.assertEqual(result["status"], "ok", result)
        # mountinfo: "id parent major:minor root mount-point options ... - type source ...".
        roots = [line.split(" - ")[1].split()[:2] for line in result["stdout"].splitlines()
                 if line.split()[4] == "/"]
        self.assertEqual(roots, [["tmpfs", "codearena-root"]], result["stdout"])

    def test_a_caller_with_inheritable_and_ambient_capabilities_hands_none_to_the_program(self):
        # Kept across the keeper's execve and not cleared by setuid alone (inheritable), or kept
        # through setuid altogether (no_setuid_fixup): the program must still hold nothing.
        caps = "+sys_admin,+dac_override,+setuid,+net_raw"
        done = subprocess.run(
            ["setpriv", f"--inh-caps={caps}", f"--ambient-caps={caps}",
             "--securebits=+no_setuid_fixup", "--groups=0,4,27", "--",
             CODEARENA, "run", "--", "/bin/cat", "/proc/self/status"],
            capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        result = json.loads(done.stdout)
        self.assertEqual(result["status"], "ok", result)
        fields = dict(line.split(":", 1) for line in result["stdout"].splitlines())
        for capabilities in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            self.assertEqual(fields[capabilities].strip(), "0" * 16, capabilities)
        self.assertEqual(fields["Groups"].strip(), "")
        self.assertNotIn("\t0\t", fields["Uid"] + fields["Gid"])
        self.assertEqual(fields["NoNewPrivs"].strip(), "1")

    def test_loader_and_locale_variables_of_the_caller_load_nothing(self):
        # codearena is static and the program's environment is fixed: a library named by the
        # caller's LD_PRELOAD, LD_LIBRARY_PATH, GCONV_PATH or LOCPATH is never loaded, neither
        # on the host nor in the box, even where the box can see it.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)
            source = os.path.join(folder, "planted.c")
            library = os.path.join(folder, "libc.so.6")
            with open(source, "w") as f:
                f.write('#include <unistd.h>\n'
                        '__attribute__((constructor)) static void planted(void) {\n'
                        '  write(2, "planted-loaded\\n", 15);\n}\n')
            subprocess.run(["cc", "-shared", "-fPIC", "-o", library, source], check=True)
            os.symlink(library, os.path.join(folder, "planted.so"))
            env = {"LD_PRELOAD": library, "LD_LIBRARY_PATH": folder, "GCONV_PATH": folder,
                   "LOCPATH": folder, "LC_ALL": "planted", "LD_AUDIT": library}
            done = codearena("run", "--read-only", folder, "--", "/bin/sh", "-c",
                             "echo ran; env", env=env)
            # The same library asked for by the program itself is loaded: the check can fail.
            control = run_json("--read-only", folder, "--", "/bin/sh", "-c",
                               f"LD_PRELOAD={library} /bin/true")
        self.assertEqual(control["stderr"], "planted-loaded\n", control)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        self.assertNotIn(b"planted-loaded", done.stderr)
        result = json.loads(done.stdout)
        self.assertEqual(result["status"], "ok", result)
        self.assertNotIn("planted", result["stdout"] + result["stderr"])
        self.assertTrue(result["stdout"].startswith("ran\n"), result)

    def test_help_lists_the_flags(self):
        done = codearena("run", "--help")
        self.assertEqual(done.returncode, 0)
        for flag in ("--time", "--memory", "--output", "--pids", "--stdin", "--file", "--read-only"):
            self.assertIn(flag, done.stdout.decode())


class CallerDescriptorsTest(unittest.TestCase):
    """A program run by `codearena run` starts with descriptors 0, 1 and 2 only, whatever the
    caller had open: here a root-only file on 7, a directory on 9 and a socket."""

    def setUp(self):
        self.caller = self.enterContext(CallerDescriptors())
        self.folder = self.enterContext(tempfile.TemporaryDirectory())

    def run_with_caller_descriptors(self, *args):
        done = subprocess.run(self.caller.command([CODEARENA, "run", *args]), capture_output=True,
                              timeout=120, **self.caller.popen_options())
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        return [json.loads(line) for line in done.stdout.decode().splitlines()]

    def assert_clean(self, result):
        self.assertEqual((result["status"], result["stdout"]), ("ok", CLEAN), result)

    def test_the_inventory_in_every_language_finds_only_0_1_2(self):
        java_classes = os.path.join(self.folder, "java")
        subprocess.run(["javac", "-d", java_classes, os.path.join(FOLDER, "Inventory.java")],
                       check=True, timeout=120)
        runs = {
            "c": ["--file", f"inventory={DESCRIPTOR_PROGRAMS}/inventory", "--", "./inventory"],
            "python": ["--file", f"inventory.py={FOLDER}/inventory.py", "--",
                       "/usr/bin/python3", "-S", "-B", "inventory.py"],
            "javascript": ["--memory", "256m", "--file", f"inventory.js={FOLDER}/inventory.js",
                           "--", "/usr/bin/node", "inventory.js"],
            "java": ["--memory", "512m",
                     "--file", f"Inventory.class={java_classes}/Inventory.class",
                     "--", "/usr/bin/java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                     "-cp", ".", "Inventory"],
        }
        for language, args in runs.items():
            with self.subTest(language=language):
                [result] = self.run_with_caller_descriptors("--time", "10s", *args)
                self.assert_clean(result)

    def test_a_forged_exit_report_neither_ends_the_run_nor_fools_the_next_run_on_the_slot(self):
        # --repeat runs on one slot: the second run must not be fooled by what the first sent.
        for language, program in (("c", ["--file", f"forge={DESCRIPTOR_PROGRAMS}/forge_keeper_exit",
                                          "--", "./forge"]),
                                  ("python", ["--file", f"forge.py={FOLDER}/forge_keeper_exit.py",
                                              "--", "/usr/bin/python3", "-S", "forge.py"])):
            with self.subTest(language=language):
                results = self.run_with_caller_descriptors("--time", "1s", "--repeat", "2",
                                                           *program)
                # On a loaded machine the wall clock may run out before the CPU time does.
                self.assertEqual(len(results), 2)
                for result in results:
                    self.assertIn(result["status"], ("cpu_time_limit", "wall_time_limit"), results)


def boxed_pids_whose_command_line_has(marker):
    """Processes not run by root (the caller's own command line holds the marker too)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if marker in f.read() and os.stat(f"/proc/{entry}").st_uid != 0:
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


def wait_until(condition, what, limit_s=60):
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.01)


def kept_cgroup_cpu_quota(n):
    """The CPU quota (µs per 100 ms) written to kept slot cgroup n, which the calls this test
    starts make under its own cgroup."""
    with open("/proc/self/cgroup") as cgroups:
        paths = dict(line.rstrip("\n").split(":", 2)[1:] for line in cgroups)
    for controllers, path in paths.items():
        if "cpu" in controllers.split(","):
            folder = f"/sys/fs/cgroup/{controllers}{path.rstrip('/')}/codearena/kept-{n}"
            with open(f"{folder}/cpu.cfs_quota_us") as quota:
                return int(quota.read())
    with open(f"/sys/fs/cgroup{paths[''].rstrip('/')}/codearena/kept-{n}/cpu.max") as quota:
        return int(quota.read().split()[0])


class KilledCallerTest(unittest.TestCase):
    """A `codearena run` killed with SIGKILL mid-run (its box keeper then sees its control
    socket close) leaves no program running, and the next call runs on a clean slot."""

    def test_no_program_outlives_a_killed_caller(self):
        marker = f"outlive-{os.getpid()}".encode()
        caller = subprocess.Popen(
            [CODEARENA, "run", "--time", "60s", "--", "/bin/sh", "-c",
             '/bin/sh -c "sleep 1000; :" "$0" & while :; do :; done', marker.decode()],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: len(boxed_pids_whose_command_line_has(marker)) == 2,
                       "the program and its child to start in the box")
        finally:
            caller.kill()
            caller.communicate()
        wait_until(lambda: not boxed_pids_whose_command_line_has(marker),
                   "the program and its child to be gone after the caller was killed")
        result = run_json("--", "/bin/sh", "-c", "ls -A /box /tmp")
        self.assertEqual(result["status"], "ok", result)
        self.assertEqual(result["stdout"], "/box:\n\n/tmp:\n", result)


class FinishedCallerTest(unittest.TestCase):
    """A `codearena run` that has printed its result removes its slot cgroups (or leaves the
    kept ones empty, KeptNetworkTest) and does not wait for its box keeper, whose box holds no
    process any more: the keeper is left parked for the next call (docs/sandbox.md), holding
    none of the caller's descriptors, and its parent is whoever inherits it (this test, as a
    child subreaper). The next call with another setup kills it."""

    PR_SET_CHILD_SUBREAPER = 36

    def setUp(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.assertEqual(self.libc.prctl(self.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0)

    def tearDown(self):
        self.libc.prctl(self.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)

    def finished_call(self, *args):
        # Returns once the caller's pipes are closed: a parked keeper holds none of them.
        caller = subprocess.Popen([CODEARENA, "run", *args],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = caller.communicate(timeout=60)
        self.assertEqual(caller.returncode, 0, err.decode())
        self.assertEqual(json.loads(out)["status"], "ok")
        self.assertEqual(glob.glob(f"/sys/fs/cgroup/**/{caller.pid}-*", recursive=True), [])

    def test_the_keeper_is_left_parked_then_killed_by_a_call_with_another_setup(self):
        # A setup of this test's own: no keeper parked before can be adopted.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            self.finished_call("--read-only", folder, "--", "/bin/true")
        keepers = keepers_whose_parent_is_this_process()
        self.assertEqual(len(keepers), 1, keepers)
        locks = {}
        for lock in glob.glob("/run/codearena/net/*.lock"):
            with open(lock) as state:
                locks[lock] = state.read()
        self.assertTrue(any(state.startswith(f"parked {keepers[0]} ") for state in locks.values()),
                        (keepers, locks))
        self.finished_call("--", "/bin/true")
        ended = os.waitid(os.P_PID, keepers[0], os.WEXITED)
        self.assertEqual((ended.si_code, ended.si_status), (os.CLD_KILLED, 9))


class KeptNetworkTest(unittest.TestCase):
    """Calls one after the other use a network namespace kept between them (docs/sandbox.md):
    nothing one call leaves in it reaches the next, a call leaves it marked clean, and a call
    that finds every kept namespace held elsewhere makes its own."""

    KEPT = "/run/codearena/net"
    LIMIT = 64
    KEPT_NET = os.path.join(SANDBOX_PROGRAMS, "kept_net")
    SYSCTLS = ["/proc/sys/net/unix/max_dgram_qlen", "/proc/sys/net/core/somaxconn",
               "/proc/sys/net/ipv4/ping_group_range",
               "/proc/sys/net/ipv4/ip_unprivileged_port_start"]

    def network_of_a_call(self):
        result = run_json("--", "/usr/bin/readlink", "/proc/self/ns/net")
        self.assertEqual(result["status"], "ok", result)
        return result["stdout"].strip()

    def kept_namespaces(self):
        """net:[inode] of each kept namespace, by its number."""
        kept = {}
        for n in range(self.LIMIT):
            path = f"{self.KEPT}/{n}"
            if os.path.ismount(path):
                kept[n] = f"net:[{os.stat(path).st_ino}]"
        return kept

    def test_an_abstract_socket_kept_in_flight_does_not_reach_the_next_call(self):
        carry = os.path.join(SANDBOX_PROGRAMS, "abstract_carry")
        for _ in range(3):
            result = run_json("--read-only", SANDBOX_PROGRAMS, "--", carry)
            self.assertEqual((result["status"], result["stdout"]), ("ok", "planted\n"), result)

    def test_a_call_runs_in_a_kept_namespace_and_leaves_it_clean(self):
        network = self.network_of_a_call()
        used = [n for n, kept in self.kept_namespaces().items() if kept == network]
        self.assertEqual(len(used), 1, (network, self.kept_namespaces()))
        with open(f"{self.KEPT}/{used[0]}.lock") as lock:
            # Clean, with the call's keeper parked in it; another call may hold it by now, and
            # it says "in use" then, and only then.
            self.assertRegex(lock.read(), r"^(parked \d+ \d+ \d+ \d+|in use( \d+ \d+)?)\n$")

    def look(self):
        """What of the attacks' leftovers the next call finds, and its namespace."""
        result = run_json("--read-only", SANDBOX_PROGRAMS, "--", self.KEPT_NET, "look")
        self.assertEqual(result["status"], "ok", result)
        found, network = result["stdout"].splitlines()
        return found, network

    def plant(self, how):
        result = run_json("--read-only", SANDBOX_PROGRAMS, "--", self.KEPT_NET, how)
        self.assertEqual((result["status"], result["stdout"]), ("ok", "planted\n"), result)

    def test_a_datagram_socket_kept_in_flight_with_its_data_does_not_reach_the_next_call(self):
        for _ in range(2):
            self.plant("dgram")
            self.assertEqual(self.look()[0], "nothing")

    def test_a_daemon_holding_a_listening_socket_does_not_reach_the_next_call(self):
        for _ in range(2):
            self.plant("daemon")
            self.assertEqual(self.look()[0], "nothing")

    def test_a_program_changes_nothing_a_namespace_keeps_but_its_sockets(self):
        result = run_json("--read-only", SANDBOX_PROGRAMS, "--", self.KEPT_NET, "netns-state")
        # No per-namespace sysctl can be written, and a netlink socket is a violation.
        self.assertEqual((result["status"], result["stdout"]), ("security_violation", ""), result)
        fresh = subprocess.run(["unshare", "--net", "cat", *self.SYSCTLS], capture_output=True,
                               check=True, text=True).stdout
        after = run_json("--", "/bin/cat", *self.SYSCTLS)
        self.assertEqual((after["status"], after["stdout"]), ("ok", fresh), after)

    def test_a_call_killed_mid_run_leaves_nothing_to_a_concurrent_or_the_next_call(self):
        marker = f"kept-net-{os.getpid()}".encode()
        caller = subprocess.Popen(
            [CODEARENA, "run", "--time", "60s", "--read-only", SANDBOX_PROGRAMS, "--",
             self.KEPT_NET, "hold", marker.decode()],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            holders = []

            def bound():
                holders[:] = self.holding_the_socket(marker)
                return holders

            wait_until(bound, "the program to bind its socket")
            held_in = os.readlink(f"/proc/{holders[0]}/ns/net")
            found, network = self.look()
            self.assertEqual(found, "nothing")
            self.assertNotEqual(network, held_in)
        finally:
            caller.kill()
            caller.communicate()
        # At once, while the killed call's keeper may still be taking its box down.
        self.assertEqual(self.look()[0], "nothing")

    @staticmethod
    def holding_the_socket(marker):
        """Boxed processes with `marker` whose namespace lists the socket of "hold"."""
        holding = []
        for pid in boxed_pids_whose_command_line_has(marker):
            try:
                with open(f"/proc/{pid}/net/unix") as listing:
                    if "@kept-net-held" in listing.read():
                        holding.append(pid)
            except OSError:
                continue
        return holding

    def test_what_a_call_used_in_the_kept_cgroup_is_not_counted_to_the_next(self):
        heavy = run_json("--read-only", SANDBOX_PROGRAMS, "--",
                         os.path.join(SANDBOX_PROGRAMS, "allocate"), "heap", "64")
        self.assertEqual(heavy["status"], "ok", heavy)
        busy = run_json("--read-only", SANDBOX_PROGRAMS, "--",
                        os.path.join(SANDBOX_PROGRAMS, "spin"), "1000")
        self.assertEqual(busy["status"], "ok", busy)
        light = run_json("--", "/bin/true")
        self.assertLess(light["memoryKb"], heavy["memoryKb"] // 4, (heavy, light))
        self.assertLess(light["cpuMs"], busy["cpuMs"] // 4, (busy, light))

    def calls_on_one_kept_cgroup(self, *calls):
        """Runs `calls` (each: flags, then the program and its arguments) one after the other
        and returns their results and the number of the kept namespace they all took (a call
        in a namespace taken clean runs in its kept cgroup); tried again while a call running
        beside them took that number in between."""
        for _ in range(5):
            results, numbers = [], set()
            for flags, program in calls:
                result = run_json(*flags, "--read-only", SANDBOX_PROGRAMS, "--", "/bin/sh", "-c",
                                  'readlink /proc/self/ns/net; exec "$@"', "sh", *program)
                network, _, result["stdout"] = result["stdout"].partition("\n")
                results.append(result)
                numbers |= {n for n, kept in self.kept_namespaces().items() if kept == network}
            if len(numbers) == 1:
                return results, numbers.pop()
        self.fail(f"no five tries ran {len(calls)} calls in one kept namespace")

    def test_each_call_in_the_kept_cgroup_gets_exactly_its_own_limits(self):
        allocate = os.path.join(SANDBOX_PROGRAMS, "allocate")
        threads = os.path.join(SANDBOX_PROGRAMS, "spin_threads")
        spin = os.path.join(SANDBOX_PROGRAMS, "spin")
        results, kept = self.calls_on_one_kept_cgroup(
            (["--memory", "32m"], [allocate, "heap", "64"]),
            ([], [allocate, "heap", "96"]),
            (["--memory", "32m"], [allocate, "heap", "48"]),
            (["--pids", "8"], [threads, "16", "50"]),
            ([], [threads, "16", "50"]),
            (["--time", "300ms"], [spin, "2000"]),
            ([], [spin, "1000"]),
            (["--cpus", "0.25"], ["/bin/true"]),
            ([], ["/bin/true"]))
        statuses = [result["status"] for result in results]
        self.assertEqual(statuses, ["memory_limit", "ok", "memory_limit", "ok", "ok",
                                    "cpu_time_limit", "ok", "ok", "ok"], results)
        # The process limit counts the main thread too. Each thread spins 50 ms of its own CPU
        # time, long past the main thread's last start, so none has ended to free its place.
        self.assertTrue(results[3]["stdout"].startswith("threads=7 "), results[3])
        self.assertTrue(results[4]["stdout"].startswith("threads=16 "), results[4])
        self.assertEqual(kept_cgroup_cpu_quota(kept), 100_000)

    def test_a_call_that_hit_its_memory_limit_leaves_nothing_counted_to_the_next(self):
        allocate = os.path.join(SANDBOX_PROGRAMS, "allocate")
        results, _ = self.calls_on_one_kept_cgroup(
            (["--memory", "32m"], [allocate, "heap", "64"]),
            (["--memory", "32m"], [allocate, "heap", "8"]),
            ([], ["/bin/true"]))
        self.assertEqual([result["status"] for result in results],
                         ["memory_limit", "ok", "ok"], results)
        self.assertEqual(results[1]["stdout"], "allocated 8 MiB\n", results[1])

    def test_files_a_call_left_in_its_box_and_tmp_do_not_weigh_on_the_next(self):
        fill = os.path.join(SANDBOX_PROGRAMS, "fill_disk")
        allocate = os.path.join(SANDBOX_PROGRAMS, "allocate")
        # 128 MiB of tmpfs, which cannot be swapped out, charged to the kept cgroup and freed
        # only once the killed keeper's mount namespace is gone: the next call starts at once.
        calls = subprocess.run(
            ["/bin/sh", "-c", '"$0" run --memory 512m --read-only "$1" -- /bin/sh -c "$2" && '
             '"$0" run --memory 64m --read-only "$1" -- "$3" heap 48',
             CODEARENA, SANDBOX_PROGRAMS, f"{fill} /box && {fill} /tmp", allocate],
            capture_output=True, timeout=60)
        self.assertEqual(calls.returncode, 0, calls.stderr.decode())
        filler, victim = [json.loads(line) for line in calls.stdout.splitlines()]
        self.assertEqual(filler["stdout"].count("wrote 67108864 bytes"), 2, filler)
        self.assertEqual(victim["status"], "ok", victim)
        self.assertEqual(victim["stdout"], "allocated 48 MiB\n", victim)

    def test_files_a_call_kept_in_flight_do_not_weigh_on_the_next_call_in_its_kept_cgroup(self):
        # The call after the planter finds a socket left (its namespace is replaced, and its
        # own cgroup used); the one after that takes the kept cgroup the files were charged to.
        results, _ = self.calls_on_one_kept_cgroup(
            ([], [os.path.join(SANDBOX_PROGRAMS, "inflight_memory"), "40"]),
            ([], ["/bin/true"]),
            (["--memory", "64m"], [os.path.join(SANDBOX_PROGRAMS, "allocate"), "heap", "48"]))
        self.assertEqual(results[0]["stdout"], "planted 40 MiB\n", results[0])
        self.assertEqual(results[2]["status"], "ok", results[2])

    def test_a_call_runs_in_the_cgroup_kept_with_its_namespace_and_leaves_it_empty(self):
        marker = f"kept-cgroup-{os.getpid()}"
        # Not under /tmp, which the box's own /tmp would hide.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            os.chmod(folder, 0o755)  # The program's unprivileged user looks into it.
            caller = subprocess.Popen(
                [CODEARENA, "run", "--time", "60s", "--read-only", folder, "--", "/bin/sh", "-c",
                 f"while [ ! -e {folder}/go ]; do sleep 0.01; done", marker],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                wait_until(lambda: boxed_pids_whose_command_line_has(marker.encode()),
                           "the program to start in the box")
                program = boxed_pids_whose_command_line_has(marker.encode())[0]
                network = os.readlink(f"/proc/{program}/ns/net")
                with open(f"/proc/{program}/cgroup") as cgroups:
                    pids_cgroup = [line.split(":", 2)[2].strip() for line in cgroups
                                   if line.split(":")[1] == "pids"][0]
            finally:
                open(f"{folder}/go", "w").close()
                out, err = caller.communicate(timeout=60)
        self.assertEqual(json.loads(out)["status"], "ok", err.decode())
        used = [n for n, kept in self.kept_namespaces().items() if kept == network]
        self.assertEqual(len(used), 1, (network, self.kept_namespaces()))
        self.assertTrue(pids_cgroup.endswith(f"/codearena/kept-{used[0]}"), pids_cgroup)
        with open(f"/sys/fs/cgroup/pids{pids_cgroup}/pids.current") as count:
            self.assertEqual(count.read().strip(), "0")

    def test_a_call_finding_every_kept_namespace_held_makes_its_own(self):
        self.network_of_a_call()  # The directory exists.
        locks = [open(f"{self.KEPT}/{n}.lock", "a+") for n in range(self.LIMIT)]
        held = set()

        def hold_every_lock():
            # Without blocking: a lock another call holds is tried again once it is let go.
            for n, lock in enumerate(locks):
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held.add(n)
                except BlockingIOError:
                    pass
            return len(held) == self.LIMIT

        try:
            wait_until(hold_every_lock, "every kept namespace's lock")
            network = self.network_of_a_call()
            self.assertNotIn(network, self.kept_namespaces().values())
            self.assertNotEqual(network, os.readlink("/proc/self/ns/net"))
        finally:
            for lock in locks:
                lock.close()


class JudgeLeftoversTest(unittest.TestCase):
    """`codearena judge` runs a job's tests one after the other on one slot: each test run finds
    the box as the compiled program left it, whatever the test before it left there."""

    LITTERING_PYTHON = (
        "import os, subprocess\n"
        "print(sorted(os.listdir('/box')), os.listdir('/tmp'),\n"
        "      [p for p in os.listdir('/proc') if p.isdigit()])\n"
        "for path in ('/box/left', '/tmp/left'):\n"
        "    open(path, 'w').write('left')\n"
        "os.mkfifo('/tmp/fifo')\n"
        "os.chmod('/box', 0o700)\n"
        "subprocess.Popen(['/bin/sleep', '1000'], start_new_session=True)\n")

    def judge_outputs(self, program):
        """The stdout of each of three test runs of the Python `program`, all of them ok."""
        with tempfile.TemporaryDirectory() as folder:
            source = os.path.join(folder, "program.py")
            with open(source, "w") as f:
                f.write(program)
            tests = os.path.join(folder, "tests")
            os.mkdir(tests)
            for n in range(3):
                with open(os.path.join(tests, f"{n}.in"), "w") as f:
                    f.write("")
            done = codearena("judge", "--lang", "python", "--source", source, "--tests", tests)
        self.assertEqual(done.returncode, 0, done.stderr.decode())
        result = json.loads(done.stdout)
        self.assertEqual([test["stderr"] for test in result["tests"]], [""] * 3, result)
        return [test["stdout"] for test in result["tests"]]

    def test_each_test_run_finds_nothing_of_the_one_before(self):
        outputs = self.judge_outputs(self.LITTERING_PYTHON)
        self.assertEqual(len(outputs), 3, outputs)
        self.assertEqual(outputs, [outputs[0]] * 3, outputs)
        self.assertNotIn("left", outputs[0])
        self.assertTrue(outputs[0].endswith(" [] ['5']\n"), outputs[0])

    def test_a_test_run_that_leaves_no_file_leaves_nothing_to_the_next(self):
        outputs = self.judge_outputs(vanishing_program.SOURCE)
        self.assertEqual(len(outputs), 3, outputs)
        self.assertEqual(outputs, [outputs[0]] * 3, outputs)
        self.assertTrue(outputs[0].endswith(vanishing_program.FRESH_TAIL), outputs[0])


class HandOverTest(unittest.TestCase):
    """Commands other than run go to the codearena-full installed beside the real binary, found
    through /proc/self/exe: a caller's symlink, argv[0], PATH or working directory cannot point
    the hand-over at another program."""

    def test_a_planted_codearena_full_is_never_started(self):
        with tempfile.TemporaryDirectory() as folder:
            marker = os.path.join(folder, "planted-ran")
            planted = os.path.join(folder, "codearena-full")
            with open(planted, "w") as f:
                f.write(f"#!/bin/sh\ntouch {marker}\necho planted\n")
            os.chmod(planted, 0o755)
            link = os.path.join(folder, "codearena")
            os.symlink(CODEARENA, link)
            env = dict(os.environ, PATH=folder)
            for argv0, program in ((link, link), (planted, CODEARENA), ("codearena", CODEARENA)):
                with self.subTest(argv0=argv0, program=program):
                    done = subprocess.run([argv0, "judge", "--help"], executable=program,
                                          capture_output=True, cwd=folder, env=env, timeout=60)
                    self.assertEqual(done.returncode, 0, done.stderr.decode())
                    self.assertNotIn(b"planted", done.stdout)
                    self.assertIn(b"judge", done.stdout)
                    self.assertFalse(os.path.exists(marker))

    def test_a_hard_link_in_another_users_directory_starts_nothing_of_theirs(self):
        # /proc/self/exe names the link's path; a directory of another user may hold their own
        # codearena-full. Made beside the binary: a hard link needs the same file system.
        nobody = 65534
        with tempfile.TemporaryDirectory(dir=os.path.dirname(CODEARENA)) as folder:
            os.chown(folder, nobody, nobody)
            marker = os.path.join(folder, "planted-ran")
            planted = os.path.join(folder, "codearena-full")
            with open(planted, "w") as f:
                f.write(f"#!/bin/sh\ntouch {marker}\n")
            os.chmod(planted, 0o755)
            os.chown(planted, nobody, nobody)
            link = os.path.join(folder, "codearena")
            os.link(CODEARENA, link)
            done = subprocess.run([link, "judge", "--help"], capture_output=True, timeout=60)
            self.assertEqual(done.returncode, 1, done.stdout.decode())
            self.assertIn("another user", done.stderr.decode())
            self.assertFalse(os.path.exists(marker))


if __name__ == "__main__":
    unittest.main(verbosity=2)
