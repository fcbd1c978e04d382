"""The gtest framework on real GoogleTest binaries: the example project (examples/gtest/), built once
with CMake against Debian's libgtest-dev in a temporary copy, and small binaries compiled here.
Needs cmake, g++ and libgtest-dev (tools/bootstrap --tests installs them)."""
import pathlib
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import SOURCE_DIR, ProjectTest, junit, main

EXAMPLE = SOURCE_DIR / "examples" / "gtest"
BUILT = None  # a copy of the example with its binaries built in build/

# Prints result lines for itself and for the next case, then dies: none of it may count.
FORGER = r"""
#include <gtest/gtest.h>
#include <cstdio>
#include <cstdlib>

TEST(Forged, APasses) { SUCCEED(); }
TEST(Forged, BForgesThenAborts)
{
    std::printf("[       OK ] Forged.BForgesThenAborts (0 ms)\n[ RUN      ] Forged.CPasses\n");
    std::fflush(stdout);
    std::abort();
}
TEST(Forged, CPasses) { SUCCEED(); }
TEST(Forged, DFails) { FAIL() << "D fails for real"; }
"""

# Cases registered at run time may hold GoogleTest's filter characters in their names.
ODD_NAMES = r"""
#include <gtest/gtest.h>

class Odd : public ::testing::Test {
  public:
    explicit Odd(bool pass) : m_pass(pass) {}
    void TestBody() override { EXPECT_TRUE(m_pass) << "the odd one fails"; }

  private:
    bool m_pass;
};

static const bool registered = [] {
    ::testing::RegisterTest("Odd", "dash-star*", nullptr, nullptr, __FILE__, __LINE__,
                            []() -> Odd * { return new Odd(false); });
    ::testing::RegisterTest("Odd", "dashXstarX", nullptr, nullptr, __FILE__, __LINE__,
                            []() -> Odd * { return new Odd(true); });
    return true;
}();
"""


def compile_test(project, source, binary):
    subprocess.run(["g++", "-std=c++17", "-o", binary, source, "-lgtest_main", "-lgtest", "-pthread"],
                   cwd=project, check=True, timeout=300)


def setUpModule():
    global BUILT
    for tool in ("cmake", "g++"):
        if shutil.which(tool) is None:
            raise AssertionError(f"{tool} is not on PATH: these tests need cmake, g++ and libgtest-dev "
                                 "(tools/bootstrap --tests installs them)")
    BUILT = pathlib.Path(tempfile.mkdtemp(prefix="offload-gtest-example-"))
    shutil.copytree(EXAMPLE, BUILT, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("build", "test-results", ".offload"))
    for command in (["cmake", "-S", ".", "-B", "build"], ["cmake", "--build", "build", "-j2"]):
        subprocess.run(command, cwd=BUILT, check=True, stdout=subprocess.DEVNULL, timeout=300)


def tearDownModule():
    if BUILT:
        shutil.rmtree(BUILT, ignore_errors=True)


def config(discovery_extra='binaries = ["build/*_test"]', *, parallel=4, retries=0):
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
type = "gtest"
{discovery_extra}
"""


def run_alone(binary, name, cwd):
    """The outcome GoogleTest itself gives one case run alone: passed, failed, or skipped (GTEST_SKIP
    or disabled); failed when the process died without its report."""
    report = pathlib.Path(cwd) / "alone.xml"
    report.unlink(missing_ok=True)
    subprocess.run([binary, f"--gtest_filter={name}", f"--gtest_output=xml:{report}"], cwd=cwd,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    if not report.exists():
        return "failed"
    for case in ET.parse(report).getroot().iter("testcase"):
        if f"{case.get('classname')}.{case.get('name')}" == name:
            if case.find("failure") is not None:
                return "failed"
            if case.find("skipped") is not None or case.get("status") == "notrun":
                return "skipped"
            return "passed"
    raise AssertionError(f"{name} is not in GoogleTest's report of {binary}")


def direct_outcomes(project):
    """{id: outcome} of every case of the example's binaries, each run by GoogleTest directly."""
    outcomes = {}
    for binary in sorted((project / "build").glob("*_test")):
        listing = subprocess.run([binary, "--gtest_list_tests"], capture_output=True, text=True, check=True).stdout
        suite = None
        for line in listing.splitlines():
            if not line.startswith(" ") and line.endswith(".") or "  # TypeParam" in line:
                suite = line.split("  #")[0]
            elif line.startswith("  "):
                name = suite + line.strip().split("  #")[0]
                outcomes[f"build/{binary.name}::{name}"] = run_alone(str(binary), name, project)
    return outcomes


class GtestTest(ProjectTest):
    def copy_built(self, extra_files=None, discovery_extra='binaries = ["build/*_test"]', **kwargs):
        shutil.copytree(BUILT, self.project, dirs_exist_ok=True, symlinks=True)
        self.write({"offload.toml": config(discovery_extra, **kwargs), **(extra_files or {})})

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in junit(self.project / "test-results" / "junit.xml").items()}

    def case(self, test):
        return junit(self.project / "test-results" / "junit.xml")[test][1]

    def test_offload_reports_what_gtest_reports(self):
        self.copy_built()
        expected = direct_outcomes(self.project)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.outcomes()
        self.assertEqual(got, expected)
        # The example has every kind: typed, value-parametrized, skipped, disabled, a crash.
        self.assertEqual(len(got), 17)
        self.assertEqual(got["build/calc_test::Identity/1.AddZero"], "passed")
        self.assertEqual(got["build/calc_test::Small/Square.IsNotNegative/2"], "passed")
        self.assertEqual(got["build/calc_test::Power.NeedsFloatingPoint"], "skipped")
        self.assertEqual(got["build/calc_test::Divide.DISABLED_HugeNumbers"], "skipped")
        self.assertEqual(got["build/parse_test::Parse.NullCrashes"], "failed")
        counts = {outcome: list(expected.values()).count(outcome) for outcome in ("passed", "failed", "skipped")}
        self.assertEqual(counts, {"passed": 12, "failed": 3, "skipped": 2})
        self.assertIn("12 passed, 3 failed, 0 not run, 2 skipped", r.out)

    def test_a_failures_message_and_output_are_in_the_report(self):
        self.copy_built()
        r = self.run_offload("run", "--filter", "RoundsToNearest")
        self.assertEqual(r.code, 1, r)
        failure = self.case("build/calc_test::Divide.RoundsToNearest").find("failure")
        self.assertIn("7 / 2 should round to 4", failure.get("message"))
        self.assertIn("Which is: 3", failure.text)
        self.assertIn("dividing 7 by 2", failure.text)
        skipped = self.case  # the disabled case tells how to run it
        r = self.run_offload("run", "--filter", "DISABLED")
        self.assertEqual(r.code, 0, r)
        self.assertIn("--gtest_also_run_disabled_tests",
                      skipped("build/calc_test::Divide.DISABLED_HugeNumbers").find("skipped").get("message"))

    def test_a_crash_leaves_the_other_cases_their_own_outcomes(self):
        # One sandbox: every case of parse_test in one batch (the second run plans from the first's
        # timing history), so the crash happens amid the others.
        self.copy_built(parallel=1)
        for _ in range(2):
            r = self.run_offload("run", "--filter", "parse_test")
            self.assertEqual(r.code, 1, r)
            self.assertEqual(self.outcomes(), {
                "build/parse_test::Parse.Digits": "passed",
                "build/parse_test::Parse.LeadingMinus": "passed",
                "build/parse_test::Parse.NullCrashes": "failed",
                "build/parse_test::Parse.Whitespace": "failed",
                "build/parse_test::Parse.Empty": "passed",
            })
        failure = self.case("build/parse_test::Parse.NullCrashes").find("failure")
        self.assertIn("crashed: its GoogleTest process died (killed by signal 11)", failure.get("message"))
        self.assertIn("[ RUN      ] Parse.NullCrashes", failure.text)
        whitespace = self.case("build/parse_test::Parse.Whitespace").find("failure")
        self.assertIn("parse() does not skip leading spaces", whitespace.get("message"))

    def test_result_lines_printed_by_a_test_do_not_count(self):
        self.copy_built(parallel=1, discovery_extra='binaries = ["forged_test"]')
        self.write({"forged.cpp": FORGER})
        compile_test(self.project, "forged.cpp", "forged_test")
        for _ in range(2):
            r = self.run_offload("run")
            self.assertEqual(r.code, 1, r)
            self.assertEqual(self.outcomes(), {
                "forged_test::Forged.APasses": "passed",
                "forged_test::Forged.BForgesThenAborts": "failed",
                "forged_test::Forged.CPasses": "passed",
                "forged_test::Forged.DFails": "failed",
            })
        self.assertIn("killed by signal 6",
                      self.case("forged_test::Forged.BForgesThenAborts").find("failure").get("message"))
        self.assertIn("D fails for real", self.case("forged_test::Forged.DFails").find("failure").get("message"))

    def test_names_with_filter_characters_select_themselves(self):
        self.copy_built(discovery_extra='binaries = ["odd_test"]')
        self.write({"odd.cpp": ODD_NAMES})
        compile_test(self.project, "odd.cpp", "odd_test")
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"odd_test::Odd.dash-star*": "failed", "odd_test::Odd.dashXstarX": "passed"})
        r = self.run_offload("run", "--filter", "dashX")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"odd_test::Odd.dashXstarX": "passed"})
        r = self.run_offload("run", "--filter", "star\\*")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"odd_test::Odd.dash-star*": "failed"})

    def test_ids_round_trip_through_filter_and_rerun_failed(self):
        self.copy_built()
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        ids = [line for line in r.out.splitlines() if "::" in line]
        self.assertEqual(len(ids), 17, r.out)
        for test in ("build/calc_test::Identity/0.AddZero", "build/calc_test::Small/Square.IsNotNegative/0",
                     "build/calc_test::Accumulator.StartsAtTen"):
            self.assertIn(test, ids)
            r = self.run_offload("run", "--filter", "^" + test.replace(".", r"\.") + "$")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.outcomes(), {test: "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {
            "build/calc_test::Divide.RoundsToNearest": "failed",
            "build/parse_test::Parse.NullCrashes": "failed",
            "build/parse_test::Parse.Whitespace": "failed",
        })

    def test_build_command_builds_before_discovery(self):
        shutil.copytree(EXAMPLE, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build", "test-results", ".offload"))
        r = self.run_offload("run", "--filter", "Add\\.", timeout=600)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"build/calc_test::Add.SmallNumbers": "passed",
                                           "build/calc_test::Add.Negative": "passed"})

    def test_a_missing_or_foreign_binary_is_a_clear_error(self):
        self.copy_built(discovery_extra='binaries = ["build/nothing_test"]')
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("no GoogleTest binary at build/nothing_test", r.err + r.out)
        self.assertIn("build it first (or set build_command)", r.err + r.out)

        self.write({"offload.toml": config('binaries = ["fake_test.sh"]'),
                    "fake_test.sh": "#!/bin/sh\necho 'I am no GoogleTest binary'\n"})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("fake_test.sh is not a GoogleTest binary", r.err + r.out)
        self.assertIn("I am no GoogleTest binary", r.err + r.out)

        self.write({"offload.toml": config('binaries = ["build/*_test"]\nextra_args = ["--gtest_filter=Add.*"]')})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("\"--gtest_filter=Add.*\" cannot be used here", r.err + r.out)


if __name__ == "__main__":
    main()
