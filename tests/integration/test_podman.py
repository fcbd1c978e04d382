"""The podman provider script (plugins/scripts/offload-provider-podman) against a real podman.

podman runs with its own configuration and storage in a temporary directory (CONTAINERS_CONF,
CONTAINERS_STORAGE_CONF: runtime runc, vfs storage, no network), so the machine's own podman
state is never touched, and the image is imported from a busybox-static root filesystem built
here (no registry is reachable). Where podman cannot start a container, the module says why and
exits 77 (skipped).

OFFLOAD_BENCH_PODMAN=1 runs no tests but prints the per-batch overhead of the provider instead
(podman against the process provider, same trivial project).
"""
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

from harness import (skip_module, ProjectTest, clean_env, generic_config, install, junit, main, offload, processes_with_env,
                     wait_until, write_files)

IMAGE = "localhost/offload-test-busybox:1"
# The same with this machine's /usr mounted read-only (run_args of python_provider()): its
# /usr/bin/python3 and pytest, on a merged-/usr system.
PYTHON_IMAGE = "localhost/offload-test-python:1"
ENGINE_DIR = None          # podman's configuration, storage and run state for this module
ENGINE_ENV = {}


def podman(*args, check=True, timeout=60):
    return subprocess.run(["podman", *map(str, args)], env={**os.environ, **ENGINE_ENV}, capture_output=True,
                          text=True, timeout=timeout, check=check)


def busy_sandboxes(marker):
    """How many sandboxes run a process whose environment holds marker (each has its own pid
    namespace)."""
    namespaces = set()
    for pid in processes_with_env(marker):
        try:
            namespaces.add(os.readlink(f"/proc/{pid}/ns/pid"))
        except OSError:
            pass
    return len(namespaces)


def start_engine():
    """Configures a private podman and imports the test image; exits 77 when that cannot work."""
    global ENGINE_DIR
    for program in ("podman", "runc"):
        if shutil.which(program) is None:
            skip_module(f"{program} is not installed (tools/bootstrap --tests installs podman and runc)")
    busybox = pathlib.Path("/bin/busybox")
    if not busybox.exists() or b"/ld-linux" in busybox.read_bytes()[:4096]:
        skip_module("a static /bin/busybox is needed to build the test image (apt-get install busybox-static)")

    ENGINE_DIR = pathlib.Path(tempfile.mkdtemp(prefix="offload-podman-"))
    conf, storage = ENGINE_DIR / "containers.conf", ENGINE_DIR / "storage.conf"
    conf.write_text(f"""[containers]
default_ulimits = ["nofile=20000:20000", "nproc=30000:30000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "{ENGINE_DIR}/tmp"
""")
    storage.write_text(f"""[storage]
driver = "vfs"
graphroot = "{ENGINE_DIR}/root"
runroot = "{ENGINE_DIR}/run"
""")
    ENGINE_ENV.update(CONTAINERS_CONF=str(conf), CONTAINERS_STORAGE_CONF=str(storage))
    # offload passes its environment on to the provider script, and so to podman.
    os.environ.update(ENGINE_ENV)

    rootfs = ENGINE_DIR / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    for name in ("tmp", "etc", "proc", "sys", "dev"):
        (rootfs / name).mkdir()
    shutil.copy(busybox, rootfs / "bin" / "busybox")
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            (rootfs / "bin" / applet).symlink_to("busybox")
    imported = import_image(rootfs, IMAGE)
    if imported.returncode != 0:
        skip_module(f"podman cannot import an image here: {imported.stderr.strip()}")
    probe = podman("run", "--rm", "--network=none", IMAGE, "echo", "ok", check=False)
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        skip_module(f"podman cannot run a container here: {probe.stderr.strip()}")


def import_image(rootfs, name):
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-cf", "-", "."], stdout=subprocess.PIPE)
    imported = subprocess.run(["podman", "import", "-q", "-", name], stdin=tar.stdout, capture_output=True,
                              text=True, env={**os.environ, **ENGINE_ENV}, timeout=60)
    tar.stdout.close()
    tar.wait()
    return imported


def python_provider(test):
    """[provider] lines for containers that run this machine's /usr/bin/python3 and pytest; skips
    the test where the machine's layout does not allow it."""
    if not (os.path.islink("/lib") and os.readlink("/lib") == "usr/lib" and os.path.exists("/usr/bin/python3")):
        test.skipTest("needs a merged /usr (/lib -> usr/lib) with /usr/bin/python3 to mount into containers")
    if PYTHON_IMAGE not in podman("images", "--format", "{{.Repository}}:{{.Tag}}").stdout.split():
        rootfs = ENGINE_DIR / "rootfs-python"
        shutil.copytree(ENGINE_DIR / "rootfs", rootfs, symlinks=True)
        (rootfs / "usr").mkdir()
        for name in ("lib", "lib64"):
            if os.path.islink(f"/{name}"):
                (rootfs / name).symlink_to(os.readlink(f"/{name}"))
        imported = import_image(rootfs, PYTHON_IMAGE)
        test.assertEqual(imported.returncode, 0, imported.stderr)
    return f'image = "{PYTHON_IMAGE}"\nrun_args = ["--volume", "/usr:/usr:ro"]\n'


def kill_leftovers():
    """Kills every conmon of this module's podman (its command line names ENGINE_DIR) with what
    runs under it: a container that podman failed to remove must not outlive its storage."""
    children = {}
    roots = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if str(ENGINE_DIR).encode() in (proc / "cmdline").read_bytes():
                roots.append(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(proc.name))
    doomed = []
    while roots:
        pid = roots.pop()
        doomed.append(pid)
        roots.extend(children.get(pid, []))
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop_engine():
    if ENGINE_DIR is None:
        return
    podman("rm", "-a", "-f", "-t", "0", check=False)
    podman("rmi", "-a", "-f", check=False)
    kill_leftovers()
    # podman mounts a /dev/shm per container under its run directory; none may outlive it.
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(str(ENGINE_DIR))]
    for point in sorted(points, reverse=True):
        subprocess.run(["umount", "-l", point], check=False)
    shutil.rmtree(ENGINE_DIR, ignore_errors=True)


def setUpModule():
    start_engine()


def tearDownModule():
    stop_engine()


def containers(all_states=True):
    """Names of the containers podman knows (every one of them is this module's)."""
    out = podman("ps", *(["-a"] if all_states else []), "--format", "{{.Names}}").stdout
    return out.split()


def config(run, discover, *, parallel=2, timeout=60, provider="", discovery=""):
    return generic_config(discover, run, parallel=parallel, timeout=timeout, provider="podman",
                          provider_extra=f'image = "{IMAGE}"\n' + provider, discovery_extra=discovery)


# Writes JUnit for its tests; "bad" fails with a message naming the container it ran in. Also
# reports where it ran, on which network, and whether the project was writable.
JUNIT_WRITER = r'''result=$1; shift
{
  echo '<?xml version="1.0"?><testsuite name="s">'
  for t in "$@"; do
    if [ "$t" = bad ]; then
      echo "<testcase name=\"$t\"><failure message=\"bad failed in $(hostname)\"/></testcase>"
    else
      echo "<testcase name=\"$t\"/>"
    fi
  done
  echo '</testsuite>'
} > "$result"
echo "ran [$*] pwd=$(pwd) tmp=$TMPDIR net=[$(ls /sys/class/net | tr '\n' ' ')] greeting=[$GREETING]"
if touch written-by-test 2>/dev/null; then echo project=writable; else echo project=read-only; fi
'''


class PodmanTest(ProjectTest):
    def tearDown(self):
        # Every run must clean up after itself; this only keeps a failure from spilling over.
        left = containers()
        if left:
            podman("rm", "-f", "-t", "0", *left, check=False)
        super().tearDown()

    def logs(self):
        return "".join(p.read_text() for p in sorted((self.project / "test-results" / "logs").glob("*.log")))

    def outcomes(self):
        return {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}

    def test_a_suite_runs_in_containers_with_the_project_mounted_and_results_come_back(self):
        self.write({
            "t.sh": JUNIT_WRITER,
            "offload.toml": config("sh ./t.sh {result_file} {tests}", "printf 'a\\nb\\nbad\\nd\\ne\\nf\\n'",
                                   provider="env = { GREETING = \"hi $(id) 'q'\" }", discovery="batch_size = 3"),
        })
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.out.endswith("5 passed, 1 failed\n"), r)
        self.assertEqual(self.outcomes(), {"a": "passed", "b": "passed", "bad": "failed", "d": "passed",
                                           "e": "passed", "f": "passed"})
        # The failure message comes from the result file written inside a container (its hostname
        # is the container's id) and fetched with `podman cp`.
        failure = junit(self.project / "test-results" / "junit.xml")["bad"][1].find("failure")
        host = failure.get("message").rsplit(" ", 1)[1]
        self.assertRegex(host, r"^[0-9a-f]{12}$")
        logs = self.logs()
        self.assertIn("pwd=/project tmp=/offload-sandbox net=[lo ]", logs)
        self.assertIn("greeting=[hi $(id) 'q']", logs)
        self.assertIn("project=read-only", logs)
        self.assertNotIn("project=writable", logs)
        self.assertFalse((self.project / "written-by-test").exists())
        self.assertEqual(containers(), [])

    def test_without_the_mount_the_project_is_copied_into_each_container(self):
        self.write({
            "t.sh": JUNIT_WRITER,
            "offload.toml": config("sh ./t.sh {result_file} {tests}", "printf 'a\\nb\\n'", parallel=1,
                                   provider="mount_project = false"),
        })
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"a": "passed", "b": "passed"})
        self.assertIn("project=writable", self.logs())
        self.assertFalse((self.project / "written-by-test").exists(), "the copy wrote into the project")
        self.assertEqual(containers(), [])

    def test_ctrl_c_leaves_no_container_and_nothing_running(self):
        marker = f"OFFLOAD_PODMAN_MARK={os.getpid()}-{time.monotonic_ns()}"
        self.write({"offload.toml": config(f"export {marker}; sleep 300; true {{tests}}",
                                           "printf 'a\\nb\\nc\\nd\\n'")})
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        self.assertTrue(wait_until(lambda: busy_sandboxes(marker) >= 2, 30), "batches never started")
        self.assertEqual(len(containers(all_states=False)), 2)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual(containers(), [])
        self.assertEqual(processes_with_env(marker), [])

    def test_ctrl_c_while_a_container_is_made_removes_it(self):
        # A project that takes a while to copy in: Ctrl-C lands while `create` is still busy.
        self.write({"offload.toml": config("true {tests}", "echo a", provider="mount_project = false")})
        with open(self.project / "big.bin", "wb") as f:
            f.write(os.urandom(1 << 20) * 64)
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())

        def creating():
            for proc in pathlib.Path("/proc").iterdir():
                try:
                    if b"offload-provider-podman\0create\0" in (proc / "cmdline").read_bytes():
                        return bool(containers())
                except OSError:
                    pass
            return False
        self.assertTrue(wait_until(creating, 30, interval=0.02), "no container was being created")
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        # The removal may finish a moment after offload: it runs detached, so that a kill of the
        # create call after kill_grace_secs cannot stop it.
        self.assertTrue(wait_until(lambda: not containers(), 10), containers())

    def test_a_timeout_kills_the_test_inside_the_container(self):
        # "slow" ignores SIGTERM and outlives the local `podman exec`; only `stop` kills it. "check"
        # then runs in the same container (one sandbox) and looks for it.
        self.write({
            "t.sh": '''case $1 in
slow) touch "$TMPDIR/slow-started"; exec sh -c 'trap "" TERM INT HUP; sleep 317' ;;
check) [ -f "$TMPDIR/slow-started" ] || { echo "slow did not run first"; exit 3; }
       if ps | grep -v grep | grep 'sleep 317'; then echo "slow survived its timeout"; exit 4; fi ;;
esac
''',
            "offload.toml": config("sh ./t.sh {tests}", "printf 'slow\\ncheck\\n'", parallel=1, timeout=2),
        })
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 1, r)
        self.assertIn("slow: timeout", r.out)
        self.assertEqual(self.outcomes(), {"slow": "failed", "check": "passed"}, self.logs())
        self.assertEqual(containers(), [])

    def test_a_container_killed_mid_batch_is_an_infra_failure_and_its_batch_reruns(self):
        marker = f"OFFLOAD_PODMAN_MARK={os.getpid()}-{time.monotonic_ns()}"
        self.write({
            "t.sh": 'echo "$1 ran in $(hostname)"; sleep 2\n',
            "offload.toml": config(f"export {marker}; sh ./t.sh {{tests}}", "printf 'a\\nb\\nc\\nd\\n'"),
        })
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        self.assertTrue(wait_until(lambda: busy_sandboxes(marker) >= 2, 30), "batches never started")
        victim = containers(all_states=False)[0]
        podman("kill", victim)
        out, err = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 0, out + err)
        self.assertTrue(out.endswith("4 passed, 0 failed\n"), out + err)
        self.assertRegex(out, r"Incidents \(1\):\n  sandbox \d failed under batch")
        self.assertIn(f"container {victim} is gone", out)
        self.assertEqual(self.outcomes(), {t: "passed" for t in "abcd"})
        self.assertEqual(containers(), [])

    def test_pytest_workers_get_their_tests_on_stdin_and_a_crash_and_a_hang_fail_alone(self):
        marker = f"OFFLOAD_PODMAN_MARK={os.getpid()}-{time.monotonic_ns()}"
        name, value = marker.split("=")
        passing = [f"test_{i:02}" for i in range(12)]
        self.write({
            "test_suite.py": "import os, subprocess\n" + "".join(f"def {t}():\n    pass\n" for t in passing) +
                             "def test_crashes():\n    os._exit(0)\n"
                             "def test_hangs():\n"
                             f"    subprocess.run(['sleep', '300'], env=dict(os.environ, {name}='{value}'))\n",
            "offload.toml": f"""[offload]
max_parallel = 2
test_timeout_secs = 3

[provider]
type = "podman"
kill_grace_secs = 1
{python_provider(self)}
[discovery]
type = "pytest"
python = "/usr/bin/python3"
""",
        })
        r = self.run_offload("run", "-v", timeout=180)
        self.assertEqual(r.code, 1, r.out[-3000:] + r.err[-3000:])
        expected = {f"test_suite.py::{t}": "passed" for t in passing}
        expected.update({"test_suite.py::test_crashes": "failed", "test_suite.py::test_hangs": "failed"})
        self.assertEqual(self.outcomes(), expected)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual("timeout: still running after 3 s, killed",
                         cases["test_suite.py::test_hangs"][1].find("failure").get("message"))
        # Workers took their tests on stdin as they went: none had them in its command line.
        self.assertTrue("tests to start with) on sandbox" in r.err, "no worker was fed on stdin")
        self.assertFalse("<<'OFFLOAD_INPUT_" in r.err, "a worker got its tests in a here-document")
        # The hanging test was killed inside its container before the container went.
        self.assertEqual(processes_with_env(marker), [])
        self.assertEqual(containers(), [])

    def test_exec_forwards_stdin_as_it_comes_and_ends_with_the_command(self):
        script = install().plugin_dir / "offload-provider-podman"
        env = {**os.environ, "OFFLOAD_PROTOCOL": "1", "OFFLOAD_PROJECT_DIR": str(self.project),
               "OFFLOAD_CONFIG_IMAGE": IMAGE, "OFFLOAD_STATUS_FILE": str(self.project / "status")}
        call = lambda *args, **kwargs: subprocess.run([str(script), *args], env=env, cwd=self.project,
                                                      capture_output=True, text=True, timeout=60, **kwargs)
        self.assertIn("stdin", call("describe").stdout.splitlines()[1].split())
        env["OFFLOAD_PREPARED"] = call("prepare").stdout.split()[1]
        sandbox = call("create", "0").stdout.split()[1]
        self.addCleanup(call, "destroy", sandbox)
        # In order, to its end.
        r = call("exec", sandbox, "cat; echo END", input="a\n\nb ' $(x)\n" + "c" * 100000 + "\n")
        self.assertEqual((r.returncode, r.stdout), (0, "a\n\nb ' $(x)\n" + "c" * 100000 + "\nEND\n"), r.stderr)
        # Live: the command answers the first line before the second is written.
        process = subprocess.Popen([str(script), "exec", sandbox, 'while read -r l; do echo "got $l"; done; echo eof'],
                                   env=env, cwd=self.project, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
        process.stdin.write(b"one\n")
        process.stdin.flush()
        self.assertEqual(process.stdout.readline(), b"got one\n")
        process.stdin.write(b"two\n")
        process.stdin.close()
        self.assertEqual(process.stdout.read(), b"got two\neof\n")
        process.stdout.close()
        self.assertEqual(process.wait(timeout=30), 0)
        # A command that ends while its stdin is still open ends the call with its exit code.
        process = subprocess.Popen([str(script), "exec", sandbox, "read -r l; exit 7"], env=env, cwd=self.project,
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
        self.addCleanup(process.stdin.close)
        process.stdin.write(b"x\n")
        process.stdin.flush()
        self.assertEqual(process.wait(timeout=30), 7)

    def test_hostile_ids_paths_and_values_are_data(self):
        spy = pathlib.Path(tempfile.mkdtemp(prefix="offload-podman-spy-"))
        self.addCleanup(shutil.rmtree, spy, ignore_errors=True)
        ids = ["a b", f"$(touch {spy}/pwned1)", f"`touch {spy}/pwned2`", f"'; touch {spy}/pwned3; '",
               '"quoted"', "--help", "-e", "back\\slash", "*", "ünï"]
        # The project's own path holds what --mount and `podman cp` treat specially.
        project = self.project / 'we:ird, "dir"'
        write_files(project, {
            "ids.txt": "\n".join(ids) + "\n",
            "t.sh": f'printf "got:%s\\n" "$1" >> {spy}/got; printf "env:%s\\n" "$PAYLOAD" >> {spy}/got\n',
            "offload.toml": config("sh ./t.sh {tests}", "cat ids.txt", provider=f"""
env = {{ PAYLOAD = "$(touch {spy}/pwned-env) ; touch {spy}/pwned-env2" }}
run_args = ["--volume", "{spy}:{spy}", "--label", "note=a b; $(touch {spy}/pwned-arg)"]
"""),
        })
        r = offload("run", cwd=project, timeout=120)
        self.assertEqual(r.code, 0, r)
        lines = (spy / "got").read_text().splitlines()
        self.assertEqual(sorted(l[4:] for l in lines if l.startswith("got:")), sorted(ids))
        self.assertEqual({l for l in lines if l.startswith("env:")},
                         {f"env:$(touch {spy}/pwned-env) ; touch {spy}/pwned-env2"})
        self.assertEqual(sorted(p.name for p in spy.iterdir()), ["got"])
        self.assertEqual(containers(), [])


def bench(rounds=5):
    """Prints the time of a one-trivial-test run through podman and through the process provider,
    and the cost of each further batch on an existing container."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="offload-podman-bench-"))
    try:
        def timed(provider, tests):
            project = root / f"{provider}-{tests}"
            extra = f'image = "{IMAGE}"' if provider == "podman" else ""
            write_files(project, {"offload.toml": f"""[offload]
max_parallel = 1
[provider]
type = "{provider}"
{extra}
[discovery]
type = "generic"
discover_command = "seq {tests}"
run_command = "true {{tests}}"
"""})
            seconds = []
            for _ in range(rounds):
                r = offload("run", "-q", cwd=project, timeout=300)
                assert r.code == 0, r
                seconds.append(r.seconds)
            return statistics.median(seconds)

        one = {p: timed(p, 1) for p in ("process", "podman")}
        twenty = {p: timed(p, 20) for p in ("process", "podman")}
        for p in ("process", "podman"):
            print(f"{p:8} one batch of one test: {one[p]:.3f} s; 20 batches on one sandbox: {twenty[p]:.3f} s; "
                  f"each further batch: {(twenty[p] - one[p]) / 19 * 1000:.0f} ms")
        print(f"podman overhead of a one-test run (create + exec + download + destroy): "
              f"{one['podman'] - one['process']:.3f} s")
        print(f"podman overhead per further batch (exec + download): "
              f"{((twenty['podman'] - one['podman']) - (twenty['process'] - one['process'])) / 19 * 1000:.0f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get("OFFLOAD_BENCH_PODMAN"):
        start_engine()
        try:
            bench()
        finally:
            stop_engine()
    else:
        main()
