"""Nothing of a run is left behind: processes that leave their batch's process group (setsid,
setpgid, a daemon's double fork) end with the batch and are reported as leaks; orphans are reaped
as they die, not when offload exits; a run killed with SIGKILL is cleaned up by the next one; two
runs in one output directory take turns instead of mixing their logs and reports.

Each test runs with both ways of tracking process trees: cgroup v2 where this machine allows it
(the default), and the subreaper with a scan of /proc (OFFLOAD_PROCESS_TRACKING=subreaper), as on
machines without a writable cgroup v2 hierarchy."""
import os
import pathlib
import re
import signal
import subprocess
import sys
import time
import uuid

from harness import ProjectTest, clean_env, generic_config, install, junit, main, processes_with_env, seconds, wait_until

ORPHANS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "scripts" / "orphans.py"
MODES = {"default": {}, "subreaper": {"OFFLOAD_PROCESS_TRACKING": "subreaper"}}

# Three tests that each leave a process behind, outside their process group, holding nothing of
# the batch's (stdio to /dev/null): what a `pg_ctl start` or a test's `setsid server &` does.
DAEMONS = r"""case $1 in
setsid) setsid sleep 300 </dev/null >/dev/null 2>&1 & ;;
setpgid) perl -e 'setpgrp(0, 0); sleep 300' </dev/null >/dev/null 2>&1 & ;;
daemon) perl -MPOSIX -e 'exit 0 if fork; POSIX::setsid(); exit 0 if fork; sleep 300' </dev/null >/dev/null 2>&1 ;;
esac
echo "$1 started its helper"
"""


class NothingLeftTest(ProjectTest):
    def marker(self):
        """An environment entry every process of the run carries, and the provider keys that set it
        and put the sandboxes' scratch directories into the project."""
        token = str(uuid.uuid4())
        return (f"OFFLOAD_ROBUST={token}",
                f'env = {{ OFFLOAD_ROBUST = "{token}" }}\nscratch_dir = "{self.project}/scratch"')

    def left_running(self, marker):
        return processes_with_env(marker)

    def kill_leftovers(self, marker):
        for pid in processes_with_env(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def test_processes_that_leave_the_batch_group_end_with_the_batch_and_are_reported(self):
        for mode, env in MODES.items():
            with self.subTest(mode=mode):
                marker, provider = self.marker()
                self.addCleanup(self.kill_leftovers, marker)
                config = generic_config("printf 'setsid\\nsetpgid\\ndaemon\\n'", "sh ./t.sh {tests}",
                                        provider_extra=provider)
                # One LEAK per test: a hedged copy of a slow one (its processes end after the kill
                # grace, and the history of the other mode knows it fast) would leak as well.
                self.write({"offload.toml": config.replace("[offload]\n", "[offload]\ntail_hedging = false\n", 1),
                            "t.sh": DAEMONS})
                r = self.run_offload("run", env=env)
                self.assertEqual(r.code, 0, r)
                self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
                self.assertEqual(self.left_running(marker), [], f"processes of the run survived it\n{r}")
                leaks = [line for line in r.err.splitlines() if "LEAK: batch " in line]
                self.assertEqual(len(leaks), 3, r)
                # Each names its test and the processes it ended, e.g. "4242 (sleep 300)" (or, caught
                # between a fork and its exec, the shell or perl that was starting it).
                for leak in leaks:
                    self.assertRegex(leak, r"LEAK: batch \d+ \(test (setsid|setpgid|daemon)\) left (1 process|\d+ "
                                           r"processes) running after it exited; offload ended (it|them): \d+ \(.+\)")
                self.assertEqual(sorted(re.search(r"\(test (\w+)\)", leak).group(1) for leak in leaks),
                                 ["daemon", "setpgid", "setsid"])

    def test_orphans_are_reaped_as_they_die(self):
        # 300 helpers, each orphaned at once and living 20 ms (see the script).
        for mode, env in MODES.items():
            with self.subTest(mode=mode):
                self.write({
                    "offload.toml": generic_config(
                        "echo orphans", f"{sys.executable} {ORPHANS} --check; : {{tests}}", timeout=120),
                })
                r = self.run_offload("run", env=env)
                log = "".join(p.read_text() for p in (self.project / "test-results" / "logs").glob("batch-*.log"))
                figure = [line for line in log.splitlines() if "zombies of offload" in line]
                print(f"\n[{mode}] {figure[0].strip() if figure else 'no figure'}", flush=True)
                self.assertEqual(r.code, 0, f"{r}\n{log}")

    def test_a_run_killed_with_sigkill_is_cleaned_up_by_the_next_one(self):
        for mode, env in MODES.items():
            with self.subTest(mode=mode):
                marker, provider = self.marker()
                self.addCleanup(self.kill_leftovers, marker)
                self.write({
                    "offload.toml": generic_config("printf 'a\\nb\\n'", "sh ./t.sh {tests}", provider_extra=provider),
                    "t.sh": "[ -e quick ] && { echo fine; exit 0; }\n"
                            "setsid sleep 300 </dev/null >/dev/null 2>&1 &\nsleep 300\n",
                })
                if (self.project / "quick").exists():
                    (self.project / "quick").unlink()
                process = subprocess.Popen([str(install().offload), "run"], cwd=self.project,
                                           env=clean_env(env), stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True)
                self.addCleanup(lambda: process.poll() is None and process.kill())
                # Per batch: the shell running t.sh (and sh -c around it, unless it execs it), sleep, and
                # the setsid'd sleep.
                self.assertTrue(wait_until(lambda: len(self.left_running(marker)) >= 6, 20), "the tests never started")
                process.kill()
                process.wait()
                time.sleep(0.5)
                self.assertGreaterEqual(len(self.left_running(marker)), 6, "killing offload ended its tests")
                self.assertEqual(len(list((self.project / "scratch").glob("offload-run-*"))), 1)

                (self.project / "quick").write_text("")
                r = self.run_offload("run", env=env)
                self.assertEqual(r.code, 0, r)
                self.assertRegex(r.err, r"an earlier offload run in test-results/ \(pid \d+\) ended without cleaning "
                                        r"up \(killed\?\): ended the \d+ processes it left running")
                self.assertIn("removed the scratch directory", r.err)
                self.assertEqual(self.left_running(marker), [], r)
                self.assertEqual(list((self.project / "scratch").iterdir()), [], r)
                # Cleaned up once: the run after says nothing of it.
                r = self.run_offload("run", env=env)
                self.assertNotIn("earlier offload run", r.err, r)

    def test_two_runs_in_one_output_directory_take_turns(self):
        # Run A's four tests fail, slowly; run B's pass. Each test notes when it starts and ends.
        # Their configs differ, their output directory (test-results/) is the same.
        t = 'echo "$1 start $(date +%s.%N)" >> times.log; sleep 1; echo "output of $1"\n' \
            'echo "$1 end $(date +%s.%N)" >> times.log; case $1 in a*) exit 1;; esac\n'
        self.write({
            "a.toml": generic_config("printf 'a1\\na2\\na3\\na4\\n'", "sh ./t.sh {tests}"),
            "b.toml": generic_config("printf 'b1\\nb2\\nb3\\nb4\\n'", "sh ./t.sh {tests}"),
            "t.sh": t,
        })
        first = subprocess.Popen([str(install().offload), "-c", "a.toml", "run"], cwd=self.project, env=clean_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: first.poll() is None and first.kill())
        self.assertTrue(wait_until(lambda: (self.project / "times.log").exists(), 20), "run A never started")
        second = self.run_offload("-c", "b.toml", "run")
        out, err = first.communicate(timeout=seconds(60))

        self.assertEqual(first.returncode, 1, out + err)
        self.assertTrue(out.endswith("0 passed, 4 failed\n"), out + err)
        self.assertEqual(second.code, 0, second)
        self.assertTrue(second.out.endswith("4 passed, 0 failed\n"), second)
        # B's tests started only after A's had all ended.
        times = [line.split() for line in (self.project / "times.log").read_text().splitlines()]
        last_a = max(float(when) for test, what, when in times if test.startswith("a"))
        first_b = min(float(when) for test, what, when in times if test.startswith("b"))
        self.assertLess(last_a, first_b, (self.project / "times.log").read_text())
        # What is left in test-results/ is B's alone.
        self.assertEqual(sorted(junit(self.project / "test-results" / "junit.xml")), ["b1", "b2", "b3", "b4"])
        logs = sorted((self.project / "test-results" / "logs").glob("batch-*.log"))
        self.assertTrue(logs)
        for log in logs:
            self.assertNotIn("output of a", log.read_text(), log)
        self.assertIn(f"another offload run (pid {first.pid}) is using test-results/; waiting for it to finish",
                      second.err)

    def test_a_run_inside_the_run_that_holds_its_output_directory_is_refused(self):
        # A test of the outer run starts offload on the same output directory: waiting would never end.
        self.write({
            "offload.toml": generic_config("echo inner", "sh ./t.sh {tests}", timeout=60),
            "inner.toml": generic_config("echo t", "true {tests}"),
            "t.sh": f'"{install().offload}" -c inner.toml run > inner.out 2>&1; echo "inner exit $?" >> inner.out\n',
        })
        r = self.run_offload("run", timeout=90)
        inner = (self.project / "inner.out").read_text()
        self.assertIn("this offload run is part of another offload run", inner)
        self.assertIn("it would wait for itself", inner)
        self.assertIn("inner exit 1", inner)
        self.assertEqual(r.code, 0, r)


if __name__ == "__main__":
    main()
