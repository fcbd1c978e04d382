"""What users expect around the run: choosing tests, sharding, stopping early, JSON events,
traces, logs of the last run, completions and the man page."""
import json
import shutil
import subprocess
import time

from harness import FIXTURE_PLUGINS, ProjectTest, generic_config, junit, main, seconds

IDS = ["alpha/one", "alpha/two", "beta/one", "beta/two", "gamma/slow", "gamma/broken"]


class ReportingTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.write({
            "ids.txt": "\n".join(IDS) + "\n",
            "t.sh": 'echo "running $1"\ncase $1 in *broken) echo "assertion failed: 1 == 2" >&2; exit 1;; '
                    '*slow) sleep 1;; esac\n',
            "offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}"),
        })

    def ran(self):
        return sorted(junit(self.project / "test-results" / "junit.xml"))

    def test_ids_filter_and_exclude_choose_the_tests(self):
        r = self.run_offload("run", "alpha/one", "beta/two")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.ran(), ["alpha/one", "beta/two"])
        r = self.run_offload("run", "--filter", "^alpha/", "--filter", "slow", "--exclude", "two$")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.ran(), ["alpha/one", "gamma/slow"])
        self.assertIn("selected 2 of 6 tests", r.err)

    def test_an_unknown_id_names_the_closest(self):
        r = self.run_offload("run", "alpha/onr")
        self.assertEqual(r.code, 64, r)
        self.assertIn('no test "alpha/onr" was discovered (the closest is "alpha/one")', r.err)
        r = self.run_offload("run", "--filter", "(unclosed")
        self.assertEqual(r.code, 64, r)
        self.assertIn('--filter "(unclosed" is not a valid regular expression', r.err)

    def test_rerun_failed_runs_what_failed_last_time(self):
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertIn("--rerun-failed reads the last run's report, but there is none", r.err)
        self.assertEqual(self.run_offload("run").code, 1)
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.ran(), ["gamma/broken"])

    def test_partitions_are_disjoint_and_cover_every_test_whatever_history_each_machine_has(self):
        # Three CI machines, each with a timing history of its own (CI caches rarely agree): one
        # has none, one saw a run, one saw a run where other tests took long.
        histories = ["", self.project / "history-a", self.project / "history-b"]
        self.assertEqual(self.run_offload("run").code, 1)
        shutil.copy(self.project / ".offload" / "history", histories[1])
        histories[2].write_text("offload-history 1\nrun\t1\n" + "".join(
            f"t\t{10.0 * (i + 1):.6f}\t1\t1\t{test_id}\n" for i, test_id in enumerate(sorted(IDS))))
        for scheme in ("", "count:", "hash:"):
            with self.subTest(scheme=scheme):
                shares = []
                for k, history in zip((1, 2, 3), histories):
                    shutil.rmtree(self.project / ".offload", ignore_errors=True)
                    if history:
                        (self.project / ".offload").mkdir()
                        shutil.copy(history, self.project / ".offload" / "history")
                    r = self.run_offload("collect", "--partition", f"{scheme}{k}/3")
                    self.assertEqual(r.code, 0, r)
                    shares.append(set(r.out.split("\n")) - {""})
                self.assertEqual(sorted(set().union(*shares)), sorted(IDS))
                self.assertEqual(sum(len(s) for s in shares), len(IDS))
                if not scheme or scheme == "count:":
                    self.assertLessEqual(max(map(len, shares)) - min(map(len, shares)), 1)
                if not scheme:
                    default_shares = shares
        r = self.run_offload("run", "--partition", "2/3")
        self.assertEqual(self.ran(), sorted(default_shares[1]))

    def test_fail_fast_stops_scheduling_and_reports_the_rest(self):
        self.write({"offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}", parallel=1)})
        self.write({"ids.txt": "gamma/broken\nalpha/one\nalpha/two\nbeta/one\n"})
        r = self.run_offload("run", "--fail-fast")
        self.assertEqual(r.code, 1, r)
        self.assertIn("Stopped early", r.out)
        outcomes = {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}
        self.assertEqual(outcomes["gamma/broken"], "failed")
        self.assertEqual([k for k, v in outcomes.items() if v == "not run"], ["alpha/one", "alpha/two", "beta/one"])
        reason = junit(self.project / "test-results" / "junit.xml")["alpha/one"][1].find("error").get("message")
        self.assertIn("the run stopped early: 1 test failed (--max-fail 1)", reason)

    def test_kill_running_stops_running_batches_at_max_fail(self):
        self.write({"ids.txt": "gamma/broken\nslow/one\n", "t.sh": 'case $1 in slow*) sleep 300;; *) exit 1;; esac\n'})
        r = self.run_offload("run", "--max-fail", "1", "--kill-running", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertLess(r.seconds, seconds(15), r)
        self.assertEqual(junit(self.project / "test-results" / "junit.xml")["slow/one"][0], "not run")

    def test_json_events_stream_on_stdout(self):
        r = self.run_offload("run", "--message-format", "json")
        self.assertEqual(r.code, 1, r)
        events = [json.loads(line) for line in r.out.splitlines()]   # stdout is nothing but JSON
        types = [e["type"] for e in events]
        self.assertEqual(types[0], "run-started")
        self.assertEqual(types[-1], "run-finished")
        self.assertEqual(events[0]["format"], 1)
        self.assertEqual(events[0]["tests"], 6)
        finished = {e["id"]: e for e in events if e["type"] == "test-finished"}
        self.assertEqual(sorted(finished), sorted(IDS))
        self.assertEqual(finished["gamma/broken"]["outcome"], "failed")
        self.assertEqual(finished["alpha/one"]["outcome"], "passed")
        self.assertEqual(events[-1]["failed"], 1)
        self.assertEqual(events[-1]["exit_code"], 1)
        times = [e["time"] for e in events]
        self.assertEqual(times, sorted(times))
        self.assertEqual(types.count("sandbox-created"), types.count("sandbox-destroyed"))
        self.assertEqual(types.count("batch-started"), types.count("batch-finished"))
        self.assertIn("1 failed", r.err)   # the human summary went to stderr

    def test_trace_file_has_a_span_per_batch(self):
        r = self.run_offload("run", "--trace", "out/trace.json")
        self.assertEqual(r.code, 1, r)
        trace = json.loads((self.project / "out" / "trace.json").read_text())
        batches = [e for e in trace["traceEvents"] if e["ph"] == "X" and e["name"].startswith("batch ")]
        self.assertEqual(len(batches), 6)
        self.assertTrue(all(e["dur"] >= 0 and e["ts"] >= 0 for e in batches))
        slow = next(e for e in batches if "gamma/slow" in e["args"].get("ids", []))
        self.assertGreater(slow["dur"], 900_000)   # microseconds

    def test_logs_show_the_last_runs_tests_with_their_output(self):
        self.assertEqual(self.run_offload("run").code, 1)
        r = self.run_offload("logs")
        self.assertEqual(r.code, 0, r)
        self.assertIn("=== FAIL gamma/broken", r.out)
        self.assertIn("assertion failed: 1 == 2", r.out)
        self.assertNotIn("alpha/one", r.out)
        r = self.run_offload("logs", "--test", "alpha/one")
        self.assertIn("=== PASS alpha/one", r.out)
        r = self.run_offload("logs", "--grep", "assertion")
        self.assertIn("gamma/broken", r.out)
        self.assertIn("1 of 6 tests shown", r.out)
        r = self.run_offload("logs", "--test", "nope")
        self.assertEqual(r.code, 1, r)
        self.assertIn('has no test "nope"', r.err)

    def test_logs_show_flaky_tests(self):
        self.write({"offload.toml": generic_config("echo flaky", "sh ./f.sh", retries=1).replace("{tests}", ""),
                    "f.sh": "[ -e seen ] && exit 0; touch seen; echo first try broke; exit 1\n"})
        self.write({"offload.toml": generic_config("echo flaky", "sh ./f.sh {tests}", retries=1)})
        self.assertEqual(self.run_offload("run").code, 2)
        r = self.run_offload("logs", "--flaky")
        self.assertIn("=== FLAKY flaky", r.out)
        self.assertIn("first try broke", r.out)

    def test_completions_are_valid_scripts(self):
        r = self.run_offload("completions", "bash")
        self.assertEqual(r.code, 0, r)
        check = subprocess.run(["bash", "-n"], input=r.out, text=True, capture_output=True)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("--rerun-failed", r.out)
        self.assertIn("complete -F _offload offload", r.out)
        # Completing `offload ru` offers run.
        probe = r.out + '\nCOMP_WORDS=(offload ru); COMP_CWORD=1; _offload; echo "${COMPREPLY[@]}"\n'
        self.assertEqual(subprocess.run(["bash", "-c", probe], capture_output=True, text=True).stdout.strip(), "run")
        for shell, marker in (("zsh", "#compdef offload"), ("fish", "complete -c offload")):
            r = self.run_offload("completions", shell)
            self.assertEqual(r.code, 0, r)
            self.assertIn(marker, r.out)
            self.assertIn("message-format", r.out)
            self.assertIn("provider\\'s sandboxes" if shell == "fish" else "provider'\\''s sandboxes", r.out)
            if shutil.which(shell):
                check = subprocess.run([shell, "-n"], input=r.out, text=True, capture_output=True)
                self.assertEqual(check.returncode, 0, check.stderr)

    def test_man_page_covers_every_command(self):
        r = self.run_offload("man")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.startswith(".TH OFFLOAD 1"))
        for command in ("run", "collect", "validate", "init", "plugins", "logs", "completions", "man"):
            self.assertIn(f'.SS "{command}', r.out)
        self.assertIn("\\-\\-partition", r.out)
        if shutil.which("groff"):
            rendered = subprocess.run(["groff", "-man", "-Tutf8"], input=r.out, text=True, capture_output=True)
            self.assertEqual(rendered.returncode, 0, rendered.stderr)

    def test_control_characters_of_ids_and_output_are_shown_escaped(self):
        # Test output and ids went raw to the terminal: escape sequences cleared it or set its title.
        self.write({"offload.toml": generic_config(
            "printf 'evil\\033[2Jid\\nplain\\n'",
            "printf '\\033]0;owned\\007boom\\r\\n'; printf 'progress\\rdone\\n' >&2; exit 1; : {tests}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertNotIn("\x1b", r.out + r.err)
        self.assertNotIn("\x07", r.out + r.err)
        self.assertIn("FAIL evil\\x1B[2Jid [", r.out)
        self.assertIn("| \\x1B]0;owned\\x07boom\n", r.out)
        self.assertIn("| progress\\x0Ddone", r.out)
        self.assertIn("\n  evil\\x1B[2Jid: ", r.out)   # the summary's list of failures

    def test_plugins_check_reports_what_is_wrong(self):
        r = self.run_offload("plugins", "check", FIXTURE_PLUGINS / "fixture_good.so")
        self.assertEqual(r.code, 0, r)
        self.assertIn('descriptor: id "fixture-good", version "1.2.3", ABI 1.3', r.out)
        self.assertIn("implements offload.framework.v1", r.out)
        self.assertIn("The plugin is usable.", r.out)
        r = self.run_offload("plugins", "check", FIXTURE_PLUGINS / "fixture_wrong_abi.so")
        self.assertEqual(r.code, 1, r)
        self.assertIn("FAIL  loading: built for plugin ABI 2", r.out)
        r = self.run_offload("plugins", "check", self.project / "nope.so")
        self.assertEqual(r.code, 1, r)
        self.assertIn("does not exist", r.err)


if __name__ == "__main__":
    main()
