"""Every result witnessed (docs/test-protocol.md): crashes, hangs, forged output, duplicate
results, hedged copies and --fail-fast, through the real binary, with workers and batches that
report each test as it starts and ends."""
import json
import os
import socket
import textwrap

from harness import ProjectTest, junit, main, seconds, toml_string

PYTHON = "/usr/bin/python3"

# A generic worker in sh: runs each test id it reads as `sh tests/ID.sh`, reporting each one.
SH_WORKER = r"""#!/bin/sh
mark=$OFFLOAD_EVENT_MARK; unset OFFLOAD_EVENT_MARK
count=0
while printf '%s next\n' "$mark" && IFS= read -r line; do
    case $line in 'run id='*) ;; *) continue ;; esac
    id=${line#run id=}
    printf '%s start id=%s\n' "$mark" "$id"
    if sh "tests/$id.sh"; then outcome=passed; else outcome=failed; fi
    printf '%s end id=%s outcome=%s\n' "$mark" "$id" "$outcome"
    count=$((count + 1))
done
printf '%s done count=%s\n' "$mark" "$count"
"""


def worker_config(ids, *, parallel=4, timeout=60, retries=0, extra_offload=""):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = {retries}
{extra_offload}

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "generic"
discover_command = {toml_string("printf '" + "".join(i + chr(92) + "n" for i in ids) + "'")}
worker_command = "sh ./worker.sh"
"""


def events(r):
    return [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]


class WorkerTest(ProjectTest):
    def write_tests(self, scripts, **config):
        files = {"worker.sh": SH_WORKER, "offload.toml": worker_config(list(scripts), **config)}
        files.update({f"tests/{name}.sh": body for name, body in scripts.items()})
        self.write(files)

    def test_a_hang_is_killed_at_its_own_timeout_and_the_rest_runs_on(self):
        scripts = {f"s{i:02d}": "sleep 1\n" for i in range(20)}
        scripts["hang"] = "sleep 120\n"
        self.write_tests(scripts, parallel=4, timeout=3)
        r = self.run_offload("run", "--message-format", "json", timeout=60)
        self.assertEqual(r.code, 1, r)
        report = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(report["hang"][0], "failed")
        self.assertEqual(report["hang"][1].find("failure").get("message"), "timeout: still running after 3 s, killed")
        self.assertEqual({k for k, v in report.items() if v[0] == "passed"}, {f"s{i:02d}" for i in range(20)})
        # The hang is reported 3 s (+ the kill grace) after it started...
        started = next(e["time"] for e in events(r) if e["type"] == "test-started" and e["id"] == "hang")
        finished = next(e["time"] for e in events(r) if e["type"] == "test-finished" and e["id"] == "hang")
        self.assertLess(finished - started, seconds(3 + 1 + 1), r)
        self.assertGreaterEqual(finished - started, 3)
        # ...and the run takes about what the other twenty need on four sandboxes (5 s), plus the
        # 3 s the hang held one of them: not a batch timeout and a serial rerun.
        self.assertLess(r.seconds, seconds(12), r)

    def test_a_crash_fails_the_running_test_alone(self):
        scripts = {f"t{i}": "true\n" for i in range(8)}
        scripts["crash"] = "kill -SEGV $PPID\n"   # kills the worker while the test runs
        self.write_tests(scripts, parallel=2)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        report = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(report["crash"][0], "failed")
        self.assertIn("killed by signal 11 (SIGSEGV)", report["crash"][1].find("failure").get("message"))
        self.assertEqual({k: v[0] for k, v in report.items() if k != "crash"}, {f"t{i}": "passed" for i in range(8)})
        self.assertTrue(r.out.endswith("8 passed, 1 failed\n"), r)

    def test_forged_records_are_output_and_the_mark_never_reaches_the_tests(self):
        forged = "@offload-event:0123456789abcdef0123456789abcdef end id=fails outcome=passed"
        self.write_tests({
            "fails": f"echo '{forged}'; env > env.txt; exit 1\n",
            "prints": f"printf '%s' '{forged}'; exit 0\n",
        }, parallel=1)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        report = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(report["fails"][0], "failed")
        self.assertEqual(report["prints"][0], "passed")
        self.assertNotIn("OFFLOAD_EVENT_MARK", (self.project / "env.txt").read_text())

    def test_fail_fast_stops_inside_a_worker_within_a_second_of_the_failure(self):
        ids = [f"t{i:02d}" for i in range(40)]
        scripts = {i: "sleep 0.3\n" for i in ids}
        scripts["t05"] = "sleep 0.6\n"   # the history makes it the first to start next time
        self.write_tests(scripts, parallel=2)
        self.assertEqual(self.run_offload("run").code, 0)   # a timing history
        (self.project / "tests" / "t05.sh").write_text("sleep 0.3; exit 1\n")
        r = self.run_offload("run", "--fail-fast", "--message-format", "json")
        self.assertEqual(r.code, 1, r)
        stream = events(r)
        failed = next(e["time"] for e in stream if e["type"] == "test-finished" and e["id"] == "t05")
        finished = next(e["time"] for e in stream if e["type"] == "run-finished")
        self.assertLess(finished - failed, seconds(1 + 1), r)
        # No test starts after the deciding failure (but one starting at that very moment).
        late = [e["id"] for e in stream if e["type"] == "test-started" and e["time"] > failed + 0.05]
        self.assertEqual(late, [], r)
        self.assertIn("the run stopped early", (self.project / "test-results" / "junit.xml").read_text())

    def test_an_idle_sandbox_takes_the_tests_waiting_behind_a_slow_one(self):
        scripts = {"a-slow": "sleep 3\n", **{f"q{i}": "sleep 0.3\n" for i in range(10)}}
        self.write_tests(scripts, parallel=2)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        # One sandbox runs the slow test, the other the ten quick ones at the same time.
        self.assertLess(r.seconds, seconds(5), r)

    def test_a_slow_test_is_flagged_and_events_tell_each_test(self):
        self.write_tests({"slow": "sleep 2.5\n", "quick": "true\n"}, parallel=2,
                   extra_offload="slow_timeout_secs = 1")
        r = self.run_offload("run", "--message-format", "json")
        self.assertEqual(r.code, 0, r)
        stream = events(r)
        self.assertEqual(sorted(e["id"] for e in stream if e["type"] == "test-started"), ["quick", "slow"])
        slow = [e for e in stream if e["type"] == "test-slow"]
        self.assertEqual([e["id"] for e in slow], ["slow", "slow"])   # at 1 s and at 2 s
        self.assertIn("SLOW [>1.0s] slow", r.err)

    def test_each_tests_own_duration_goes_to_the_history(self):
        self.write_tests({"long": "sleep 1.2\n", "short": "true\n"}, parallel=1)
        self.assertEqual(self.run_offload("run").code, 0)
        # Lines `t<TAB>SECONDS<TAB>SAMPLES<TAB>LAST RUN<TAB>ID`.
        history = (self.project / ".offload" / "history").read_text()
        durations = {line.split("\t")[4]: float(line.split("\t")[1]) for line in history.splitlines()
                     if line.startswith("t\t")}
        self.assertGreater(durations["long"], 1.1)
        self.assertLess(durations["short"], 0.5)


class HedgingTest(ProjectTest):
    def test_a_copy_of_a_slow_test_that_binds_a_fixed_port_never_fails_it(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        binder = (f"{PYTHON} -c \"import socket, sys, time, os; s = socket.socket(); "
                  f"s.bind(('127.0.0.1', {port})); time.sleep(3 if os.path.exists('slow-now') else 0.3)\"\n")
        files = {"worker.sh": SH_WORKER, "tests/binds.sh": binder, "tests/quick.sh": "true\n",
                 "offload.toml": worker_config(["binds", "quick"], parallel=2)}
        self.write(files)
        r = self.run_offload("run")   # first run: no history, no hedging
        self.assertEqual(r.code, 0, r)
        (self.project / "slow-now").touch()
        r = self.run_offload("run")   # with a history: the slow run is hedged; the copy cannot bind
        self.assertEqual(r.code, 0, r)
        self.assertIn("Tail hedging: 1", r.out)
        report = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(report["binds"][0], "passed")
        self.assertIsNone(report["binds"][1].find("flakyFailure"))


class BatchRecordsTest(ProjectTest):
    # run_command reports each of its tests, then dies while one runs.
    RUNNER = r"""#!/bin/sh
mark=$OFFLOAD_EVENT_MARK; unset OFFLOAD_EVENT_MARK
for id in "$@"; do
    printf '%s start id=%s\n' "$mark" "$id"
    [ "$id" = crash ] && kill -ABRT $$
    printf '%s end id=%s outcome=passed\n' "$mark" "$id"
done
"""

    def test_a_batch_that_dies_keeps_what_finished_and_runs_the_rest_again(self):
        self.write({
            "run.sh": self.RUNNER,
            "offload.toml": f"""[offload]
max_parallel = 1
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "printf 'a\\nb\\ncrash\\nc\\nd\\n'"
run_command = "sh ./run.sh {{tests}}"
events = true
""",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        report = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({k: v[0] for k, v in report.items()},
                         {"a": "passed", "b": "passed", "crash": "failed", "c": "passed", "d": "passed"})
        self.assertIn("killed by signal 6 (SIGABRT)", report["crash"][1].find("failure").get("message"))


class JunitVerdictTest(ProjectTest):
    def config(self, run, batch_size=1):
        return f"""[offload]
max_parallel = 1
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "echo a"
run_command = {toml_string(run)}
batch_size = {batch_size}
"""

    def test_a_test_named_twice_keeps_its_failure(self):
        xml = '<testsuite><testcase name="a"><failure message="real"/></testcase><testcase name="a"/></testsuite>'
        self.write({"offload.toml": self.config(f"echo '{xml}' > {{result_file}} # {{tests}}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(junit(self.project / "test-results" / "junit.xml")["a"][0], "failed")

    def test_a_batch_that_crashes_after_writing_passes_vouches_for_none(self):
        xml = '<testsuite><testcase name="a"/></testsuite>'
        self.write({"offload.toml": self.config(f"echo '{xml}' > {{result_file}}; kill -SEGV $$ # {{tests}}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        outcome, case = junit(self.project / "test-results" / "junit.xml")["a"]
        self.assertEqual(outcome, "error")
        self.assertIn("offload cannot vouch for the result", case.find("error").get("message"))


class PytestCrashTest(ProjectTest):
    def test_fifty_tests_two_crash_forty_eight_pass(self):
        tests = ["import ctypes, os", ""]
        for i in range(50):
            if i == 17:
                tests += [f"def test_{i:02d}():", "    os._exit(0)", ""]
            elif i == 33:
                tests += [f"def test_{i:02d}():", "    ctypes.string_at(0)", ""]
            else:
                tests += [f"def test_{i:02d}():", "    assert True", ""]
        self.write({
            "test_many.py": "\n".join(tests),
            "offload.toml": f"""[offload]
max_parallel = 2
retry_count = 0
[provider]
type = "process"
[discovery]
type = "pytest"
python = "{PYTHON}"
""",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        report = junit(self.project / "test-results" / "junit.xml")
        outcomes = {k: v[0] for k, v in report.items()}
        self.assertEqual({k for k, v in outcomes.items() if v != "passed"},
                         {"test_many.py::test_17", "test_many.py::test_33"}, r)
        self.assertEqual(sum(1 for v in outcomes.values() if v == "passed"), 48)
        self.assertIn("exit code 0", report["test_many.py::test_17"][1].find("failure").get("message"))
        self.assertIn("SIGSEGV", report["test_many.py::test_33"][1].find("failure").get("message"))
        self.assertTrue(r.out.endswith("48 passed, 2 failed\n"), r)


if __name__ == "__main__":
    main()
