"""Flakiness measured over runs (`offload flaky`), the quarantine, and the retry policy ([retry])."""
import json
import re
import time

from harness import ProjectTest, generic_config, junit, main, seconds

# A test run: `flaky` fails its first attempt of a run while the file `flake` exists (the attempt
# removes it, so the retry passes); while `broken` exists it always fails. net/* fail while
# `net-down` exists. Every attempt's start time goes to starts-<id, / as _>.
CHECK = r'''
id="$1"
date +%s.%N >> "starts-$(echo "$id" | tr / _)"
case "$id" in
  flaky)
    if [ -e broken ]; then echo "flaky: broken for good" >&2; exit 1; fi
    if [ -e flake ]; then rm -f flake; echo "flaky: lost the race" >&2; exit 1; fi ;;
  net/*) if [ -e net-down ]; then echo "$id: network is down" >&2; exit 1; fi ;;
esac
exit 0
'''


def config(extra="", retries=1, tests="steady flaky"):
    return generic_config(f"printf '%s{chr(92)}n' {tests}", "sh ./check.sh {tests}",
                          retries=retries, discovery_extra="batch_size = 1") + extra


class FlakyTest(ProjectTest):
    def run_runs(self, pattern):
        """One offload run per character: f (flaky flakes), p (it passes at once)."""
        for mark in pattern:
            if mark == "f":
                (self.project / "flake").write_text("")
            r = self.run_offload("run")
            self.assertEqual(r.code, 2 if mark == "f" else 0, r)

    def test_three_flakes_in_ten_runs_are_a_30_percent_rate_and_a_quarantine_keeps_the_run_green(self):
        self.write({"offload.toml": config(), "check.sh": CHECK})
        self.run_runs("pfppfpppfp")

        r = self.run_offload("flaky")
        self.assertEqual(r.code, 0, r)
        lines = [line for line in r.out.splitlines() if line.rstrip().endswith("flaky")]
        self.assertEqual(len(lines), 1, r)
        self.assertRegex(lines[0], r"^\s+30\.0%\s+0\.0%\s+3\s+10\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+"
                                   r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+\.f\.\.f\.\.\.f\.\s+flaky$")
        self.assertNotIn("steady", r.out)  # it never flaked or failed
        listed = json.loads(self.run_offload("flaky", "--format", "json").out)
        self.assertEqual([(t["id"], t["flakes"], t["window_runs"], t["flake_rate"]) for t in listed],
                         [("flaky", 3, 10, 0.3)])
        self.assertEqual(listed[0]["quarantined"], "")
        # Over its last 5 runs it flaked once.
        listed = json.loads(self.run_offload("flaky", "--format", "json", "--window", "5").out)
        self.assertEqual((listed[0]["flakes"], listed[0]["flake_rate"]), (1, 0.2))

        # Quarantined by its rate: broken for good now, it still runs, twice, and is reported as
        # failed, but the run is green and says why.
        (self.project / "offload.toml").write_text(config("[flaky]\nquarantine_rate = 0.3\nmin_runs = 10\n"))
        self.assertIn("[quarantined: flaked in 3 of its last 10 runs (30%; [flaky] quarantine_rate = 30%)]",
                      self.run_offload("flaky").out)
        (self.project / "broken").write_text("")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("Quarantined: FAILED, not counted against the run ([flaky] quarantine) (1):\n"
                      "  flaky: exit code 1", r.out)
        self.assertIn("[2 attempts]  [quarantined: flaked in 3 of its last 10 runs (30%; [flaky] "
                      "quarantine_rate = 30%)]", r.out)
        self.assertIn("1 passed, 0 failed (and 1 quarantined)", r.out)
        self.assertIn("The run passes only because 1 failed test is quarantined", r.out)
        self.assertTrue(r.out.endswith("1 passed, 0 failed\n"), r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["flaky"][0], "failed")  # the report tells the truth
        self.assertEqual(len((self.project / "starts-flaky").read_text().split()), 10 + 3 + 2)

        # The failure counts in the history: 3 flakes in 11 runs are 27%, below the threshold: the
        # quarantine ends, and the next failure fails the run.
        listed = json.loads(self.run_offload("flaky", "--format", "json").out)
        self.assertEqual((listed[0]["flakes"], listed[0]["failures"], listed[0]["window_runs"]), (3, 1, 11))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("Failed (1):\n  flaky: exit code 1", r.out)

    def test_listed_quarantine_by_id_and_pattern_and_a_stale_entry_is_named(self):
        self.write({
            "offload.toml": config('[flaky]\nquarantine = ["net/*", "gone::test"]\n', retries=0,
                                   tests="steady net/dns net/http"),
            "check.sh": CHECK,
            "net-down": "",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("(2):\n  net/dns: exit code 1", r.out)
        self.assertIn('[quarantined: listed in [flaky] quarantine as "net/*"]', r.out)
        self.assertIn('[flaky] quarantine: "gone::test" names none of this run\'s tests', r.err)
        self.assertIn("The run passes only because 2 failed tests are quarantined", r.out)
        # In GitHub Actions: a warning per quarantined failure, and the job summary says why the run
        # is green.
        summary = self.project / "summary.md"
        r = self.run_offload("run", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
        self.assertEqual(r.code, 0, r)
        self.assertIn("::warning title=offload%3A net/dns failed (quarantined)::exit code 1 (quarantined: "
                      "listed in [flaky] quarantine as \"net/*\"; this failure does not fail the run)", r.out)
        self.assertNotIn("::error", r.out)
        self.assertIn("The run is green only because 2 tests that failed are quarantined.", summary.read_text())
        # A selection that leaves a listed test out does not call its entry stale.
        r = self.run_offload("run", "--filter", "^steady$")
        self.assertEqual(r.code, 0, r)
        self.assertNotIn("names none", r.err)
        # `offload flaky` counts failures too, and names the quarantine.
        r = self.run_offload("flaky")
        self.assertRegex(r.out, r'0\.0%\s+100\.0%\s+0\s+2\s+-\s+-\s+FF\s+net/dns  \[quarantined: listed in '
                                r'\[flaky\] quarantine as "net/\*"\]')

    def test_retries_wait_out_their_backoff_and_overrides_set_counts_per_test(self):
        self.write({
            "offload.toml": config('[retry]\nbackoff = "exponential"\ndelay_secs = 0.5\njitter = false\n'
                                   '[[retry.overrides]]\ntests = ["net/*"]\nretry_count = 2\n',
                                   retries=0, tests="steady flaky net/dns"),
            "check.sh": CHECK,
            "flake": "",
            "net-down": "",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        # flaky: retry_count 0 (no override names it), so its one failure is final.
        self.assertIn("Failed (2):", r.out)
        self.assertEqual(len((self.project / "starts-flaky").read_text().split()), 1)
        starts = [float(t) for t in (self.project / "starts-net_dns").read_text().split()]
        self.assertEqual(len(starts), 3, r)
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        self.assertGreaterEqual(gaps[0], 0.5, gaps)
        self.assertGreaterEqual(gaps[1], 1.0, gaps)
        self.assertLess(gaps[1], seconds(10), gaps)
        # --retries is every test's count: the override is not applied.
        (self.project / "starts-net_dns").unlink()
        r = self.run_offload("run", "--retries", "0", "net/dns")
        self.assertEqual(len((self.project / "starts-net_dns").read_text().split()), 1, r)

    def test_bad_retry_and_flaky_tables_are_errors_that_say_where(self):
        self.write({"check.sh": CHECK})
        cases = [
            ('[retry]\nbackoff = "linear"\n',
             'offload.toml:17:11: error: [retry] backoff must be "none", "fixed" or "exponential", not "linear"'),
            ('[[retry.overrides]]\ntests = ["a"]\n', "[retry.overrides[0]] retry_count is missing"),
            ('[[retry.overrides]]\nretry_count = 2\n', "[retry.overrides[0]] tests is missing"),
            ("[flaky]\nquarantine_rate = 0\n", "[flaky] quarantine_rate must be from 0.01 to 1, not 0"),
            ("[flaky]\nquarantine = \"a\"\n", "[flaky] quarantine must be an array of strings, not a string"),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra):
                (self.project / "offload.toml").write_text(config(extra))
                r = self.run_offload("validate")
                self.assertEqual(r.code, 1, r)
                self.assertIn(message, r.err)
        (self.project / "offload.toml").write_text(config('[retry]\nbackoff = "fixed"\ndelay_secs = 2\n'
                                                          '[flaky]\nquarantine = ["a*"]\n'))
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("[retry]\nbackoff = 'fixed'\ndelay_secs = 2", r.out)
        self.assertIn("quarantine = [ 'a*' ]", r.out)


if __name__ == "__main__":
    main()
