"""The ssh provider script (plugins/scripts/offload-provider-ssh) against real sshd hosts.

The module starts its own hosts: an sshd on 127.0.0.1 ("ha") and two sshds in network namespaces
it creates ("hb", "hc": own veth, own 10.200.N.0/24, own hostname, and a private tmpfs over the
remote directory, so that they behave as separate machines). Logins go to a dedicated
unprivileged user. Everything is stopped by PID and the namespaces removed at the end.

Without root, sshd, rsync or network namespaces the module prints why and exits 77 (skipped).
OFFLOAD_SSH_BENCH=1 runs the measurements of README-ssh.md instead of the tests.
"""
import os
import pathlib
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import ProjectTest, clean_env, install, junit, main, processes_with_env, skip_module, toml_string, wait_until

USER = "offload-ssh"
NETNS_HOSTS = ("hb", "hc")

T = None  # the module's temporary directory (pathlib.Path)
HOSTS = {}  # alias -> Host
PORT = 0
SSH_CONFIG = None


def run(*args, check=True, **kwargs):
    return subprocess.run(list(map(str, args)), check=check, capture_output=True, text=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid):
    """pid and every process below it."""
    children = {}
    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def kill_tree(pid):
    for p in descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Host:
    """One sshd: on 127.0.0.1 (netns None) or in a network namespace of its own."""

    def __init__(self, alias, address, netns=None, hostname=None):
        self.alias, self.address, self.netns = alias, address, netns
        self.hostname = hostname or os.uname().nodename
        self.process = None

    def start(self):
        conf = T / f"sshd-{self.alias}.conf"
        conf.write_text(f"""ListenAddress {self.address}
Port {PORT}
HostKey {T}/hostkey
PidFile none
AuthorizedKeysFile {T}/authorized_keys
UsePAM no
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
MaxStartups 200:30:400
MaxSessions 200
""")
        log = open(T / f"sshd-{self.alias}.log", "ab")
        if self.netns is None:
            argv = ["/usr/sbin/sshd", "-D", "-e", "-f", str(conf)]
        else:
            # Own hostname (the tests' marker) and a private tmpfs over the remote directory.
            # nsenter rather than `ip netns exec`, which remounts /sys and fails where /sys is not
            # fully ours (a chroot, a container).
            argv = ["nsenter", f"--net=/run/netns/{self.netns}", "unshare", "--uts", "--mount", "sh", "-c",
                    'hostname "$1" && mount -t tmpfs -o mode=1777 tmpfs "$2" && exec /usr/sbin/sshd -D -e -f "$3"',
                    "sh", self.hostname, str(T / "remote"), str(conf)]
        self.process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()

        def listening():
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd {self.alias} exited: {(T / f'sshd-{self.alias}.log').read_text()}")
            command = ["ssh", "-F", SSH_CONFIG, "-o", "ConnectTimeout=2", self.alias, "true"]
            return subprocess.run(command, capture_output=True).returncode == 0

        if not wait_until(listening, 15, 0.05):
            raise RuntimeError(f"sshd {self.alias} does not answer: {(T / f'sshd-{self.alias}.log').read_text()}")

    def kill(self):
        """Kills sshd and everything under it (its connections, the batches it runs): the host dies."""
        if self.process and self.process.poll() is None:
            kill_tree(self.process.pid)
            self.process.wait(timeout=10)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def listdir(self, path):
        """The entries of path as this host sees it ([] when it does not exist)."""
        if self.netns is None:
            return sorted(os.listdir(path)) if os.path.isdir(path) else []
        result = run("nsenter", f"--mount=/proc/{self.process.pid}/ns/mnt", "sh", "-c",
                     '[ ! -d "$1" ] || ls -A "$1"', "sh", path)
        return sorted(result.stdout.splitlines())

    def net_namespace(self):
        return os.readlink(f"/proc/{self.process.pid}/ns/net")


def setUpModule():
    global T, PORT, SSH_CONFIG
    if os.geteuid() != 0:
        skip_module("needs root: it starts sshd, adds a user and network namespaces")
    for tool in ["/usr/sbin/sshd", "ssh", "ssh-keygen", "rsync", "ip", "unshare", "nsenter", "flock", "setsid",
                 "useradd"]:
        if not shutil.which(tool):
            skip_module(f"{tool} is not installed (apt-get install openssh-server openssh-client rsync iproute2 "
                        f"util-linux passwd)")
    # The namespace hosts need private mount and UTS namespaces (not possible in some chroots).
    probe = run("unshare", "--uts", "--mount", "true", check=False)
    if probe.returncode != 0:
        skip_module(f"cannot make mount and UTS namespaces here: {probe.stderr.strip()}")
    if run("id", USER, check=False).returncode != 0:
        created = run("useradd", "-m", "-s", "/bin/sh", USER, check=False)
        if created.returncode not in (0, 9):   # 9: made meanwhile by another run
            skip_module(f"cannot add the test user {USER}: {created.stderr.strip()}")
    run("usermod", "-p", "*", USER)   # unlocked: sshd without PAM refuses locked accounts
    os.makedirs("/run/sshd", exist_ok=True)

    T = pathlib.Path(tempfile.mkdtemp(prefix="offload-ssh-it-"))
    T.chmod(0o755)   # sshd reads authorized_keys as the test user
    for d in ("remote", "marks", "pwn"):
        (T / d).mkdir()
        (T / d).chmod(0o1777)
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", T / "hostkey")
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", T / "id")
    shutil.copy(T / "id.pub", T / "authorized_keys")
    (T / "authorized_keys").chmod(0o644)
    PORT = free_port()

    tag = str(os.getpid() % 100000)
    taken = run("ip", "-4", "route").stdout
    subnets = [n for n in range(10 + os.getpid() % 200, 256) if f"10.200.{n}." not in taken][:len(NETNS_HOSTS)]
    if len(subnets) < len(NETNS_HOSTS):
        skip_module("no free 10.200.N.0/24 subnet for the test hosts")
    HOSTS["ha"] = Host("ha", "127.0.0.1")
    for alias, n in zip(NETNS_HOSTS, subnets):
        netns, veth = f"ossh{tag}{alias[-1]}", f"os{tag}{alias[-1]}"
        created = run("ip", "netns", "add", netns, check=False)
        if created.returncode != 0:
            skip_module(f"cannot add a network namespace: {created.stderr.strip()}")
        HOSTS[alias] = Host(alias, f"10.200.{n}.2", netns, hostname=f"ossh-{alias}")
        run("ip", "link", "add", veth + "a", "type", "veth", "peer", "name", veth + "b")
        run("ip", "link", "set", veth + "b", "netns", netns)
        run("ip", "addr", "add", f"10.200.{n}.1/24", "dev", veth + "a")
        run("ip", "link", "set", veth + "a", "up")
        inside = ("nsenter", f"--net=/run/netns/{netns}")
        run(*inside, "ip", "addr", "add", f"10.200.{n}.2/24", "dev", veth + "b")
        run(*inside, "ip", "link", "set", veth + "b", "up")
        run(*inside, "ip", "link", "set", "lo", "up")

    # Host aliases, as a user's ssh_config would have them. hdead/hdead2: nothing listens there.
    lines = []
    for alias, host in HOSTS.items():
        lines.append(f"Host {alias}\n  HostName {host.address}\n")
    lines.append(f"Host hdead\n  HostName 127.0.0.1\n  Port {free_port()}\n")
    lines.append(f"Host hdead2\n  HostName 127.0.0.1\n  Port {free_port()}\n")
    lines.append(f"""Host *
  Port {PORT}
  User {USER}
  IdentityFile {T}/id
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  LogLevel ERROR
  KexAlgorithms curve25519-sha256
""")
    SSH_CONFIG = str(T / "ssh_config")
    pathlib.Path(SSH_CONFIG).write_text("".join(lines))
    for host in HOSTS.values():
        host.start()


def tearDownModule():
    # Whatever a failed test left on the hosts: processes whose environment names this module's dirs.
    needle = str(T).encode() if T else None
    for proc in pathlib.Path("/proc").iterdir():
        try:
            if needle and proc.name.isdigit() and int(proc.name) != os.getpid() and \
                    needle in (proc / "environ").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)
        except OSError:
            pass
    for host in HOSTS.values():
        host.kill()
        if host.netns:
            run("ip", "netns", "delete", host.netns, check=False)   # takes its veth pair along
    if T is not None:
        # What the test user left in the shared remote dir (ha): its files are its own.
        shutil.rmtree(T, ignore_errors=True)


def ssh_processes():
    """Local ssh clients of this module's runs: their command lines name the state dir or ssh_config."""
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and cmdline.startswith("ssh") and (str(T / "state") in cmdline or SSH_CONFIG in cmdline):
            found.append(f"{proc.name}: {cmdline}")
    return found


RUN_SCRIPT = r"""#!/bin/sh
# run.sh RESULT ID...: each test notes where it ran, checks what the sandbox holds, writes JUnit.
result=$1; shift
host=$(hostname)
{
echo '<testsuite name="s">' >&3
for id in "$@"; do
    echo "test $id on host=$host sandbox=$OFFLOAD_SANDBOX_DIR"
    : > "$MARKS/$host-$id"
    ok=1
    [ "$(cat built.txt)" = built ] || { echo "setup_command did not run"; ok=0; }
    [ ! -e .git ] || { echo ".git was synced"; ok=0; }
    [ "$GREETING" = "hi 'there'" ] || { echo "env: GREETING=$GREETING"; ok=0; }
    case $TMPDIR in "$OFFLOAD_SANDBOX_DIR"/*) ;; *) echo "TMPDIR $TMPDIR"; ok=0 ;; esac
    sleep "${SLEEP:-0}"
    if [ $ok = 1 ]; then echo "<testcase name=\"$id\"/>" >&3; else echo "<testcase name=\"$id\"><failure/></testcase>" >&3; fi
done
echo '</testsuite>' >&3
} 3> "$result"
"""


class SshProviderTest(ProjectTest):
    def configure(self, hosts, tests=4, parallel=None, timeout=60, run=None, provider="", discovery="",
                  sleep=0, ids=None):
        ids = ids or [f"t{i:02}" for i in range(1, tests + 1)]
        (self.project / "ids.txt").write_text("".join(i + "\n" for i in ids))
        hosts_toml = ", ".join(toml_string(h) for h in hosts)
        self.write({
            "run.sh": RUN_SCRIPT,
            ".git/HEAD": "ref: refs/heads/main\n",
            "offload.toml": f"""[offload]
max_parallel = {parallel or len(hosts)}
test_timeout_secs = {timeout}

[provider]
type = "ssh"
hosts = [{hosts_toml}]
remote_dir = {toml_string(str(T / "remote" / "runs"))}
kill_grace_secs = 1
{provider}

[discovery]
type = "generic"
discover_command = "cat ids.txt"
run_command = {toml_string(run or f"MARKS={T}/marks SLEEP={sleep} sh ./run.sh {{result_file}} {{tests}}")}
{discovery}
""",
        })
        self.project.chmod(0o755)

    def env(self):
        state = T / "state"
        state.mkdir(exist_ok=True)
        return {"TMPDIR": str(state)}

    def run_offload(self, *args, **kwargs):
        return super().run_offload(*args, env=self.env(), **kwargs)

    def start_offload(self):
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(self.env()),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        def stop():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
        self.addCleanup(stop)
        return process

    def remote_runs(self):
        """{alias: run directories left on that host}."""
        path = str(T / "remote" / "runs")
        return {alias: [d for d in host.listdir(path) if d.startswith("run-")]
                for alias, host in HOSTS.items() if host.running()}

    def assert_clean(self):
        """Nothing of the run is left: remote run dirs, local ssh connections."""
        self.assertTrue(wait_until(lambda: not ssh_processes(), 3), f"ssh processes left: {ssh_processes()}")
        self.assertEqual(self.remote_runs(), {alias: [] for alias, host in HOSTS.items() if host.running()})

    def marks(self):
        return [p.name for p in (T / "marks").iterdir()]

    def setUp(self):
        super().setUp()
        for mark in (T / "marks").iterdir():
            mark.unlink()

    def test_a_suite_runs_on_every_host_and_slot(self):
        self.configure(["ha", "hb:2", "hc:2"], tests=12, parallel=5, sleep=0.2,
                       provider=f'ssh_config = {toml_string(SSH_CONFIG)}\n'
                                f'setup_command = "echo built > built.txt"\n'
                                f'env = {{ GREETING = "hi \'there\'" }}',
                       discovery="batch_size = 2")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("12 passed, 0 failed\n"), r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({k: v[0] for k, v in cases.items()}, {f"t{i:02}": "passed" for i in range(1, 13)})
        logs = "".join(p.read_text() for p in (self.project / "test-results" / "logs").glob("*.log"))
        for host in HOSTS.values():
            self.assertIn(f"on host={host.hostname} ", logs, f"no batch ran on {host.alias}")
        # Every slot was used: one sandbox on ha, two each on hb and hc.
        sandboxes = {}
        for line in logs.splitlines():
            if line.startswith("test "):
                host, sandbox = line.split(" host=")[1].split(" sandbox=")
                sandboxes.setdefault(host, set()).add(sandbox)
        self.assertEqual({host: len(s) for host, s in sandboxes.items()},
                         {HOSTS["ha"].hostname: 1, "ossh-hb": 2, "ossh-hc": 2})
        self.assertEqual(len(self.marks()), 12)
        self.assert_clean()

    def test_a_host_that_dies_mid_run_loses_no_test(self):
        self.configure(["hb:2", "hc:2"], tests=12, parallel=4, sleep=1, discovery="batch_size = 1",
                       provider=f'ssh_config = {toml_string(SSH_CONFIG)}\nsetup_command = "echo built > built.txt"\n'
                                f'env = {{ GREETING = "hi \'there\'" }}')
        self.addCleanup(lambda: HOSTS["hc"].running() or HOSTS["hc"].start())
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: any(m.startswith("ossh-hc-") for m in self.marks()), 20),
                        "no batch started on hc")
        HOSTS["hc"].kill()
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 0, out + err)
        self.assertTrue(out.endswith("12 passed, 0 failed\n"), out + err)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({k: v[0] for k, v in cases.items()}, {f"t{i:02}": "passed" for i in range(1, 13)})
        incidents = out[out.index("Incidents"):]
        self.assertIn("host hc", incidents)
        self.assertIn("connection was lost", incidents)
        self.assertTrue(any(m.startswith("ossh-hb-") for m in self.marks()))
        self.assert_clean()

    def test_a_timeout_kills_the_remote_process_tree(self):
        marker = f"OFFLOAD_SSH_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.configure(["hb"], tests=1, timeout=2, provider=f'ssh_config = {toml_string(SSH_CONFIG)}',
                       run=f"export {marker}; sh -c 'sleep 300 & sleep 300' {{tests}}")
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 3, 20), "the batch never started")
        # They run on hb: in its network namespace, as the test user.
        for pid in processes_with_env(marker):
            self.assertEqual(os.readlink(f"/proc/{pid}/ns/net"), HOSTS["hb"].net_namespace())
            self.assertEqual(pathlib.Path(f"/proc/{pid}").stat().st_uid, int(run("id", "-u", USER).stdout))
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 1, out + err)
        self.assertIn("timeout", out)
        self.assertEqual(processes_with_env(marker), [], "the remote batch survived its timeout")
        self.assert_clean()

    def test_ctrl_c_leaves_nothing_behind(self):
        marker = f"OFFLOAD_SSH_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.configure(["ha", "hb:2"], tests=6, parallel=3, provider=f'ssh_config = {toml_string(SSH_CONFIG)}',
                       run=f"export {marker}; sleep 300; echo {{tests}}")
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 3, 20),
                        f"batches never started: {processes_with_env(marker)}")
        self.assertNotEqual(self.remote_runs()["ha"], [])
        self.assertNotEqual(self.remote_runs()["hb"], [])
        self.assertNotEqual(ssh_processes(), [])
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual(processes_with_env(marker), [], "remote batches survived Ctrl-C")
        self.assert_clean()

    def test_ctrl_c_while_preparing_leaves_nothing_behind(self):
        marker = f"OFFLOAD_SSH_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.configure(["ha", "hb"], tests=2, provider=f'ssh_config = {toml_string(SSH_CONFIG)}\n'
                                                       f'setup_command = "export {marker}; sleep 300"')
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 2, 20), "setup_command never started")
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual(processes_with_env(marker), [], "setup_command survived Ctrl-C")
        self.assert_clean()

    def test_pytest_workers_get_their_tests_on_stdin_and_a_crash_and_a_hang_fail_alone(self):
        marker = f"OFFLOAD_SSH_MARKER={os.getpid()}-{time.monotonic_ns()}"
        name, value = marker.split("=")
        passing = [f"test_{i:02}" for i in range(20)]
        self.write({
            "test_suite.py": "import os, subprocess\n" + "".join(f"def {t}():\n    pass\n" for t in passing) +
                             "def test_crashes():\n    os._exit(0)\n"
                             "def test_hangs():\n"
                             f"    subprocess.run(['sleep', '300'], env=dict(os.environ, {name}='{value}'))\n",
            "offload.toml": f"""[offload]
max_parallel = 3
test_timeout_secs = 3

[provider]
type = "ssh"
hosts = ["hb:2", "hc"]
ssh_config = {toml_string(SSH_CONFIG)}
remote_dir = {toml_string(str(T / "remote" / "runs"))}
kill_grace_secs = 1

[discovery]
type = "pytest"
python = "/usr/bin/python3"
""",
        })
        self.project.chmod(0o755)
        r = self.run_offload("run", "-v", timeout=120)
        self.assertEqual(r.code, 1, r)
        cases = junit(self.project / "test-results" / "junit.xml")
        expected = {f"test_suite.py::{t}": "passed" for t in passing}
        expected.update({"test_suite.py::test_crashes": "failed", "test_suite.py::test_hangs": "failed"})
        self.assertEqual({k: v[0] for k, v in cases.items()}, expected)
        self.assertIn("crashed: the worker running it ended",
                      cases["test_suite.py::test_crashes"][1].find("failure").get("message"))
        self.assertEqual("timeout: still running after 3 s, killed",
                         cases["test_suite.py::test_hangs"][1].find("failure").get("message"))
        # Workers took their tests on stdin as they went: none had them in its command line.
        self.assertTrue("tests to start with) on sandbox" in r.err, "no worker was fed on stdin")
        self.assertFalse("<<'OFFLOAD_INPUT_" in r.err, "a worker got its tests in a here-document")
        # The hanging test was killed on its host (stop ran although the worker was stopped).
        self.assertEqual(processes_with_env(marker), [], "the hanging test survived on its host")
        self.assert_clean()

    def test_a_batch_command_too_long_for_one_argument_runs_on_the_host(self):
        # Two 70 KB ids make a command over Linux's 128 KiB for one argument, here and on the host.
        ids = [f"t{i}-" + "x" * 70000 for i in range(3)]
        self.configure(["hb"], ids=ids, parallel=1, discovery="batch_size = 3",
                       provider=f"ssh_config = {toml_string(SSH_CONFIG)}",
                       run="for id in {tests}; do echo \"${id%%-*} ${#id} on $(hostname)\"; done")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r.out[-3000:] + r.err[-3000:])
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r.out[-3000:])
        logs = [p.read_text().splitlines() for p in (self.project / "test-results" / "logs").glob("*.log")]
        ran = [[line for line in log if line.endswith(" 70003 on ossh-hb")] for log in logs]
        self.assertEqual(sorted(line for lines in ran for line in lines),
                         [f"t{i} 70003 on ossh-hb" for i in range(3)])
        self.assertGreaterEqual(max(len(lines) for lines in ran), 2, "no batch had two ids")
        self.assert_clean()

    def test_hostile_test_ids_arrive_intact_and_never_run(self):
        pwn = T / "pwn"
        ids = ["plain", "two words", "it's", f"$(touch {pwn}/1)", f"x; touch {pwn}/2", f"`touch {pwn}/3`",
               f'"dq" && touch {pwn}/4 #', "back\\slash", f"a'b\"c$HOME|touch {pwn}/5"]
        # No ssh_config here: the keys alone say how to log in.
        self.configure(["127.0.0.1"], ids=ids, run="for id in {tests}; do printf 'ARG<%s>\\n' \"$id\"; done",
                       provider=f'user = "{USER}"\nport = {PORT}\nidentity_file = {toml_string(str(T / "id"))}\n'
                                f'ssh_options = ["StrictHostKeyChecking no", "UserKnownHostsFile=/dev/null", '
                                f'"LogLevel ERROR"]',
                       discovery="batch_size = 1")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        logs = "".join(p.read_text() for p in (self.project / "test-results" / "logs").glob("*.log"))
        for test_id in ids:
            self.assertIn(f"ARG<{test_id}>\n", logs)
        self.assertEqual(list(pwn.iterdir()), [], "a test id was run as shell code")
        self.assert_clean()

    def test_an_unreachable_host_is_left_out_with_a_warning(self):
        self.configure(["hdead", "hb"], tests=4, parallel=2, sleep=0.1,
                       provider=f'ssh_config = {toml_string(SSH_CONFIG)}\nsetup_command = "echo built > built.txt"\n'
                                f'env = {{ GREETING = "hi \'there\'" }}')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("4 passed, 0 failed\n"), r)
        # prepare names the host and why, and tells offload to run no more sandboxes than there is room for.
        self.assertRegex(r.err, r"warning: \[script\] ssh provider: host hdead cannot be used and is left out of "
                                r"the run: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused")
        self.assertIn("has room for 1 sandbox", r.err)
        self.assertNotIn("could not be created", r.err)
        self.assertEqual({m.split("-t")[0] for m in self.marks()}, {"ossh-hb"})
        self.assert_clean()

    def test_when_no_host_can_be_reached_the_run_fails_at_once(self):
        self.configure(["hdead", "hdead2:3"], tests=2, provider=f'ssh_config = {toml_string(SSH_CONFIG)}')
        states = set((T / "state").iterdir())
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertIn("no host can be used", r.err)
        self.assertRegex(r.err, r"hdead: .*Connection refused")
        self.assertRegex(r.err, r"hdead2: .*Connection refused")
        self.assertLess(r.seconds, 15, r)
        self.assertEqual(set((T / "state").iterdir()), states, "the state directory of a failed prepare was left")
        self.assert_clean()


class ProtocolTest(unittest.TestCase):
    """The script driven verb by verb, as the bridge does: what offload does not exercise on its own."""

    def setUp(self):
        self.project = pathlib.Path(tempfile.mkdtemp(prefix="offload-ssh-proto-"))
        self.addCleanup(shutil.rmtree, self.project, ignore_errors=True)
        self.project.chmod(0o755)
        (self.project / "data").mkdir()
        (self.project / "data" / "in put.txt").write_text("hello\n")
        self.status = self.project / "status"
        self.env = clean_env({"TMPDIR": str(T / "state"), "OFFLOAD_PROTOCOL": "1",
                              "OFFLOAD_PROJECT_DIR": str(self.project), "OFFLOAD_MAX_SANDBOXES": "1",
                              "OFFLOAD_STATUS_FILE": str(self.status),
                              "OFFLOAD_CONFIG_HOSTS": "hb", "OFFLOAD_CONFIG_SSH_CONFIG": SSH_CONFIG,
                              "OFFLOAD_CONFIG_REMOTE_DIR": str(T / "remote" / "runs")})
        (T / "state").mkdir(exist_ok=True)

    def call(self, *args, code=0):
        script = install().plugin_dir / "offload-provider-ssh"
        r = subprocess.run([str(script), *args], env=self.env, capture_output=True, text=True, cwd=self.project,
                           timeout=60)
        self.assertEqual(r.returncode, code, f"{args}: {r.stdout}{r.stderr}")
        return r

    def test_every_verb_with_hostile_paths(self):
        self.assertIn("protocol 1", self.call("describe").stdout)
        replies = dict(line.split(" ", 1) for line in self.call("prepare").stdout.splitlines() if " " in line)
        self.env["OFFLOAD_PREPARED"] = replies["prepared"]
        self.assertEqual(replies["capacity"], "1")   # hb, with the default of one slot
        # When the last sandbox is gone, destroy closes every connection (also after a failure here).
        self.addCleanup(self.call, "destroy", "0@hb")
        created = self.call("create", "0").stdout
        sandbox = created.split("sandbox ", 1)[1].split("\n")[0]
        self.assertEqual(sandbox, "0@hb")
        workdir = created.split("workdir ", 1)[1].strip()
        self.assertEqual(HOSTS["hb"].listdir(workdir + "/data"), ["in put.txt"])

        name = "we'ird $(x) `y`; z.txt"
        self.call("upload", sandbox, str(self.project / "data" / "in put.txt"), f"sub dir/{name}")
        r = self.call("exec", sandbox, f"cat 'sub dir'/{shlex.quote(name)}")
        self.assertEqual(r.stdout, "hello\n")

        self.assertEqual(self.call("download", sandbox, f"sub dir/{name}", str(self.project / "back")).stdout, "")
        self.assertEqual((self.project / "back").read_text(), "hello\n")
        self.assertEqual(self.call("download", sandbox, "missing.xml", str(self.project / "none")).stdout.strip(),
                         "not-found")
        self.assertFalse((self.project / "none").exists())

        # A test's own exit codes, 255 included, are not infrastructure failures.
        for code in (0, 3, 255):
            self.status.write_text("")
            self.call("exec", sandbox, f"echo out; echo err >&2; exit {code}", code=code)
            self.assertEqual(self.status.read_text(), "")
        self.status.write_text("")
        self.call("exec", "7@hb", "true", code=1)
        self.assertIn("infra-error", self.status.read_text())

        self.call("destroy", sandbox, sandbox, "12@nowhere")
        self.assertEqual([d for d in HOSTS["hb"].listdir(str(T / "remote" / "runs")) if d.startswith("run-")], [])
        # `ssh -O exit` returns once the master has the request; it exits a moment later.
        self.assertTrue(wait_until(lambda: not ssh_processes(), 3), f"ssh processes left: {ssh_processes()}")

    def sandbox(self):
        """A prepared run with one sandbox on hb, destroyed at the end of the test."""
        replies = dict(line.split(" ", 1) for line in self.call("prepare").stdout.splitlines() if " " in line)
        self.env["OFFLOAD_PREPARED"] = replies["prepared"]
        self.addCleanup(self.call, "destroy", "0@hb")
        return self.call("create", "0").stdout.split("sandbox ", 1)[1].split("\n")[0]

    def start_exec(self, sandbox, command):
        script = install().plugin_dir / "offload-provider-ssh"
        process = subprocess.Popen([str(script), "exec", sandbox, command], env=self.env, cwd=self.project,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: process.stdin.closed or process.stdin.close())
        self.addCleanup(process.stdout.close)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
        return process

    def test_exec_forwards_stdin_as_it_comes_and_ends_with_the_command(self):
        self.assertIn("stdin", self.call("describe").stdout.split("\n")[1].split())
        sandbox = self.sandbox()
        script = install().plugin_dir / "offload-provider-ssh"
        # In order, to its end: the command sees the end of its input.
        r = subprocess.run([str(script), "exec", sandbox, "cat; echo END"], env=self.env, cwd=self.project,
                           input="a\n\nb ' \\ $(x)\n" + "c" * 100000 + "\n", capture_output=True, text=True,
                           timeout=60)
        self.assertEqual((r.returncode, r.stdout), (0, "a\n\nb ' \\ $(x)\n" + "c" * 100000 + "\nEND\n"), r.stderr)
        # Live: the command answers the first line before the second is written.
        process = self.start_exec(sandbox, 'while IFS= read -r l; do echo "got $l"; done; echo eof')
        process.stdin.write(b"one\n")
        process.stdin.flush()
        self.assertEqual(process.stdout.readline(), b"got one\n")
        process.stdin.write(b"two\n")
        process.stdin.close()
        self.assertEqual(process.stdout.read(), b"got two\neof\n")
        self.assertEqual(process.wait(timeout=30), 0)
        # The command ends while its stdin is still open (a worker that crashed): exec ends with it,
        # with the command's exit code, without waiting for input that will not come.
        process = self.start_exec(sandbox, "read -r l; echo \"read $l\"; exit 7")
        process.stdin.write(b"x\n")
        process.stdin.flush()
        self.assertEqual(process.wait(timeout=30), 7)
        self.assertEqual(process.stdout.read(), b"read x\n")
        process.stdin.close()
        self.assertEqual(self.status.read_text() if self.status.exists() else "", "")
        # Nothing of the calls is left running here (the feeder of ssh's stdin has their environment).
        self.assertEqual(processes_with_env("OFFLOAD_PREPARED=" + self.env["OFFLOAD_PREPARED"]), [])

    def test_bad_configuration_is_named(self):
        self.env["OFFLOAD_CONFIG_HOSTS"] = ""
        self.assertIn("hosts is required", self.call("prepare", code=1).stderr)
        self.env["OFFLOAD_CONFIG_HOSTS"] = "hb\nhb:2"
        self.assertIn("'hb' is listed twice", self.call("prepare", code=1).stderr)
        self.env["OFFLOAD_CONFIG_HOSTS"] = "hb"
        self.env["OFFLOAD_CONFIG_SANDBOX_COPY"] = "symlinks"
        self.assertIn("sandbox_copy must be", self.call("prepare", code=1).stderr)


# --- measurements (OFFLOAD_SSH_BENCH=1) ---------------------------------------------------------

def bench():
    setUpModule()
    try:
        project = pathlib.Path(tempfile.mkdtemp(prefix="offload-ssh-bench-"))
        project.chmod(0o755)
        env = {"TMPDIR": str(T / "state")}
        (T / "state").mkdir(exist_ok=True)

        def config(provider, tests, run, parallel):
            (project / "ids.txt").write_text("".join(f"t{i:02}\n" for i in range(tests)))
            (project / "offload.toml").write_text(f"""[offload]
max_parallel = {parallel}
[history]
enabled = false
[provider]
{provider}
[discovery]
type = "generic"
discover_command = "cat ids.txt"
run_command = "{run}"
batch_size = 1
""")

        def timed(repeat):
            times = []
            for _ in range(repeat):
                start = time.monotonic()
                r = subprocess.run([str(install().offload), "run"], cwd=project, env=clean_env(env),
                                   capture_output=True, text=True)
                times.append(time.monotonic() - start)
                assert r.returncode == 0, r.stdout + r.stderr
            times.sort()
            return times[len(times) // 2]

        ssh = f'type = "ssh"\nssh_config = {toml_string(SSH_CONFIG)}\nremote_dir = {toml_string(str(T / "remote" / "runs"))}\n'
        process = 'type = "process"\n'
        print("offload-provider-ssh measurements (median of 5 runs; sshd on 127.0.0.1 and in network namespaces)")
        config(process, 1, "true {tests}", 1)
        p1 = timed(5)
        config(ssh + 'hosts = ["ha"]', 1, "true {tests}", 1)
        s1 = timed(5)
        print(f"one run of one trivial batch: process {p1:.3f} s, ssh {s1:.3f} s, difference {s1 - p1:.3f} s")
        config(process, 20, "true {tests}", 1)
        p20 = timed(5)
        config(ssh + 'hosts = ["ha"]', 20, "true {tests}", 1)
        s20 = timed(5)
        print(f"20 trivial batches one after the other: process {p20:.3f} s, ssh {s20:.3f} s, "
              f"per-batch overhead of ssh {(s20 - s1 - (p20 - p1)) / 19 * 1000:.0f} ms")
        config(ssh + 'hosts = ["ha:2", "hb:1", "hc:1"]', 16, "sleep 1; true {tests}", 4)
        s16 = timed(5)
        print(f"16 tests of sleep 1 s on 4 ssh slots (ha:2, hb, hc): {s16:.2f} s, ideal 4 s, "
              f"{(s16 / 4 - 1) * 100:.0f}% over")
        config(process, 16, "sleep 1; true {tests}", 4)
        print(f"the same on 4 process sandboxes: {timed(3):.2f} s")

        # pytest workers: tests on stdin as they run, against the same script without its `stdin`
        # capability (offload then writes each worker's tests into its command line).
        (project / "test_many.py").write_text("".join(f"def test_{i:02}():\n    pass\n" for i in range(50)))
        plugins = project / ".offload" / "plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        heredoc = plugins / "offload-provider-sshheredoc"
        heredoc.write_text((install().plugin_dir / "offload-provider-ssh").read_text().replace(
            "finish template stdin\"", "finish template\""))
        heredoc.chmod(0o755)
        for parallel in (1, 2):
            results = {}
            for kind in ("ssh", "sshheredoc"):
                (project / "offload.toml").write_text(f"""[offload]
max_parallel = {parallel}
[history]
enabled = false
[provider]
{ssh.replace('type = "ssh"', f'type = "{kind}"')}hosts = ["hb:2"]
[discovery]
type = "pytest"
python = "/usr/bin/python3"
""")
                results[kind] = timed(5)
            print(f"50 trivial pytest tests on {parallel} sandbox(es) of one host: tests on stdin "
                  f"{results['ssh']:.2f} s, in a here-document {results['sshheredoc']:.2f} s")
        shutil.rmtree(project, ignore_errors=True)
    finally:
        tearDownModule()


if __name__ == "__main__":
    if os.environ.get("OFFLOAD_SSH_BENCH") == "1":
        bench()
    else:
        main()
