"""offload run end to end with the process provider and the generic framework."""
import sys

from harness import ProjectTest, generic_config, junit, main, processes_with_env, seconds

HOSTILE_IDS = [
    "plain",
    "has space",
    "it's quoted",
    '"double"',
    "$(touch PWNED)",
    "`touch PWNED2`",
    "; touch PWNED3",
    "* glob",
    "back\\slash",
    "ünï ✓",
    "--looks-like-an-option",
]

# Writes one JUnit file for the ids it gets: pass_* pass, fail_* fail (with output full of control
# characters and bytes that are not UTF-8), skip_* are skipped, missing_* are left out.
JUNIT_WRITER = r'''
import sys
path, ids = sys.argv[1], sys.argv[2:]
cases = []
for i in ids:
    if i.startswith("pass"):
        cases.append(f'<testcase classname="suite" name="{i}" time="0.25"/>')
    elif i.startswith("fail"):
        cases.append(f'<testcase classname="suite" name="{i}" time="0.5"><failure message="assert 1 == 2">'
                     f'trace\x1b[31m red \x00 nul</failure><system-out>out \udcff\udcfe bytes</system-out></testcase>')
    elif i.startswith("skip"):
        cases.append(f'<testcase classname="suite" name="{i}"><skipped message="not on this OS"/></testcase>')
with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
    f.write('<?xml version="1.0"?><testsuite name="t">' + "".join(cases) + "</testsuite>")
sys.exit(1 if any(i.startswith("fail") for i in ids) else 0)
'''


class RunTest(ProjectTest):
    def test_all_pass_in_parallel(self):
        self.write({"offload.toml": generic_config("printf 'a\\nb\\nc\\nd\\n'", "sleep 1 && echo ran {tests}",
                                                   parallel=4)})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        # Four one-second tests on four sandboxes: well under the four seconds of a serial run.
        self.assertLess(r.seconds, seconds(3.5), r)
        self.assertIn("4 tests in", r.out)
        self.assertIn("on 4 sandboxes", r.out)
        self.assertTrue(r.out.endswith("4 passed, 0 failed\n"), r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({k: v[0] for k, v in cases.items()}, dict.fromkeys("abcd", "passed"))
        log = (self.project / "test-results" / "logs" / "batch-0001.log").read_text()
        self.assertIn("ran ", log)

    def test_one_failure_is_reported_with_its_output(self):
        self.write({
            "offload.toml": generic_config("printf 'good\\nbad\\n'", "sh ./check.sh {tests}"),
            "check.sh": 'if [ "$1" = bad ]; then echo "expected 3, got 4" >&2; exit 1; fi\n',
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL bad", r.out)
        self.assertIn("Failed (1):\n  bad: exit code 1", r.out)
        self.assertTrue(r.out.endswith("1 passed, 1 failed\n"), r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["good"][0], "passed")
        self.assertEqual(cases["bad"][0], "failed")
        failure = cases["bad"][1].find("failure")
        self.assertEqual(failure.get("message"), "exit code 1")
        self.assertIn("expected 3, got 4", failure.text)

    def test_output_that_starts_with_a_nul_byte_keeps_its_text_in_the_report(self):
        # The output reaches the framework plugin and comes back as a C string: a NUL byte used to
        # end it there, and the report showed nothing of what the test printed after it.
        self.write({
            "offload.toml": generic_config("printf 'bad\\n'", "sh ./check.sh {tests}"),
            "check.sh": "printf '\\000before\\000 expected 3, got 4\\n' >&2; exit 1\n",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failure = junit(self.project / "test-results" / "junit.xml")["bad"][1].find("failure")
        self.assertIn("\\x00before\\x00 expected 3, got 4", failure.text)

    def test_hostile_test_ids_reach_the_command_intact_and_never_run(self):
        ids = "\n".join(HOSTILE_IDS) + "\n"
        for batch_size in (1, 4):
            with self.subTest(batch_size=batch_size):
                received = self.project / "received"
                received.unlink(missing_ok=True)
                self.write({
                    "ids.txt": ids,
                    # One argument per record, NUL-terminated, so any byte but NUL survives.
                    "record.sh": 'for a in "$@"; do printf "%s\\0" "$a" >> received; done\n',
                    "offload.toml": generic_config("cat ids.txt", "sh ./record.sh {tests}",
                                                   discovery_extra=f"batch_size = {batch_size}"),
                })
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                got = received.read_bytes().decode().split("\0")[:-1]
                self.assertEqual(sorted(got), sorted(HOSTILE_IDS))
                for marker in ("PWNED", "PWNED2", "PWNED3"):
                    self.assertFalse((self.project / marker).exists(), f"{marker}: an id was run as shell code")
                cases = junit(self.project / "test-results" / "junit.xml")
                self.assertEqual(sorted(cases), sorted(HOSTILE_IDS))

    def test_junit_result_file_gives_each_test_its_outcome(self):
        self.write({
            "writer.py": JUNIT_WRITER,
            "offload.toml": generic_config(
                "printf 'pass_1\\npass_2\\nfail_1\\nskip_1\\nmissing_1\\npass_3\\n'",
                f"{sys.executable} writer.py {{result_file}} {{tests}}"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = junit(self.project / "test-results" / "junit.xml")   # parses: control characters were sanitized
        outcomes = {k: v[0] for k, v in cases.items()}
        self.assertEqual(outcomes, {"pass_1": "passed", "pass_2": "passed", "pass_3": "passed", "fail_1": "failed",
                                    "skip_1": "skipped", "missing_1": "not run"})
        self.assertEqual(cases["pass_1"][1].get("time"), "0.250")
        failure = cases["fail_1"][1].find("failure")
        self.assertEqual(failure.get("message"), "assert 1 == 2")
        self.assertIn("trace\\x1B[31m red \\x00 nul", failure.text)
        self.assertIn("out \\xFF\\xFE bytes", failure.text)
        self.assertEqual(cases["skip_1"][1].find("skipped").get("message"), "not on this OS")
        reason = cases["missing_1"][1].find("error").get("message")
        self.assertIn("not run: no result", reason)
        self.assertIn("Not run (1):\n  missing_1: no result", r.out)

    def test_flaky_test_passes_on_retry_with_exit_code_2(self):
        self.write({
            "offload.toml": generic_config("printf 'flaky\\nsteady\\n'", "sh ./t.sh {tests}", retries=2),
            # The flaky test fails the first time, passes the second; it notes where each attempt ran.
            "t.sh": 'echo "$OFFLOAD_SANDBOX_DIR" >> "attempts-$1"\n'
                    'if [ "$1" = flaky ]; then sleep 0.5; [ -e seen ] && exit 0; touch seen; exit 1; fi\n',
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 2, r)
        self.assertIn("Flaky (failed, then passed on retry) (1):\n  flaky  [passed on attempt 2]", r.out)
        self.assertIn("2 passed (1 flaky), 0 failed", r.out)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["flaky"][0], "passed")
        self.assertEqual(len(cases["flaky"][1].findall("flakyFailure")), 1)
        sandboxes = (self.project / "attempts-flaky").read_text().split()
        self.assertEqual(len(sandboxes), 2)
        self.assertNotEqual(sandboxes[0], sandboxes[1], "the retry should run on the other, idle sandbox")

    def test_broken_test_fails_after_all_retries(self):
        self.write({"offload.toml": generic_config("echo broken", "echo attempt $OFFLOAD_ATTEMPT {tests}; exit 7", retries=2)})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[3 attempts]", r.out)
        case = junit(self.project / "test-results" / "junit.xml")["broken"][1]
        self.assertEqual(case.find("failure").get("message"), "exit code 7")
        self.assertEqual(len(case.findall("rerunFailure")), 2)

    def test_skip_exit_code_marks_a_test_skipped(self):
        self.write({"offload.toml": generic_config("printf 'runs\\nskips\\n'",
                                                   '[ {tests} = skips ] && exit 77; exit 0',
                                                   discovery_extra="skip_exit_code = 77")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("1 passed, 0 failed, 0 not run, 1 skipped", r.out)
        outcomes = {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}
        self.assertEqual(outcomes, {"runs": "passed", "skips": "skipped"})

    def test_history_puts_the_longest_test_first(self):
        self.write({
            "offload.toml": generic_config("printf 'a\\nb\\nc\\nd\\nslow\\n'",
                                           "echo running {tests}; [ {tests} = slow ] && sleep 1.5; exit 0"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        first = (self.project / "test-results" / "logs" / "batch-0001.log").read_text()
        self.assertNotIn("running slow", first)
        history = (self.project / ".offload" / "history").read_text()
        # The sleep's 1.5 s and the command around it (more under a sanitizer and load).
        self.assertRegex(history, r"\nt\t(1\.[5-9]|2\.)\d+\t1\t1\tslow\n")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        first = (self.project / "test-results" / "logs" / "batch-0001.log").read_text()
        self.assertEqual(first, "running slow\n")

    def test_a_straggler_is_hedged_on_an_idle_sandbox_and_the_first_to_finish_counts(self):
        import uuid
        token = str(uuid.uuid4())
        marker = f"OFFLOAD_HEDGE_MARKER={token}"
        self.write({
            "offload.toml": generic_config("printf 'quick\\nstraggler\\n'", "sh ./t.sh {tests}",
                                           provider_extra=f'env = {{ OFFLOAD_HEDGE_MARKER = "{token}" }}'),
            # Run 1 teaches the history that both take 0.3 s. In run 2 the straggler's first run
            # hangs; its duplicate, started on the idle sandbox, finishes at once.
            "t.sh": 'if [ "$1" = straggler ] && [ -e slow-now ] && [ ! -e hung ]; then touch hung; sleep 60; fi\n'
                    'sleep 0.3\n',
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        (self.project / "slow-now").touch()
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Tail hedging: 1 straggling batch started again on idle sandboxes, 1 finished first", r.out)
        self.assertLess(r.seconds, seconds(10), r)   # not the 60 s of the hung run
        self.assertTrue((self.project / "hung").exists())
        self.assertEqual(processes_with_env(marker), [], "the losing run was not stopped")
        self.assertEqual({k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()},
                         {"quick": "passed", "straggler": "passed"})

    def test_hedging_can_be_switched_off(self):
        self.write({
            "offload.toml": generic_config("printf 'quick\\nstraggler\\n'", "sh ./t.sh {tests}",
                                           timeout=3).replace("retry_count = 0", "retry_count = 0\ntail_hedging = false"),
            "t.sh": 'if [ "$1" = straggler ] && [ -e slow-now ]; then sleep 60; fi\nsleep 0.3\n',
        })
        self.assertEqual(self.run_offload("run").code, 0)
        (self.project / "slow-now").touch()
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertNotIn("Tail hedging", r.out)

    def test_history_can_be_switched_off(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}") + "[history]\nenabled = false\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertFalse((self.project / ".offload" / "history").exists())

    def test_a_batch_command_longer_than_the_argument_limit_runs(self):
        # 3000 ids of 100 bytes in one batch: 300 KB, more than Linux allows one argument (128 KiB).
        ids = [f"suite/{i:04d}-" + "x" * 94 for i in range(3000)]
        self.write({
            "ids.txt": "\n".join(ids) + "\n",
            "writer.py": "import sys\nwith open(sys.argv[1], 'w') as f:\n"
                         "    f.write('<testsuite>' + ''.join(f'<testcase name=\"{i}\"/>' for i in sys.argv[2:]) + "
                         "'</testsuite>')\n",
            "offload.toml": generic_config("cat ids.txt", f"{sys.executable} writer.py {{result_file}} {{tests}}",
                                           parallel=1, discovery_extra="batch_size = 3000"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("3000 passed, 0 failed", r.out)

    def test_retries_flag_overrides_the_config(self):
        self.write({"offload.toml": generic_config("echo t", ": {tests}; exit 1", retries=0)})
        r = self.run_offload("run", "--retries", "1")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[2 attempts]", r.out)

    def test_parallel_flag_overrides_max_parallel(self):
        self.write({"offload.toml": generic_config("printf '1\\n2\\n3\\n'", "sleep 0.5; : {tests}", parallel=1)})
        r = self.run_offload("run", "--parallel", "3")
        self.assertEqual(r.code, 0, r)
        self.assertIn("on 3 sandboxes", r.out)

    def test_discovery_failure_shows_the_tools_message(self):
        self.write({"offload.toml": generic_config("echo 'ImportError: no module named foo' >&2; exit 2", "true {tests}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("the discovery command exited with code 2", r.err)
        self.assertIn("ImportError: no module named foo", r.err)

    def test_discovery_that_finds_nothing_is_an_error(self):
        self.write({"offload.toml": generic_config("true", "true {tests}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("discovery found no tests", r.err)

    def test_collect_prints_ids_as_text_and_json(self):
        import json
        self.write({"offload.toml": generic_config("printf 'a b\\nc\"d\\n'", "true {tests}")})
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, 'a b\nc"d\n')
        r = self.run_offload("collect", "--format", "json")
        self.assertEqual(json.loads(r.out), [{"id": "a b"}, {"id": 'c"d'}])

    def test_sandbox_working_dir_and_environment(self):
        self.write({"offload.toml": generic_config(
            "echo t", "pwd > \"$OFFLOAD_SANDBOX_DIR/../../where\"; echo \"$GREETING\" >> \"$OFFLOAD_SANDBOX_DIR/../../where\"; : {tests}",
            provider_extra='working_dir = "sandbox"\nenv = { GREETING = "hello there" }\n'
                           f'scratch_dir = "{self.project}/scratch"')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        where, greeting = (self.project / "scratch" / "where").read_text().splitlines()
        self.assertIn("/sandbox-", where)
        self.assertEqual(greeting, "hello there")
        # Every sandbox directory is gone once the run is over.
        self.assertEqual([p.name for p in (self.project / "scratch").iterdir()], ["where"])


if __name__ == "__main__":
    main()
