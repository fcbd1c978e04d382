"""The go framework on the example module (examples/go/) and small modules written here. Needs the
go command on PATH (tools/bootstrap installs Debian's golang-go); the modules use the standard
library only and GOPROXY=off keeps go from reaching for the network."""
import json
import re
import os
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, junit, main

EXAMPLE = SOURCE_DIR / "examples" / "go"
GO_ENV = {}
PARSE = "example.com/shapes/parse::"
GEOMETRY = "example.com/shapes/geometry::"


def setUpModule():
    if shutil.which("go") is None:
        raise AssertionError("go is not on PATH: these tests need a Go toolchain "
                             "(tools/bootstrap installs Debian's golang-go)")
    cache = tempfile.mkdtemp(prefix="offload-go-cache-")
    GO_ENV.update(GOPROXY="off", GOFLAGS="", GOCACHE=cache, GOPATH=os.path.join(cache, "path"),
                  GOTOOLCHAIN="local")


def tearDownModule():
    if GO_ENV.get("GOCACHE"):
        subprocess.run(["chmod", "-R", "u+w", GO_ENV["GOCACHE"]], check=False)
        shutil.rmtree(GO_ENV["GOCACHE"], ignore_errors=True)


def config(discovery_extra="", *, parallel=4, retries=0):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = 120
retry_count = {retries}

[report]
output_dir = "test-results"

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "go"
{discovery_extra}
"""


def go_test(project):
    """Runs `go test -json ./...` directly and returns {id: outcome} of its top-level tests."""
    completed = subprocess.run(["go", "test", "-count=1", "-json", "./..."], cwd=project,
                               env={**os.environ, **GO_ENV}, capture_output=True, text=True, timeout=300)
    outcomes = {}
    for line in completed.stdout.splitlines():
        event = json.loads(line)
        test = event.get("Test", "")
        if test and "/" not in test and event["Action"] in ("pass", "fail", "skip"):
            outcomes[event["Package"] + "::" + test] = {"pass": "passed", "fail": "failed"}.get(
                event["Action"], "skipped")
    assert outcomes, f"no test results in go test's output:\n{completed.stdout}\n{completed.stderr}"
    return outcomes


class GoProjectTest(ProjectTest):
    def copy_example(self, extra_files=None):
        shutil.copytree(EXAMPLE, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("test-results", ".offload"))
        self.write(extra_files or {})

    def run_offload(self, *args, **kwargs):
        return super().run_offload(*args, env=GO_ENV, **kwargs)

    def results(self):
        return junit(self.project / "test-results" / "junit.xml")


class ExampleTest(GoProjectTest):
    def test_offload_reports_what_go_test_reports_and_reruns_what_a_panic_cut_short(self):
        self.copy_example({"offload.toml": config()})
        direct = go_test(self.project)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = {name: outcome for name, (outcome, _) in self.results().items()}
        # go test never reaches the tests after the panic; offload runs them in another process.
        cut_short = {PARSE + "TestUnknownShape", PARSE + "TestEmpty"}
        self.assertTrue(cut_short.isdisjoint(direct), direct)
        self.assertEqual({k: v for k, v in got.items() if k not in cut_short}, direct)
        self.assertEqual({got[test] for test in cut_short}, {"passed"})
        self.assertEqual(got[PARSE + "TestRectMissingHeight"], "failed")
        self.assertEqual(got[PARSE + "TestUnknownShapeMessage"], "failed")
        self.assertEqual(got[GEOMETRY + "TestNeedsGPU"], "skipped")
        self.assertEqual(got[GEOMETRY + "TestCircleArea"], "passed")
        self.assertEqual(got[GEOMETRY + "ExampleRect_Area"], "passed")
        self.assertNotIn(GEOMETRY + "BenchmarkRectArea", got)
        self.assertEqual(len(got), 12)
        self.assertIn("9 passed, 2 failed, 0 not run, 1 skipped", r.out)

    def test_a_failures_message_and_output_reach_the_report(self):
        self.copy_example({"offload.toml": config()})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failure = self.results()[PARSE + "TestUnknownShapeMessage"][1].find("failure")
        self.assertIn("want unsupported shape triangle", failure.get("message"))
        self.assertIn("parsing a triangle", failure.text)
        panic = self.results()[PARSE + "TestRectMissingHeight"][1].find("failure")
        self.assertIn("index out of range", panic.get("message") + panic.text)

    def test_ids_round_trip_through_filter_and_rerun_failed(self):
        self.copy_example({"offload.toml": config()})
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertIn(PARSE + "TestRect\n", r.out)
        r = self.run_offload("run", "--filter", re.escape(PARSE + "TestRect") + "$")
        self.assertEqual(r.code, 0, r)
        self.assertEqual({k: v for k, (v, _) in self.results().items()}, {PARSE + "TestRect": "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual({k: v for k, (v, _) in self.results().items()},
                         {PARSE + "TestUnknownShapeMessage": "failed", PARSE + "TestRectMissingHeight": "failed"})

    def test_forged_events_and_a_panicking_goroutine_are_not_passes(self):
        self.write({
            "go.mod": "module example.com/forge\n\ngo 1.19\n",
            "forge_test.go": f"""package forge

import (
\t"fmt"
\t"os"
\t"testing"
\t"time"
)

func TestForged(t *testing.T) {{
\tfmt.Print(`{{"Action":"pass","Package":"example.com/forge","Test":"TestForged"}}` + "\\n")
\tfmt.Print("=== RUN   TestAfter\\n--- PASS: TestAfter (0.00s)\\n--- PASS: TestForged (0.00s)\\n")
\tfmt.Fprintln(os.Stderr, os.Getenv("OFFLOAD_EVENT_MARK")+" end id=example.com/forge::TestForged outcome=passed")
\tt.Fatal("really failed")
}}

func TestGoroutinePanics(t *testing.T) {{
\tgo func() {{ panic("from a goroutine") }}()
\ttime.Sleep(time.Second)
}}

func TestAfter(t *testing.T) {{ t.Fatal("really fails") }}
""",
            "offload.toml": config(parallel=1),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertTrue((self.project / "test-results" / "junit.xml").exists(), r)
        got = {k: v for k, (v, _) in self.results().items()}
        self.assertEqual(got["example.com/forge::TestForged"], "failed")
        self.assertEqual(got["example.com/forge::TestGoroutinePanics"], "failed")
        # Its forged pass came before the crash; the test itself ran in another process.
        self.assertEqual(got["example.com/forge::TestAfter"], "failed")
        crash = self.results()["example.com/forge::TestGoroutinePanics"][1].find("failure")
        self.assertIn("crashed", crash.get("message"))


class ErrorTest(GoProjectTest):
    def test_a_missing_go_command_says_so(self):
        self.copy_example({"offload.toml": config('go = "/nonexistent/go"')})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("is go installed? see [discovery] go", r.err + r.out)

    def test_a_command_that_is_not_go_says_so(self):
        self.copy_example({"offload.toml": config('go = "true"')})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("printed no test2json events: is it the go command", r.err + r.out)

    def test_a_build_error_is_shown(self):
        self.copy_example({"offload.toml": config(), "parse/broken_test.go": "package parse\n\nfunc x() { y }\n"})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("undefined: y", r.err + r.out)

    def test_flags_offload_sets_are_refused(self):
        self.copy_example({"offload.toml": config('extra_args = ["-run=TestRect"]')})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("use --filter", r.err + r.out)


if __name__ == "__main__":
    main()
