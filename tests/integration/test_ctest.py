"""The ctest framework on a real CTest project: the example (examples/ctest/), configured and built
once with CMake in a temporary directory (a CMake build directory holds absolute paths, so every
test points build_dir at that one build). Needs cmake, g++ and libgtest-dev (tools/bootstrap --tests
installs them)."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

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


def gtest_outcomes(binary, filter_="*", *, cwd=None, env=None, args=()):
    """{Suite.Case: outcome} of a GoogleTest binary run directly, from its XML report; None when the
    process died before writing it."""
    report = BUILT / "build" / "direct.xml"
    report.unlink(missing_ok=True)
    subprocess.run([str(binary), f"--gtest_filter={filter_}", f"--gtest_output=xml:{report}", *args],
                   cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    if not report.exists():
        return None
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}.{case.get('name')}"
        if case.find("failure") is not None:
            outcomes[name] = "failed"
        elif case.find("skipped") is not None or case.get("result") in ("skipped", "suppressed"):
            outcomes[name] = "skipped"
        else:
            outcomes[name] = "passed"
    report.unlink()
    return outcomes


def engine_outcomes():
    """{Suite.Case: outcome} of engine_test, each case run directly and alone the way its ctest test
    runs it (arguments, ENVIRONMENT, WORKING_DIRECTORY, its fixture's database): a case whose process
    dies is failed."""
    build = BUILT / "build"
    (build / "db.txt").write_text("ready\n")
    args = (str(build / "db.txt"), str(build / "port-times.txt"))
    env = dict(os.environ, ENGINE_MODE="fast")
    listing = subprocess.run([str(build / "engine_test"), "--gtest_list_tests"], capture_output=True, text=True,
                             check=True).stdout
    outcomes = {}
    suite = None
    for line in listing.splitlines():
        if not line.startswith(" "):
            suite = line.strip()
        else:
            name = suite + line.strip()
            alone = gtest_outcomes(build / "engine_test", name, cwd=BUILT, env=env, args=args)
            outcomes[name] = alone[name] if alone else "failed"
    assert outcomes, "engine_test listed no cases"
    clean_side_files()
    return outcomes


def intervals(path):
    return sorted(tuple(map(float, line.split())) for line in path.read_text().splitlines() if line.strip())


class CTestCase(ProjectTest):
    def setUp(self):
        super().setUp()
        clean_side_files()

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in junit(self.project / "test-results" / "junit.xml").items()}

    def case(self, test):
        return junit(self.project / "test-results" / "junit.xml")[test][1]


class CTestTest(CTestCase):
    def test_offload_reports_what_ctest_reports(self):
        expected = ctest_outcomes()
        self.write({"offload.toml": config()})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual(got, expected)
        self.assertEqual(len(got), 22)
        counts = {outcome: list(got.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
        self.assertEqual(counts, {"passed": 13, "failed": 5, "skipped": 4})
        self.assertIn("13 passed, 5 failed, 0 not run, 4 skipped", r.out)
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
        self.assertEqual(failed, {"math.fails", "segfaults", "shapes", "engine", "discovered.Rectangle.WrongArea"})
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


class ExpandGtestTest(CTestCase):
    """expand_gtest = true: the plain add_test of a GoogleTest binary (shapes, engine) becomes its
    cases; gtest_discover_tests' tests (discovered.*) and the other tests stay as they are."""

    def test_cases_are_what_the_binaries_run_directly_say_and_other_tests_what_ctest_says(self):
        expected_plain = {name: outcome for name, outcome in ctest_outcomes().items()
                          if name not in ("shapes", "engine")}
        shapes = gtest_outcomes(BUILT / "build" / "shapes_test")
        engine = engine_outcomes()
        self.assertEqual(engine, {"Engine.SeesItsArgumentsEnvironmentAndDirectory": "passed",
                                  "Engine.ReadsTheFixturesDatabase": "passed", "Engine.HoldsThePort": "passed",
                                  "Engine.Crashes": "failed", "Engine.StartsAfterTheCrash": "passed"})
        self.write({"offload.toml": config(extra="expand_gtest = true")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual({name: outcome for name, outcome in got.items() if "/" not in name or name.startswith(
            "discovered.")}, expected_plain)
        self.assertEqual({name[len("shapes/"):]: outcome for name, outcome in got.items()
                          if name.startswith("shapes/")}, shapes)
        self.assertEqual({name[len("engine/"):]: outcome for name, outcome in got.items()
                          if name.startswith("engine/")}, engine)
        # Typed and parameterized names as GoogleTest gives them; DISABLED_ cases skipped.
        self.assertEqual(got["shapes/Small/Square.IsNotNegative/2"], "passed")
        self.assertEqual(got["shapes/Rectangle.DISABLED_Huge"], "skipped")
        self.assertIn("DISABLED_", self.case("shapes/Rectangle.DISABLED_Huge").find("skipped").get("message"))
        counts = {outcome: list(got.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
        self.assertEqual(counts, {"passed": 21, "failed": 5, "skipped": 6})
        failure = self.case("shapes/Rectangle.WrongArea").find("failure")
        self.assertIn("a 2x2 square", failure.get("message"))
        self.assertIn("computing the area of a 2x2 square", failure.text)

    def test_a_crashing_case_fails_alone(self):
        self.write({"offload.toml": config(extra="expand_gtest = true")})
        r = self.run_offload("run", "--filter", "^engine/")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual(got.pop("engine/Engine.Crashes"), "failed")
        self.assertEqual(got, {f"engine/Engine.{name}": "passed" for name in (
            "SeesItsArgumentsEnvironmentAndDirectory", "ReadsTheFixturesDatabase", "HoldsThePort",
            "StartsAfterTheCrash")})
        failure = self.case("engine/Engine.Crashes").find("failure")
        self.assertIn("crashed", failure.get("message"))
        self.assertIn("about to dereference a null pointer", failure.text)

    def test_case_ids_round_trip_through_filter_and_rerun_failed(self):
        self.write({"offload.toml": config(extra="expand_gtest = true")})
        r = self.run_offload("run", "--filter", re.escape("shapes/Small/Square.IsNotNegative/1"))
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"shapes/Small/Square.IsNotNegative/1": "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failed = {name for name, outcome in self.outcomes().items() if outcome == "failed"}
        self.assertEqual(failed, {"math.fails", "segfaults", "discovered.Rectangle.WrongArea",
                                  "shapes/Rectangle.WrongArea", "engine/Engine.Crashes"})
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {name: "failed" for name in failed})

    def test_the_fixture_and_the_resource_lock_of_an_expanded_test_hold_for_its_cases(self):
        # Three sandboxes: port.a, port.b and the engine's cases start at once, yet never overlap.
        self.write({"offload.toml": config(parallel=3, extra="expand_gtest = true")})
        r = self.run_offload("run", "--filter", "^(port\\.|engine/Engine\\.(HoldsThePort|ReadsTheFixturesDatabase)$)")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"port.a": "passed", "port.b": "passed",
                                           "engine/Engine.HoldsThePort": "passed",
                                           "engine/Engine.ReadsTheFixturesDatabase": "passed"})
        times = intervals(BUILT / "build" / "port-times.txt")
        self.assertGreaterEqual(len(times), 3)
        for (_, end), (start, _) in zip(times, times[1:]):
            self.assertLessEqual(end, start, times)
        # db.setup ran before the cases and db.cleanup after them.
        self.assertIn("ready\n", (BUILT / "build" / "db.txt.cleaned").read_text())
        self.assertFalse((BUILT / "build" / "db.txt").exists())


    def test_a_failed_fixture_setup_fails_the_cases_that_require_it(self):
        # A directory where db.txt should be: db.setup fails, and no case of engine runs.
        (BUILT / "build" / "db.txt").mkdir()
        self.addCleanup(lambda: (BUILT / "build" / "db.txt").rmdir())
        self.write({"offload.toml": config(extra="expand_gtest = true")})
        r = self.run_offload("run", "--filter", "^engine/Engine\\.(ReadsTheFixturesDatabase|StartsAfterTheCrash)$")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"engine/Engine.ReadsTheFixturesDatabase": "failed",
                                           "engine/Engine.StartsAfterTheCrash": "failed"})
        failure = self.case("engine/Engine.StartsAfterTheCrash").find("failure")
        self.assertIn("setup test of its fixtures failed", failure.get("message"))
        self.assertIn("db.setup", failure.text)

if __name__ == "__main__":
    main()
