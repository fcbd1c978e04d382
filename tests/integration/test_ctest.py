"""The ctest framework on a real CTest project: the example (examples/ctest/), configured and built
once with CMake in a temporary directory (a CMake build directory holds absolute paths, so every
test points build_dir at that one build). Needs cmake, g++ and libgtest-dev (tools/bootstrap --tests
installs them)."""
import pathlib
import re
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, junit, main, toml_string

EXAMPLE = SOURCE_DIR / "examples" / "ctest"
BUILT = None  # the example's copy; its build directory is BUILT / "build"
# Files the example's tests leave in the build directory: the fixture's and the lock's logs.
SIDE_FILES = ("db.txt", "db.txt.cleaned", "port-times.txt")


def setUpModule():
    global BUILT
    for tool in ("cmake", "ctest", "g++"):
        if shutil.which(tool) is None:
            raise AssertionError(f"{tool} is not on PATH: these tests need cmake, g++ and libgtest-dev "
                                 "(tools/bootstrap --tests installs them)")
    BUILT = pathlib.Path(tempfile.mkdtemp(prefix="offload-ctest-example-"))
    shutil.copytree(EXAMPLE, BUILT, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("build", "test-results", ".offload"))
    for command in (["cmake", "-S", ".", "-B", "build"], ["cmake", "--build", "build", "-j2"]):
        subprocess.run(command, cwd=BUILT, check=True, stdout=subprocess.DEVNULL, timeout=300)


def tearDownModule():
    if BUILT:
        shutil.rmtree(BUILT, ignore_errors=True)


def clean_side_files():
    for name in SIDE_FILES:
        (BUILT / "build" / name).unlink(missing_ok=True)


def config(build_dir=None, *, parallel=4, extra=""):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = 120
retry_count = 0

[report]
output_dir = "test-results"

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "ctest"
build_dir = {toml_string(str(build_dir or BUILT / "build"))}
{extra}
"""


def ctest_outcomes():
    """{name: outcome} of every test as ctest itself, run directly, tells them: its line for each test
    says Passed, Skipped or Not Run (Disabled), or how it failed."""
    clean_side_files()
    run = subprocess.run(["ctest", "--test-dir", str(BUILT / "build")], capture_output=True, text=True,
                         timeout=300)
    outcomes = {}
    for line in run.stdout.splitlines():
        match = re.match(r"\s*\d+/\d+ Test +#\d+: (.*?) \.+(.*?)\s+[\d.]+ sec$", line)
        if match:
            name, verdict = match.group(1), match.group(2).strip("* ")
            if verdict == "Passed":
                outcomes[name] = "passed"
            elif verdict in ("Skipped", "Not Run (Disabled)"):
                outcomes[name] = "skipped"
            else:
                outcomes[name] = "failed"
    clean_side_files()
    return outcomes


def intervals(path):
    return sorted(tuple(map(float, line.split())) for line in path.read_text().splitlines() if line.strip())


class CTestTest(ProjectTest):
    def setUp(self):
        super().setUp()
        clean_side_files()

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in junit(self.project / "test-results" / "junit.xml").items()}

    def case(self, test):
        return junit(self.project / "test-results" / "junit.xml")[test][1]

    def test_offload_reports_what_ctest_reports(self):
        expected = ctest_outcomes()
        self.write({"offload.toml": config()})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual(got, expected)
        self.assertEqual(len(got), 21)
        counts = {outcome: list(got.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
        self.assertEqual(counts, {"passed": 13, "failed": 4, "skipped": 4})
        self.assertIn("13 passed, 4 failed, 0 not run, 4 skipped", r.out)
        # Each property as ctest applies it.
        self.assertEqual(got["known_bug"], "passed")  # WILL_FAIL
        self.assertEqual(got["env_and_dir"], "passed")  # ENVIRONMENT and WORKING_DIRECTORY
        self.assertIn("DISABLED", self.case("not_ready").find("skipped").get("message"))
        self.assertIn("SKIP_RETURN_CODE=4", self.case("needs_gpu").find("skipped").get("message"))
        self.assertEqual(got["discovered.Rectangle.Huge"], "skipped")
        # The crash is that test's failure alone, with ctest's reason.
        self.assertEqual(got["segfaults"], "failed")
        self.assertIn("SegFault", self.case("segfaults").find("failure").get("message"))
        self.assertIn("about to dereference a null pointer", self.case("segfaults").find("failure").text)

    def test_a_failures_message_and_output_are_in_the_report(self):
        self.write({"offload.toml": config()})
        r = self.run_offload("run", "--filter", "^math\\.fails$")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"math.fails": "failed"})
        failure = self.case("math.fails").find("failure")
        self.assertEqual(failure.get("message"), "Failed")
        self.assertIn("expected 4, got 5", failure.text)

    def test_ids_round_trip_through_filter_and_rerun_failed(self):
        self.write({"offload.toml": config()})
        # A name full of regular-expression characters selects itself and nothing else in ctest.
        r = self.run_offload("run", "--filter", re.escape("parse(1+1)*[x]"))
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"parse(1+1)*[x]": "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failed = {name for name, outcome in self.outcomes().items() if outcome == "failed"}
        self.assertEqual(failed, {"math.fails", "segfaults", "shapes", "discovered.Rectangle.WrongArea"})
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {name: "failed" for name in failed})

    def test_a_test_that_requires_a_fixture_gets_its_setup_once_and_alone_is_reported(self):
        self.write({"offload.toml": config()})
        r = self.run_offload("run", "--filter", "^db\\.query$")
        self.assertEqual(r.code, 0, r)
        # The setup and cleanup ran (ctest added them), once, and are not reported as db.query's batch.
        self.assertEqual(self.outcomes(), {"db.query": "passed"})
        self.assertEqual((BUILT / "build" / "db.txt.cleaned").read_text(), "ready\n")

    def test_a_failed_fixture_setup_fails_the_tests_that_require_it(self):
        # A directory where db.txt should be: the setup cannot write it, the query does not run.
        (BUILT / "build" / "db.txt").mkdir()
        self.addCleanup(lambda: (BUILT / "build" / "db.txt").rmdir())
        self.write({"offload.toml": config()})
        r = self.run_offload("run", "--filter", "^db\\.")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual(got["db.query"], "failed")
        self.assertIn("Fixture dependency failed", self.case("db.query").find("failure").get("message"))

    def test_tests_that_share_a_resource_lock_never_overlap(self):
        # Two sandboxes, two tests: each batch holds one of them, and both start at once.
        self.write({"offload.toml": config(parallel=2)})
        for _ in range(2):
            r = self.run_offload("run", "--filter", "^port\\.")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.outcomes(), {"port.a": "passed", "port.b": "passed"})
        # At least four runs (offload may also run a copy of a straggling batch on an idle sandbox).
        times = intervals(BUILT / "build" / "port-times.txt")
        self.assertGreaterEqual(len(times), 4)
        for (_, end), (start, _) in zip(times, times[1:]):
            self.assertLessEqual(end, start, times)

    def test_a_missing_build_dir_or_one_without_tests_is_a_clear_error(self):
        self.write({"offload.toml": config(self.project / "no-such-build")})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("there is no build directory", r.err)
        self.assertIn("no-such-build", r.err)
        (self.project / "plain").mkdir()
        self.write({"offload.toml": config(self.project / "plain")})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("has no CTestTestfile.cmake", r.err)

    def test_ctest_selection_options_are_refused_in_extra_args(self):
        self.write({"offload.toml": config(extra='extra_args = ["-R", "math"]')})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("extra_args", r.err)
        self.assertIn("offload selects the tests", r.err)


if __name__ == "__main__":
    main()
