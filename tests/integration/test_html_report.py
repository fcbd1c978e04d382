"""The run record and the HTML report, checked in a real headless browser (Debian's chromium):
the pytest example's report (a real run, with a failing test), and the report of a synthetic record of
100,000 tests, which must load in bounded time with a bounded page. OFFLOAD_README_SCREENSHOT=PATH keeps
the pytest example's screenshot (docs/images/html-report.png)."""
import json
import os
import pathlib
import shutil
import time

import browser
import harness


def synthetic_record(tests, batches=400, sandboxes=8):
    """A run record of `tests` tests: one in 1000 fails (with output that tries to end the script),
    one in 500 is flaky, one in 2000 is a quarantined failure, one in 100 skipped."""
    per_batch = -(-tests // batches)
    timeline = [{"batch": b + 1, "sandbox": b % sandboxes, "attempt": 1, "hedge": False, "worker": False,
                 "tests": per_batch, "failed_tests": 0, "start": (b // sandboxes) * 2.0, "duration": 1.9,
                 "end": "completed" if b % 50 else "timed out", "exit_code": 0 if b % 7 else 1,
                 "log": f"logs/batch-{b + 1:04d}.log"} for b in range(batches)]
    records = []
    for i in range(tests):
        test = {"id": f"tests/module_{i // 1000:03d}.py::test_case_{i:06d}", "file": f"tests/module_{i // 1000:03d}.py",
                "outcome": "passed", "flaky": False, "attempts": []}
        passed = {"outcome": "passed", "duration": 0.01 + (i % 97) / 100, "sandbox": i % sandboxes, "message": "",
                  "output": "", "log": f"logs/batch-{i // per_batch + 1:04d}.log"}
        failed = dict(passed, outcome="failed", message=f"AssertionError: case {i} is wrong",
                      output=f"line 1 of {i}\n</script><script>document.body.remove()</script>\n")
        if i % 1000 == 999:
            test["outcome"], test["attempts"] = "failed", [failed]
        elif i % 2000 == 1000:
            test["outcome"], test["quarantined"], test["attempts"] = "failed", "flaked in 3 of its last 10 runs", [failed]
        elif i % 500 == 1:
            test["flaky"], test["attempts"] = True, [failed, passed]
        elif i % 100 == 2:
            test["outcome"], test["attempts"] = "skipped", [dict(passed, outcome="skipped", message="not here")]
        else:
            test["attempts"] = [passed]
        records.append(test)
    counts = {"total": tests, "passed": 0, "failed": 0, "skipped": 0, "not_run": 0, "flaky": 0, "quarantined": 0}
    for test in records:
        key = "quarantined" if test.get("quarantined") else test["outcome"]
        counts[key] += 1
        counts["flaky"] += test["flaky"]
    return {"format": "offload-run 1",
            "run": {"started_at": "2025-01-01T00:00:00Z", "wall_secs": batches / sandboxes * 2.0, "interrupted": False,
                    "stopped_early": False, "exit_code": 1, "sandboxes": sandboxes, "batches": batches,
                    "hedges_started": 0, "hedges_won": 0, "incidents": []},
            "counts": counts,
            "settings": {"config_file": "/p/offload.toml", "provider": "process", "framework": "pytest",
                         "parallel": sandboxes, "retries": 1, "test_timeout_secs": 900, "slow_timeout_secs": 60,
                         "output_dir": "/p/test-results", "command_line": ["offload", "run"]},
            "timeline": {"sandboxes": [{"sandbox": s, "created": 0, "destroyed": batches / sandboxes * 2.0}
                                       for s in range(sandboxes)], "batches": timeline},
            "tests": records}


class HtmlReportTest(harness.ProjectTest):
    def setUp(self):
        super().setUp()
        if browser.find_chromium() is None:
            self.skipTest("needs chromium (tools/bootstrap --tests installs it)")

    def check(self, html, **kwargs):
        for line in browser.check_report(html, **kwargs):
            print("  checked:", line)

    def test_pytest_example(self):
        """A real run of the pytest example, with [report] html = true: run.json and report.html beside
        junit.xml, the summary names the report, and the page shows the failing test."""
        example = self.project / "example"
        shutil.copytree(harness.SOURCE_DIR / "examples" / "pytest", example,
                        ignore=shutil.ignore_patterns("test-results", ".offload", "__pycache__"))
        config = example / "offload.toml"
        config.write_text(config.read_text().replace('output_dir = "test-results"',
                                                     'output_dir = "test-results"\nhtml = true'))
        # The price feed answers: the one failure is the example's own failing test, every time.
        result = harness.offload("run", "--ci", cwd=example, env={"SHOPKIT_FEED": "up"}, timeout=180)
        self.assertEqual(result.code, 1, result)
        html = example / "test-results" / "report.html"
        self.assertIn(f"HTML report: {html}", result.out)
        record = json.loads((example / "test-results" / "run.json").read_text())
        self.assertEqual(record["format"], "offload-run 1")
        failing = [t["id"] for t in record["tests"] if t["outcome"] == "failed"]
        self.assertEqual(failing, ["tests/test_pricing.py::TestFormat::test_refunds_show_a_minus_sign"])
        self.assertTrue(all(a["log"].startswith("logs/") for t in record["tests"] for a in t["attempts"]))
        self.check(html)
        if os.environ.get("OFFLOAD_README_SCREENSHOT"):
            browser.screenshot(html, os.environ["OFFLOAD_README_SCREENSHOT"], height=1450)

        # offload report renders the same record again, to another file.
        again = self.project / "elsewhere" / "again.html"
        result = harness.offload("report", "-o", again, cwd=example)
        self.assertEqual(result.code, 0, result)
        self.assertIn(str(again), result.out)
        self.assertIn('"log_base":"../example/test-results/"', again.read_text())

    def test_a_run_where_everything_passed_shows_no_failure_red(self):
        """A green run's page: its headline, its timeline and its legend hold no failure red (the
        legend used to show every kind of batch end, red ones included, in any run)."""
        self.write({"offload.toml": harness.generic_config("printf 'a\\nb\\nc\\n'", "true {tests}")})
        result = harness.offload("run", cwd=self.project)
        self.assertEqual(result.code, 0, result)
        result = harness.offload("report", cwd=self.project)
        self.assertEqual(result.code, 0, result)
        html = self.project / "test-results" / "report.html"
        self.check(html)
        self.assertIn('<div class="legend" id="legend"><span><i style="background:#2da44e"></i>completed, exit 0'
                      '</span></div>', browser.dump_dom(html)[0])

    def test_100k_tests(self):
        """100,000 tests: the page loads in bounded time and renders a bounded number of elements."""
        record = self.project / "out" / "run.json"
        record.parent.mkdir()
        record.write_text(json.dumps(synthetic_record(100_000)))
        start = time.monotonic()
        result = harness.offload("report", "--input", record, cwd=self.project)
        render_secs = time.monotonic() - start
        self.assertEqual(result.code, 0, result)
        html = record.parent / "report.html"
        print(f"  run.json {record.stat().st_size / 1e6:.1f} MB -> report.html {html.stat().st_size / 1e6:.1f} MB "
              f"in {render_secs:.2f} s")
        self.check(html, max_seconds=harness.seconds(45))

    def test_bad_records(self):
        """A missing, corrupt or foreign record, or a directory, is a clear error, not a crash."""
        self.write({"offload.toml": harness.generic_config("true", "true")})
        result = self.run_offload("report")
        self.assertEqual(result.code, 1, result)
        self.assertIn("there is no run record at", result.err)
        self.assertIn("run `offload run` first", result.err)
        out = self.project / "test-results"
        out.mkdir()
        for text, expected in [("{\"format\":\"offload-run 1\",\"tests\":[", "a damaged run record: line 1"),
                               ("{\"traceEvents\":[]}", "not an offload run record (no \"format\" key first)"),
                               ("\x00\xff", "not an offload run record (not valid JSON")]:
            (out / "run.json").write_text(text, errors="surrogateescape")
            result = self.run_offload("report")
            self.assertEqual(result.code, 1, result)
            self.assertIn(f"{out / 'run.json'}: {expected}", result.err)
            self.assertFalse((out / "report.html").exists())
        (out / "run.json").unlink()
        (out / "run.json").mkdir()
        result = self.run_offload("report")
        self.assertEqual(result.code, 1, result)
        self.assertIn("a directory, not a run record", result.err)


if __name__ == "__main__":
    harness.main()
