"""The script bridge: provider scripts (protocol 1) and inline commands, faults included."""
import os
import pathlib
import shutil
import signal
import subprocess
import time

from harness import (SOURCE_DIR, seconds, ProjectTest, clean_env, install, junit, main, processes_with_env, toml_string,
                     wait_until)

SCRIPT = SOURCE_DIR / "tests" / "fixtures" / "scripts" / "offload-provider-localdirs"

# A `python` for the pytest framework: discovery goes to the real pytest, and a worker (any other
# call) is this sh worker of docs/test-protocol.md, which notes every line of its stdin in
# received.PID, then EOF when its input ends.
FAKE_PYTHON = r"""#!/bin/sh
# Discovery, and the interpreter's fingerprint for the discovery cache (no mark): the real Python.
[ -z "$OFFLOAD_EVENT_MARK" ] && exec /usr/bin/python3 "$@"
for arg in "$@"; do
    [ "$arg" = --collect-only ] && exec /usr/bin/python3 "$@"
done
mark=$OFFLOAD_EVENT_MARK; unset OFFLOAD_EVENT_MARK
log=$(dirname "$0")/received.$$
count=0
# Like offload's pytest worker, asked to list the tests first (a first run), it lists what
# discovery would print, percent-encoded (%0A: a line feed, %20: a space).
if [ "$OFFLOAD_WORKER_LIST" = 1 ]; then
    ids=$(sed -n 's/^def \(test_[0-9]*\).*/%0Atest_many.py::\1/p' "$(dirname "$0")/test_many.py" | tr -d '\n')
    printf '%s list data=%%0Aoffload-pytest-rootdir:%%20.%%0Aoffload-pytest-inifile:%%20%%0Aoffload-pytest-xdist:%%20%s%%0Aoffload-pytest-end%%0A\n' "$mark" "$ids"
    printf '%s listed exit=0\n' "$mark"
fi
unset OFFLOAD_WORKER_LIST
# Like offload's pytest worker, it asks for each test (`next`).
while printf '%s next\n' "$mark" && IFS= read -r line; do
    printf '%s\n' "$line" >> "$log"
    case $line in 'run id='*) ;; *) continue ;; esac
    id=${line#run id=}
    printf '%s start id=%s\n' "$mark" "$id"
    printf '%s end id=%s outcome=passed\n' "$mark" "$id"
    count=$((count + 1))
done
echo EOF >> "$log"
printf '%s done count=%s\n' "$mark" "$count"
"""

# Test ids too long to fit in one argument two by two (Linux: 128 KiB per argument).
LONG_IDS = [f"t{i}-" + "x" * 70000 for i in range(3)]


class ScriptBridgeTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.state = self.project / "state"
        plugins = self.project / ".offload" / "plugins"
        plugins.mkdir(parents=True)
        shutil.copy(SCRIPT, plugins / SCRIPT.name)

    def configure(self, tests=4, run="sh ./t.sh {tests}", parallel=2, provider="", timeout=60, retries=0):
        ids = "\\n".join(f"t{i}" for i in range(1, tests + 1))
        self.write({
            "t.sh": 'echo "$1 ran with greeting=$GREETING prepared=$(cat $OFFLOAD_SANDBOX_HINT 2>/dev/null)"\n'
                    'case $1 in slow*) sleep 300;; bad*) exit 1;; esac\n',
            "offload.toml": f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = {retries}
[provider]
type = "localdirs"
state_dir = "{self.state}"
{provider}
[discovery]
type = "generic"
discover_command = "printf '{ids}\\n'"
run_command = {toml_string(run)}
""",
        })

    def calls(self, verb=None):
        lines = (self.state / "calls").read_text().splitlines()
        return [l for l in lines if verb is None or l.split(" ")[0] == verb]

    def assert_all_destroyed(self):
        created = {l.split()[1] for l in self.calls("create")}
        destroyed = {id for l in self.calls("destroy") for id in l.split()[1:]}
        self.assertEqual({f"sb-{i}" for i in created} - destroyed, set(), "a sandbox was not destroyed")
        self.assertEqual(list((self.state / "sandboxes").iterdir()), [])

    def test_a_script_in_the_project_plugins_runs_a_suite(self):
        self.configure(provider='greeting = "hi there"')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("4 passed, 0 failed\n"), r)
        self.assertEqual(self.calls()[0], "describe ")
        self.assertEqual(len(self.calls("prepare")), 1)
        # Sandboxes are made as they are needed: two workers, two sandboxes.
        self.assertEqual(len(self.calls("create")), 2)
        log = (self.project / "test-results" / "logs" / "batch-0001.log").read_text()
        self.assertIn("ran with greeting=hi there", log)
        self.assert_all_destroyed()

    def test_prepare_can_limit_the_sandboxes_and_warn_and_finish_is_called_last(self):
        self.configure(tests=6, parallel=4, provider='capacity = 2\nwarn = "host h3 is left out: unreachable"')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("warning: [script] host h3 is left out: unreachable", r.err)
        self.assertIn("has room for 2 sandboxes: running 2 at once, not 4", r.err)
        self.assertEqual(len(self.calls("create")), 2)
        self.assertEqual(self.calls()[-1], "finish ")
        self.assertNotIn("could not be created", r.err)

    def test_finish_is_called_even_when_no_sandbox_was_made(self):
        self.configure(tests=2, provider="fail_create = 100")
        self.run_offload("run")
        self.assertEqual(self.calls()[-1], "finish ")

    def test_never_more_sandboxes_than_batches(self):
        self.configure(tests=1, parallel=8)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(self.calls("create")), 1)

    def test_unknown_keys_are_reported_from_the_scripts_own_list(self):
        self.configure(provider="colour = 3")
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.err, r"offload\.toml:\d+:\d+: warning: \[provider\] colour: unknown key \(script \S+"
                                r"offload-provider-localdirs does not read it")

    def test_an_infrastructure_failure_reruns_the_batch_elsewhere(self):
        self.configure(tests=6, provider="infra_exec = 0")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("6 passed, 0 failed\n"), r)
        self.assertIn("Incidents (1):\n  sandbox 0 failed under batch", r.out)
        self.assertIn("connection to sb-0 lost", r.out)
        self.assertEqual({k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()},
                         {f"t{i}": "passed" for i in range(1, 7)})
        # The failed sandbox was destroyed at once and replaced.
        self.assertIn("destroy sb-0", self.calls())
        self.assertGreaterEqual(len(self.calls("create")), 3)
        self.assert_all_destroyed()

    def test_create_failures_are_retried_with_backoff(self):
        self.configure(tests=2, parallel=1, provider="fail_create = 2")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(len(self.calls("create")), 3)
        self.assertIn("could not be created (attempt 1 of 3)", r.err)
        self.assertIn("quota exceeded", r.err)
        # 0.5 s, then 1 s of backoff
        self.assertGreater(r.seconds, 1.4)

    def test_when_no_sandbox_can_be_created_the_run_ends_with_the_reason(self):
        self.configure(tests=3, provider="fail_create = 100")
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("no sandbox could be created: script", r.out)
        self.assertIn("`create", r.out)
        self.assertIn("failed with exit code 1", r.out)
        self.assertIn("quota exceeded", r.out)
        self.assertIn("0 passed, 3 failed", r.out)

    def test_a_script_that_does_not_speak_the_protocol_is_refused(self):
        for reply, message in [("hello world", "has no `protocol` line"),
                               ("protocol 7", "speaks protocol 7, but this offload's script bridge speaks protocol 1")]:
            with self.subTest(reply=reply):
                self.configure(provider=f'describe_reply = "{reply}"')
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                self.assertIn("offload-provider-localdirs", r.err)
                self.assertIn(message, r.err)

    def test_a_hanging_call_is_killed_and_reported(self):
        self.configure(provider='hang_verb = "create"\ncall_timeout_secs = 1')
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertIn("did not finish within 1 s and was killed", r.out)
        self.assertIn("hanging in create", r.out)
        self.assertLess(r.seconds, seconds(20), r)

    def test_a_timeout_stops_the_remote_command(self):
        self.configure(tests=1, run="sh ./t.sh slow {tests}", timeout=1)
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertIn("timeout", r.out)
        self.assertIn("stop sb-0", self.calls())
        self.assert_all_destroyed()

    def test_ctrl_c_destroys_every_sandbox(self):
        marker = f"OFFLOAD_BRIDGE_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.configure(tests=4, run=f"export {marker}; sh ./t.sh slow {{tests}}")
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        # Both batches run: each has its t.sh and its sleep (the exported marker reaches both).
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 4, 15), "batches never started")
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=seconds(30))
        self.assertEqual(process.returncode, 130, out + err)
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 3),
                        f"remote commands survived: {processes_with_env(marker)}")
        self.assertEqual(len(self.calls("stop")), 2)
        self.assert_all_destroyed()

    # --- a worker's stdin ----------------------------------------------------------------------

    def configure_workers(self, provider, tests=12, markers=None):
        """A pytest suite of `tests` tests run by FAKE_PYTHON's workers on one sandbox; its ids."""
        discovery = f"python = {toml_string(str(self.project / 'fakepy.sh'))}"
        if markers:
            discovery += f"\nmarkers = {toml_string(markers)}"
        self.write({
            "fakepy.sh": FAKE_PYTHON,
            "test_many.py": "".join(f"def test_{i:02}():\n    pass\n" for i in range(tests)),
            "offload.toml": f"""[offload]
max_parallel = 1
[provider]
{provider}
[discovery]
type = "pytest"
{discovery}
""",
        })
        return [f"test_many.py::test_{i:02}" for i in range(tests)]

    def received(self):
        """What each fake worker read on its stdin, line by line."""
        return [p.read_text().splitlines() for p in sorted(self.project.glob("received.*"))]

    def exec_commands(self, directory=None):
        """The whole COMMAND of every exec call."""
        return [p.read_text() for p in sorted((directory or self.state / "commands").iterdir())]

    def input_in_commands(self, directory=None):
        """The `run id=` lines that exec calls had in their COMMAND (a here-document), sorted."""
        return sorted(line for command in self.exec_commands(directory) for line in command.splitlines()
                      if line.startswith("run id=test_many.py::"))

    def test_a_script_with_stdin_feeds_a_worker_its_tests_while_it_runs(self):
        ids = self.configure_workers(f'type = "localdirs"\nstate_dir = "{self.state}"\nforward_stdin = true')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("12 passed, 0 failed\n"), r)
        # One worker took every test: they came on its stdin, in order, while it ran, none in its
        # command line; and its input ended, or it would not have finished.
        commands = self.exec_commands()
        self.assertEqual(len(commands), 1, commands)
        self.assertNotIn("test_many.py::", commands[0])
        self.assertEqual(self.received(), [[f"run id={i}" for i in ids] + ["EOF"]])
        self.assert_all_destroyed()

    def test_without_stdin_a_worker_gets_its_tests_in_its_command_line(self):
        ids = self.configure_workers(f'type = "localdirs"\nstate_dir = "{self.state}"')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("12 passed, 0 failed\n"), r)
        self.assertEqual(self.input_in_commands(), [f"run id={i}" for i in ids])
        received = self.received()
        self.assertEqual(sorted(l for lines in received for l in lines[:-1]), [f"run id={i}" for i in ids])
        self.assertEqual({lines[-1] for lines in received}, {"EOF"})

    def test_inline_exec_stdin_says_that_exec_command_passes_stdin_on(self):
        sandboxes, commands = self.project / "inline", self.project / "commands"
        inline = f"""type = "script"
create_command = "mkdir -p {sandboxes}/s{{index}} && echo {sandboxes}/s{{index}}"
exec_command = "mkdir -p {commands} && printf %s {{command}} > {commands}/$$ && cd {self.project} && sh -c {{command}}"
destroy_command = "rm -rf {{sandbox_ids}}"
"""
        for exec_stdin in [True, False]:
            with self.subTest(exec_stdin=exec_stdin):
                shutil.rmtree(commands, ignore_errors=True)
                for old in self.project.glob("received.*"):
                    old.unlink()
                ids = self.configure_workers(inline + ("exec_stdin = true" if exec_stdin else ""))
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                self.assertTrue(r.out.endswith("12 passed, 0 failed\n"), r)
                if exec_stdin:
                    self.assertEqual(self.input_in_commands(commands), [])
                    self.assertEqual(self.received(), [[f"run id={i}" for i in ids] + ["EOF"]])
                else:
                    self.assertEqual(self.input_in_commands(commands), [f"run id={i}" for i in ids])

    def test_exec_stdin_is_for_inline_commands_only(self):
        self.configure(provider="exec_stdin = true")
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[provider] exec_stdin: is for inline commands", r.err)

    def test_a_crash_and_a_hang_in_a_fed_worker_fail_alone_and_the_hang_is_stopped_remotely(self):
        marker = f"OFFLOAD_BRIDGE_MARKER={os.getpid()}-{time.monotonic_ns()}"
        name, value = marker.split("=")
        self.write({
            "test_w.py": "import os, subprocess\n"
                         "def test_a():\n    pass\n"
                         "def test_crashes():\n    os._exit(0)\n"
                         "def test_c():\n    pass\n"
                         "def test_hangs():\n"
                         f"    subprocess.run(['sleep', '300'], env=dict(os.environ, {name}='{value}'))\n"
                         "def test_e():\n    pass\n",
            "offload.toml": f"""[offload]
max_parallel = 1
test_timeout_secs = 3
[provider]
type = "localdirs"
state_dir = "{self.state}"
forward_stdin = true
kill_grace_secs = 1
[discovery]
type = "pytest"
python = "/usr/bin/python3"
""",
        })
        r = self.run_offload("run", timeout=90)
        self.assertEqual(r.code, 1, r)
        self.assertEqual({k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()},
                         {"test_w.py::test_a": "passed", "test_w.py::test_crashes": "failed",
                          "test_w.py::test_c": "passed", "test_w.py::test_hangs": "failed",
                          "test_w.py::test_e": "passed"})
        # The worker runs in a session of its own: only `stop` could kill the hanging test, and it
        # ran although the worker's handle had stopped the exec.
        self.assertIn("stop sb-0", self.calls())
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 3),
                        f"the hanging test survived: {processes_with_env(marker)}")
        self.assert_all_destroyed()

    # --- commands too long for one argument ------------------------------------------------------

    def configure_long_batches(self, provider):
        """Three tests with 70 KB ids, in batches of up to three: a batch of two or more is a
        command line over 128 KiB."""
        (self.project / "ids.txt").write_text("".join(i + "\n" for i in LONG_IDS))
        self.write({
            "t.sh": 'echo "batch of $#" >> batches.txt\n'
                    'for id in "$@"; do printf "%s %s\\n" "${id%%-*}" "${#id}" >> ran.txt; done\n',
            "offload.toml": f"""[offload]
max_parallel = 1
[provider]
{provider}
[discovery]
type = "generic"
discover_command = "cat ids.txt"
run_command = "sh ./t.sh {{tests}}"
batch_size = 3
""",
        })

    def assert_long_batches_ran(self, r):
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
        self.assertEqual(sorted((self.project / "ran.txt").read_text().splitlines()),
                         ["t0 70003", "t1 70003", "t2 70003"])
        self.assertTrue({"batch of 2", "batch of 3"} & set((self.project / "batches.txt").read_text().splitlines()))

    def test_a_command_too_long_for_an_argument_reaches_a_script_with_stdin(self):
        self.configure_long_batches(f'type = "localdirs"\nstate_dir = "{self.state}"\nforward_stdin = true')
        r = self.run_offload("run")
        self.assert_long_batches_ran(r)
        # What the script got in place of the long ones: a bootstrap that reads them from stdin.
        self.assertTrue(all(len(c) < 100_000 for c in self.exec_commands()))
        self.assertTrue(any("offload-command-end-" in c for c in self.exec_commands()))
        self.assertEqual(list(pathlib.Path(self.state / "sandboxes").iterdir()), [])

    def test_a_command_too_long_for_an_argument_reaches_an_inline_exec_stdin(self):
        sandboxes = self.project / "inline"
        self.configure_long_batches(f"""type = "script"
create_command = "mkdir -p {sandboxes}/s{{index}} && echo {sandboxes}/s{{index}}"
exec_command = "cd {self.project} && sh -c {{command}}"
exec_stdin = true
destroy_command = "rm -rf {{sandbox_ids}}"
""")
        self.assert_long_batches_ran(self.run_offload("run"))

    def test_a_command_too_long_for_a_script_without_stdin_fails_with_the_reason(self):
        self.configure_long_batches(f'type = "localdirs"\nstate_dir = "{self.state}"')
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("more than a program takes in one argument (Linux: 128 KiB); offload passes long commands "
                      "on stdin, but the script does not forward it (no `stdin` capability)", r.out)
        self.assertNotIn("Argument list too long", r.out + r.err)

    def test_a_worker_command_too_long_for_an_argument_still_gets_its_tests_on_stdin(self):
        # A marker expression of 70 KB makes the worker's command line long: the command and the
        # tests share the exec's stdin, the command first.
        ids = self.configure_workers(f'type = "localdirs"\nstate_dir = "{self.state}"\nforward_stdin = true',
                                     markers="not " + "x" * 70000)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("12 passed, 0 failed\n"), r)
        commands = self.exec_commands()
        self.assertEqual(len(commands), 1, [c[:200] for c in commands])
        self.assertIn("offload-command-end-", commands[0])
        self.assertEqual(self.received(), [[f"run id={i}" for i in ids] + ["EOF"]])

    def test_inline_commands_need_no_script(self):
        sandboxes = self.project / "inline"
        self.write({
            "offload.toml": f"""[provider]
type = "script"
create_command = "mkdir -p {sandboxes}/s{{index}} && echo {sandboxes}/s{{index}}"
exec_command = "cd {sandboxes} && sh -c {{command}}"
destroy_command = "rm -rf {{sandbox_ids}}"
work_dir = "{{sandbox_id}}"
[discovery]
type = "generic"
discover_command = "printf 'a\\\\nb\\\\nc\\\\n'"
run_command = "echo {{tests}} > \\"$(pwd)/ran-$OFFLOAD_BATCH\\""
""",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
        self.assertTrue(list(sandboxes.glob("ran-*")), "the commands did not run in the sandbox")
        self.assertEqual([p.name for p in sandboxes.iterdir() if p.is_dir()], [])

    def test_floats_reach_commands_as_toml_writes_them(self):
        # They arrived as C++ streams print them: 1234567.0 as 1.23457e+06.
        sandboxes = self.project / "inline"
        env_file, list_file = self.project / "env.txt", self.project / "list.txt"
        self.write({
            "offload.toml": f"""[provider]
type = "script"
create_command = "env | grep ^OFFLOAD_CONFIG_ > {env_file}; printenv OFFLOAD_CONFIG_LIST > {list_file}; mkdir -p {sandboxes}/s{{index}} && echo {sandboxes}/s{{index}}"
exec_command = "cd {sandboxes} && sh -c {{command}}"
destroy_command = "rm -rf {{sandbox_ids}}"
ratio = 1234567.0
small = 0.1
huge = 1e22
list = [2.0, -0.5, inf, nan]
table = {{ low = -0.0 }}
[discovery]
type = "generic"
discover_command = "echo a"
run_command = "true {{tests}}"
""",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        env = env_file.read_text()
        for line in ("OFFLOAD_CONFIG_RATIO=1234567.0", "OFFLOAD_CONFIG_SMALL=0.1", "OFFLOAD_CONFIG_HUGE=1e+22",
                     "OFFLOAD_CONFIG_TABLE_LOW=-0.0"):
            self.assertIn(line + "\n", env)
        self.assertEqual(list_file.read_text(), "2.0\n-0.5\ninf\nnan\n")

    def test_inline_mode_requires_its_commands(self):
        self.write({"offload.toml": '[provider]\ntype = "script"\ncreate_command = "echo x"\n'
                                    '[discovery]\ntype = "generic"\ndiscover_command = "echo a"\n'
                                    'run_command = "true {tests}"\n'})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[provider] exec_command: is required", r.err)


if __name__ == "__main__":
    main()
