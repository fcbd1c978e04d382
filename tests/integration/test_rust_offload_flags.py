"""The Rust offload's command line: its flags as aliases of ours, real where cheap (--env,
collect -f json, logs --errors and --test-regex), and a usage error that says what to do for the rest."""
import json
import re

from harness import SOURCE_DIR, ProjectTest, generic_config, junit, main

# Three tests: a passes, b fails, c fails unless $GREETING is "hello".
DISCOVER = "printf 'a\\nb\\nc\\n'"


class RustFlagsTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.write({"offload.toml": generic_config(DISCOVER, self.run_command())})

    def run_command(self):
        return 'case {tests} in a) :;; b) exit 1;; c) [ "$GREETING" = hello ] || exit 1;; esac'

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in junit(self.project / "test-results/junit.xml").items()}

    def test_short_flags_of_theirs_are_ours(self):
        r = self.run_offload("-c", "offload.toml", "run", "-p", "1", "--filter", "^a$")
        self.assertEqual(r.code, 0, r)
        r = self.run_offload("collect", "-f", "json")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([t["id"] for t in json.loads(r.out)], ["a", "b", "c"])
        r = self.run_offload("-V")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^offload \d")

    def test_env_reaches_every_test_command(self):
        r = self.run_offload("run", "--parallel", "1")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes()["c"], "failed")
        r = self.run_offload("run", "--env", "GREETING=hello", "--env", "OTHER=x=y")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"a": "passed", "b": "failed", "c": "passed"})

    def test_env_takes_name_equals_value(self):
        for value, message in [("GREETING", "--env takes NAME=VALUE"), ("=x", "--env takes NAME=VALUE"),
                               ("OFFLOAD_BATCH=3", "offload's own")]:
            with self.subTest(value=value):
                r = self.run_offload("run", "--env", value)
                self.assertEqual(r.code, 64, r)
                self.assertIn(message, r.err)

    def test_collect_only_is_collect(self):
        r = self.run_offload("run", "--collect-only")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "a\nb\nc\n")
        self.assertFalse((self.project / "test-results/junit.xml").exists())
        r = self.run_offload("run", "--collect-only", "-p", "2")
        self.assertEqual(r.code, 64, r)
        self.assertIn("--parallel does not go with it", r.err)

    def test_no_cache_runs_discovery_again(self):
        counted = "echo >> discoveries.log; " + DISCOVER
        self.write({"offload.toml": generic_config(counted, self.run_command(),
                                                   discovery_extra='fingerprint_command = "echo same"')})

        def discoveries():
            log = self.project / "discoveries.log"
            return len(log.read_text().splitlines()) if log.exists() else 0

        self.assertEqual(self.run_offload("collect").code, 0)
        self.assertEqual(self.run_offload("collect").code, 0)
        self.assertEqual(discoveries(), 1, "the discovery cache did not serve the second collect")
        r = self.run_offload("run", "--no-cache", "--filter", "^a$")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(discoveries(), 2)
        r = self.run_offload("run", "--collect-only", "--no-cache")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(discoveries(), 3)

    def test_trace_without_a_file_goes_to_the_output_dir(self):
        r = self.run_offload("run", "--trace", "--filter", "^a$")
        self.assertEqual(r.code, 0, r)
        trace = json.loads((self.project / "test-results/trace.json").read_text())
        self.assertTrue(trace)
        r = self.run_offload("run", "--filter", "^a$", "--trace", "mine.json")
        self.assertEqual(r.code, 0, r)
        self.assertTrue((self.project / "mine.json").exists())

    def test_record_history_needs_the_history_on(self):
        r = self.run_offload("run", "--record-history", "--filter", "^a$")
        self.assertEqual(r.code, 0, r)
        self.assertTrue((self.project / ".offload/history").exists())
        with open(self.project / "offload.toml", "a") as config:
            config.write("\n[history]\nenabled = false\n")
        r = self.run_offload("run", "--record-history", "--filter", "^a$")
        self.assertEqual(r.code, 64, r)
        self.assertIn("[history] enabled = false", r.err)

    def test_logs_errors_and_test_regex(self):
        self.write({"offload.toml": generic_config(DISCOVER, self.run_command(), timeout=60)})
        self.assertEqual(self.run_offload("run").code, 1)
        r = self.run_offload("logs", "--test-regex", "^[ab]$")
        self.assertEqual(r.code, 0, r)
        self.assertIn("=== PASS a", r.out)
        self.assertIn("=== FAIL b", r.out)
        self.assertNotIn(" c\n", r.out)
        r = self.run_offload("logs", "--failures", "--test-regex", "^c")
        self.assertIn("=== FAIL c", r.out)
        self.assertNotIn("FAIL b", r.out)
        r = self.run_offload("logs", "--errors")
        self.assertIn("0 of 3 tests shown", r.out)
        r = self.run_offload("logs", "--test-regex", "(")
        self.assertEqual(r.code, 64, r)
        self.assertIn("--test-regex", r.err)

    def test_logs_errors_shows_tests_that_did_not_run(self):
        self.write({"offload.toml": generic_config("printf 'a\\nz\\n'", "case {tests} in *z*) kill -9 $$;; esac",
                                                   parallel=1)})
        self.run_offload("run")
        cases = self.outcomes()
        self.assertIn(cases["z"], ("error", "not run"))
        r = self.run_offload("logs", "--errors")
        self.assertIn(" z", r.out)
        self.assertNotIn("PASS a", r.out)

    def test_flags_without_an_equivalent_say_what_to_do(self):
        for args, message in [
            (["run", "--copy-dir", "/a:/b"], "--copy-dir is a flag of the Rust offload"),
            (["run", "--override-image-id", "im-1"], "--override-image-id is a flag of the Rust offload"),
            (["run", "--show-estimated-cost"], "does not estimate sandbox costs"),
            (["run", "--junit", "out.xml"], "[report] junit_file"),
            (["build"], '"build" is a command of the Rust offload'),
            (["checkpoint-status"], "no image checkpoints"),
            (["apply-diff", "x.patch"], "git apply"),
            (["history", "setup-merge-driver"], "git config merge.offload-history.driver"),
        ]:
            with self.subTest(args=args):
                r = self.run_offload(*args)
                self.assertEqual(r.code, 64, r)
                self.assertIn(message, r.err)

    def test_aliases_stay_out_of_help_and_are_in_the_readme(self):
        help_text = self.run_offload("run", "--help").out
        self.assertIn("--env NAME=VALUE", help_text)
        self.assertIn("-p, --parallel N", help_text)
        self.assertIn("--trace [FILE]", help_text)
        for hidden in ("--collect-only", "--no-cache", "--copy-dir", "--show-estimated-cost", "--junit"):
            self.assertNotIn(hidden, help_text)
        self.assertIn("--test-regex", self.run_offload("logs", "--help").out)
        readme = (SOURCE_DIR / "README.md").read_text()
        self.assertIn("## Coming from the Rust offload", readme)
        section = readme.split("## Coming from the Rust offload", 1)[1].split("\n## ", 1)[0]
        for flag in ("--collect-only", "--no-cache", "--copy-dir", "--env", "--test-regex", "--errors",
                     "--record-history", "--override-image-id", "--show-estimated-cost", "--junit",
                     "collect -f json", "init -p P -f F", "setup-merge-driver", "checkpoint-status"):
            self.assertTrue(re.search(rf"`[^`]*{re.escape(flag)}", section), f"{flag} is not in the README table")


if __name__ == "__main__":
    main()
