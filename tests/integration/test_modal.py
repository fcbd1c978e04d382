"""The Modal provider script (plugins/scripts/offload-provider-modal) against a recorded fake of
the `modal` Python SDK (tests/fixtures/modal/modal/), not against Modal itself: Modal cannot be
reached from here. The fake reproduces the SDK's documented behaviour; its sandboxes are local
bubblewrap containers, and it records every call, so the tests can check both what a user sees
and what the script asked of the SDK. Without bubblewrap, the module says why and exits 77.

The script runs as `python3` from PATH; the tests put /usr/bin/python3 first (a pyenv shim would
cost 0.4 s a call) and the fake on PYTHONPATH.
"""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time

from harness import (skip_module, SOURCE_DIR, ProjectTest, clean_env, install, junit, main, offload, processes_with_env,
                     toml_string, wait_until, write_files)

FAKE = SOURCE_DIR / "tests" / "fixtures" / "modal"
BIN_DIR = None


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


def setUpModule():
    global BIN_DIR
    for program in ("bwrap", "nsenter"):
        if shutil.which(program) is None:
            skip_module(f"{program} is not installed; the fake Modal's sandboxes need it (apt-get install bubblewrap)")
    probe = subprocess.run(["bwrap", "--unshare-pid", "--ro-bind", "/", "/", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        skip_module(f"bubblewrap cannot make a sandbox here: {probe.stderr.strip()}")
    BIN_DIR = pathlib.Path(tempfile.mkdtemp(prefix="offload-modal-bin-"))
    (BIN_DIR / "python3").symlink_to("/usr/bin/python3")


def tearDownModule():
    if BIN_DIR:
        shutil.rmtree(BIN_DIR, ignore_errors=True)


JUNIT_WRITER = r'''result=$1; shift
{
  echo '<?xml version="1.0"?><testsuite name="s">'
  for t in "$@"; do
    if [ "$t" = bad ]; then
      echo "<testcase name=\"$t\"><failure message=\"bad failed in $(pwd)\"/></testcase>"
    else
      echo "<testcase name=\"$t\"/>"
    fi
  done
  echo '</testsuite>'
} > "$result"
echo "ran [$*] greeting=[$GREETING] git=$([ -e .git ] && echo uploaded || echo ignored)"
touch written-by-test
'''


class ModalTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.state = pathlib.Path(tempfile.mkdtemp(prefix="offload-modal-state-"))
        self.addCleanup(shutil.rmtree, self.state, ignore_errors=True)
        self.addCleanup(self.kill_sandboxes)   # cleanups run last first: before the rmtree

    def env(self):
        return {"MODAL_FAKE_STATE": str(self.state), "PYTHONPATH": str(FAKE),
                "PATH": f"{BIN_DIR}:{os.environ['PATH']}"}

    def kill_sandboxes(self):
        """Only for a failed test: the runs themselves must leave nothing behind."""
        left = [s for s in self.sandboxes() if not (s / "result.json").exists()]
        for sandbox in left:
            (sandbox / "terminate-requested").touch()   # one still starting kills itself
            runtime = sandbox / "runtime.json"
            if runtime.exists():
                for pid in json.loads(runtime.read_text()).values():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        if left:
            time.sleep(0.5)   # let the supervisors see it before the state goes

    def sandboxes(self):
        root = self.state / "sandboxes"
        return sorted(root.iterdir()) if root.exists() else []

    def running_sandboxes(self):
        return [s.name for s in self.sandboxes() if not (s / "result.json").exists()]

    def assert_all_terminated(self):
        self.assertTrue(self.sandboxes(), "no sandbox was made")
        self.assertTrue(wait_until(lambda: not self.running_sandboxes(), 10),
                        f"sandboxes still running: {self.running_sandboxes()}")
        for sandbox in self.sandboxes():
            self.assertEqual(json.loads((sandbox / "result.json").read_text())["status"], "terminated", sandbox)
        terminated = {c["args"][0] for c in self.calls("Sandbox.terminate")}
        self.assertEqual({s.name for s in self.sandboxes()} - terminated, set())

    def calls(self, name=None):
        lines = (self.state / "calls.jsonl").read_text().splitlines()
        return [c for c in map(json.loads, lines) if name is None or c["call"] == name]

    def configure(self, run, discover, *, parallel=2, timeout=60, provider='image = "python:3.12-slim"',
                  discovery="", project=None):
        write_files(project or self.project, {"offload.toml": f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = 0

[provider]
type = "modal"
kill_grace_secs = 1
{provider}

[discovery]
type = "generic"
discover_command = {toml_string(discover)}
run_command = {toml_string(run)}
{discovery}
"""})

    def run_offload(self, *args, **kwargs):
        return offload(*args, cwd=kwargs.pop("cwd", self.project), env=self.env(), **kwargs)

    def start_offload(self):
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(self.env()),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        return process

    def logs(self):
        return "".join(p.read_text() for p in sorted((self.project / "test-results" / "logs").glob("*.log")))

    def outcomes(self):
        return {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}

    def test_a_suite_runs_on_sandboxes_and_results_come_back(self):
        self.write({"t.sh": JUNIT_WRITER, ".git/HEAD": "ref: refs/heads/main\n"})
        self.configure("sh ./t.sh {result_file} {tests}", "printf 'a\\nb\\nbad\\nd\\ne\\nf\\n'",
                       provider='image = "python:3.12-slim"\nenv = { GREETING = "hi $(id) \'q\'" }',
                       discovery="batch_size = 3")
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.out.endswith("5 passed, 1 failed\n"), r)
        self.assertEqual(self.outcomes(), {t: "failed" if t == "bad" else "passed" for t in
                                           ["a", "b", "bad", "d", "e", "f"]})
        # Written in the sandbox's copy of the project, fetched by `download`.
        failure = junit(self.project / "test-results" / "junit.xml")["bad"][1].find("failure")
        self.assertEqual(failure.get("message"), "bad failed in /project")
        logs = self.logs()
        self.assertIn("greeting=[hi $(id) 'q'] git=ignored", logs)
        self.assertFalse((self.project / "written-by-test").exists())

        # What the script asked of the SDK: one app, one image built once with the project in it,
        # one sandbox per worker, tagged with the run.
        self.assertEqual([c["args"] for c in self.calls("Image.from_registry")], [["python:3.12-slim"]])
        [upload] = self.calls("Image.add_local_dir")
        self.assertEqual(upload["args"], [str(self.project), "/project"])
        self.assertEqual(upload["kwargs"], {"copy": True, "ignore": [".git", ".offload", "test-results"]})
        self.assertEqual(len(self.calls("Image.build")), 1)
        creates = self.calls("Sandbox.create")
        self.assertEqual(len(creates), 2)
        runs = {c["kwargs"]["tags"]["offload-run"] for c in creates}
        self.assertEqual(len(runs), 1)
        self.assertEqual(sorted(c["kwargs"]["tags"]["offload-sandbox"] for c in creates), ["0", "1"])
        self.assertEqual({c["kwargs"]["workdir"] for c in creates}, {"/project"})
        self.assertEqual(creates[0]["kwargs"]["env"], {"GREETING": "hi $(id) 'q'"})
        self.assert_all_terminated()

    def test_without_stdin_pytest_workers_get_their_tests_in_their_command_line(self):
        # The script has no `stdin` capability (its fake SDK has no stdin): offload writes each
        # worker's tests into its command line, and crash isolation still holds.
        passing = [f"test_{i}" for i in range(5)]
        self.write({"test_suite.py": "import os\n" + "".join(f"def {t}():\n    pass\n" for t in passing) +
                                     "def test_crashes():\n    os._exit(0)\n",
                    "offload.toml": f"""[offload]
max_parallel = 2

[provider]
type = "modal"
kill_grace_secs = 1
image = "python:3.12-slim"

[discovery]
type = "pytest"
python = "/usr/bin/python3"
"""})
        r = self.run_offload("run", "-v", timeout=120)
        self.assertEqual(r.code, 1, r.out[-3000:] + r.err[-3000:])
        expected = {f"test_suite.py::{t}": "passed" for t in passing}
        expected["test_suite.py::test_crashes"] = "failed"
        self.assertEqual(self.outcomes(), expected)
        self.assertTrue("<<'OFFLOAD_INPUT_" in r.err, "no worker got its tests in a here-document")
        self.assertFalse("tests to start with) on sandbox" in r.err, "a worker was fed on stdin")
        self.assert_all_terminated()

    def test_a_dockerfile_and_the_settings_reach_the_sdk(self):
        self.write({"ci/Dockerfile": "FROM debian:12\n"})
        self.configure("cat /proc/net/dev; true {tests}", "echo a", parallel=1, provider="""
dockerfile = "ci/Dockerfile"
add_python = "3.12"
app = "my-tests"
upload_project = false
block_network = true
cpu = 0.5
memory = 512
sandbox_timeout_secs = 600
""")
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 0, r)
        [lookup] = self.calls("App.lookup")[:1]
        self.assertEqual(lookup["args"], ["my-tests"])
        [dockerfile] = self.calls("Image.from_dockerfile")
        self.assertEqual(dockerfile["args"], [str(self.project / "ci" / "Dockerfile")])
        self.assertEqual(dockerfile["kwargs"]["context_dir"], str(self.project / "ci"))
        self.assertEqual(dockerfile["kwargs"]["add_python"], "3.12")
        self.assertEqual(self.calls("Image.add_local_dir"), [])
        [create] = self.calls("Sandbox.create")
        self.assertEqual({k: create["kwargs"][k] for k in ("block_network", "cpu", "memory", "timeout")},
                         {"block_network": True, "cpu": 0.5, "memory": 512, "timeout": 600})
        # No network in the sandbox: its /proc/net/dev lists the loopback alone.
        interfaces = [l.split(":")[0].strip() for l in self.logs().splitlines() if ":" in l and "|" not in l]
        self.assertEqual(interfaces, ["lo"])
        self.assert_all_terminated()

        # A Dockerfile that is not there is reported by prepare.
        self.configure("true {tests}", "echo a", provider='dockerfile = "missing/Dockerfile"')
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertIn("missing/Dockerfile does not exist", r.out + r.err)

    def test_ids_paths_and_values_are_data(self):
        spy = pathlib.Path(tempfile.mkdtemp(prefix="offload-modal-spy-"))
        self.addCleanup(shutil.rmtree, spy, ignore_errors=True)
        ids = ["a b", f"$(touch {spy}/pwned1)", f"`touch {spy}/pwned2`", f"'; touch {spy}/pwned3; '",
               '"quoted"', "--help", "-e", "back\\slash", "*", "ünï"]
        project = self.project / 'we:ird, "dir"'
        write_files(project, {"ids.txt": "\n".join(ids) + "\n",
                              "t.sh": 'printf "got:%s\\n" "$1"; printf "env:%s\\n" "$PAYLOAD"\n'})
        self.configure("sh ./t.sh {tests}", "cat ids.txt", project=project,
                       provider=f'env = {{ PAYLOAD = "$(touch {spy}/pwned-env) ; x" }}')
        r = self.run_offload("run", cwd=project, timeout=120)
        self.assertEqual(r.code, 0, r)
        lines = "".join(p.read_text() for p in (project / "test-results" / "logs").glob("*.log")).splitlines()
        self.assertEqual(sorted(l[4:] for l in lines if l.startswith("got:")), sorted(ids))
        self.assertEqual({l for l in lines if l.startswith("env:")}, {f"env:$(touch {spy}/pwned-env) ; x"})
        self.assertEqual(list(spy.iterdir()), [])
        self.assert_all_terminated()

    def test_a_timeout_stops_the_command_in_the_sandbox(self):
        # "slow" ignores SIGTERM and outlives the local exec; only `stop` kills it. "check" then runs
        # in the same sandbox (one worker) and looks for it.
        self.write({"t.sh": '''case $1 in
slow) touch /tmp/slow-started; exec sh -c 'trap "" TERM INT HUP; sleep 317' ;;
check) [ -f /tmp/slow-started ] || { echo "slow did not run first"; exit 3; }
       if ps ax | grep -v grep | grep 'sleep 317'; then echo "slow survived its timeout"; exit 4; fi ;;
esac
'''})
        self.configure("sh ./t.sh {tests}", "printf 'slow\\ncheck\\n'", parallel=1, timeout=2)
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 1, r)
        self.assertIn("slow: timeout", r.out)
        self.assertEqual(self.outcomes(), {"slow": "failed", "check": "passed"}, self.logs())
        self.assertEqual(len(self.calls("Sandbox.create")), 1)
        stops = [c for c in self.calls("Sandbox.exec") if "kill -9" in " ".join(c["args"])]
        self.assertEqual(len(stops), 1)
        self.assert_all_terminated()

    def test_ctrl_c_terminates_every_sandbox(self):
        marker = f"OFFLOAD_MODAL_MARK={os.getpid()}-{time.monotonic_ns()}"
        self.configure(f"export {marker}; sleep 300; true {{tests}}", "printf 'a\\nb\\nc\\nd\\n'",
                       provider="upload_project = false")
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: busy_sandboxes(marker) >= 2, 30), "batches never started")
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        self.assert_all_terminated()
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 5), processes_with_env(marker))

    def test_ctrl_c_during_create_terminates_the_sandbox_being_made(self):
        # The sandbox exists, but Sandbox.create has not returned its id yet.
        self.state.mkdir(exist_ok=True)
        (self.state / "faults.json").write_text(json.dumps({"create_delay": 30}))
        self.configure("true {tests}", "echo a", provider="upload_project = false")
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: (self.sandboxes() and (self.sandboxes()[0] / "runtime.json").exists()),
                                   30), "no sandbox was made")
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual(len(self.sandboxes()), 1)
        self.assertTrue(wait_until(lambda: not self.running_sandboxes(), 10), "the sandbox was left running")
        self.assertEqual(len(self.calls("Sandbox.terminate")), 1)

    def test_a_network_failure_reruns_the_batch_on_another_sandbox(self):
        self.state.mkdir(exist_ok=True)
        (self.state / "faults.json").write_text(json.dumps({"exec": [
            {"match": "OFFLOAD_BATCH", "count": 1, "error": "ConnectionError",
             "message": "Deadline exceeded while connecting to api.modal.com"}]}))
        self.write({"t.sh": JUNIT_WRITER})
        self.configure("sh ./t.sh {result_file} {tests}", "printf 'a\\nb\\nc\\nd\\n'", discovery="batch_size = 2")
        r = self.run_offload("run", timeout=120)
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("4 passed, 0 failed\n"), r)
        self.assertRegex(r.out, r"Incidents \(1\):\n  sandbox \d failed under batch")
        self.assertIn("ConnectionError: Deadline exceeded while connecting to api.modal.com", r.out)
        self.assertEqual(self.outcomes(), {t: "passed" for t in "abcd"})
        self.assertEqual(len(self.calls("Sandbox.create")), 3)   # the failed sandbox was replaced
        self.assert_all_terminated()

    def test_a_sandbox_that_dies_mid_batch_is_an_infra_failure(self):
        marker = f"OFFLOAD_MODAL_MARK={os.getpid()}-{time.monotonic_ns()}"
        self.write({"t.sh": "sleep 2\n"})
        self.configure(f"export {marker}; sh ./t.sh {{tests}}", "printf 'a\\nb\\nc\\nd\\n'")
        process = self.start_offload()
        self.assertTrue(wait_until(lambda: busy_sandboxes(marker) >= 2, 30), "batches never started")
        victim = self.sandboxes()[0]
        os.kill(json.loads((victim / "runtime.json").read_text())["child_pid"], signal.SIGKILL)  # preempted
        out, err = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 0, out + err)
        self.assertTrue(out.endswith("4 passed, 0 failed\n"), out + err)
        self.assertIn(f"sandbox {victim.name} finished while the batch ran", out)
        self.assertEqual(self.outcomes(), {t: "passed" for t in "abcd"})
        self.assertTrue(wait_until(lambda: not self.running_sandboxes(), 10), self.running_sandboxes())


if __name__ == "__main__":
    main()
