"""The doctest framework on the example project (examples/doctest/), built once with make, and on
offload's own unit tests (doctest binaries). Needs g++, make and doctest-dev (tools/bootstrap
--tests installs them)."""
import re
import xml.etree.ElementTree as ET

from binary_example import BuiltExample, ExampleProjectTest, config
from harness import BUILD_DIR, main

EXAMPLE = BuiltExample("doctest")
BINARY = "build/test_words"

# A binary whose cases end the process without doctest's report: a quiet exit, a SIGKILL.
EXITS = r'''
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <csignal>
#include <cstdlib>
TEST_CASE("before") { CHECK(true); }
TEST_CASE("exits quietly") { std::_Exit(0); }
TEST_CASE("between") { CHECK(1 == 1); }
TEST_CASE("kills itself") { std::raise(SIGKILL); }
TEST_CASE("fails after") { CHECK(1 == 2); }
'''


def setUpModule():
    EXAMPLE.build({"build/test_exits": (EXITS, ["g++", "-std=c++17", "-O0"])})
    ExampleProjectTest.example = EXAMPLE


def tearDownModule():
    EXAMPLE.remove()


def doctest_config(extra="", binary=BINARY, **kwargs):
    return config(f'type = "doctest"\nbinaries = ["{binary}"]\nbuild_command = "make -s"\n{extra}', **kwargs)


class DoctestTest(ExampleProjectTest):
    def direct_outcomes(self, binary, crashing=()):
        """{id: outcome} from the binary run directly with doctest's XML reporter: the cases that
        crash run alone, the others in one process; skipped cases from the listing."""
        listed = ET.fromstring(self.direct(binary, "--list-test-cases", "--no-skip", "--reporters=xml")[1])
        outcomes = {}
        for case in listed.iter("TestCase"):
            if case.get("skipped") == "true":
                outcomes[f"{binary}::{case.get('name')}"] = "skipped"
        exclude = ",".join(name.replace(",", "\\,") for name in crashing)
        report = self.project / "direct.xml"
        self.direct(binary, "--reporters=xml", f"--out={report}", f"--test-case-exclude={exclude}")
        for case in ET.parse(report).getroot().iter("TestCase"):
            if case.get("skipped") == "true":
                continue
            success = case.find("OverallResultsAsserts").get("test_case_success") == "true"
            outcomes[f"{binary}::{case.get('name')}"] = "passed" if success else "failed"
        for name in crashing:
            code, _ = self.direct(binary, f"--test-case={name}")
            self.assertLess(code, 0, f"{name} should crash when run directly")
            outcomes[f"{binary}::{name}"] = "failed"
        return outcomes

    def test_outcomes_equal_a_direct_run(self):
        # On one sandbox the batches are few and large: the crash happens in the middle of one.
        for parallel in (1, 4):
            with self.subTest(parallel=parallel):
                self.copy_example(doctest_config(parallel=parallel))
                expected = self.direct_outcomes(BINARY, crashing=["reads past the end"])
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                self.assertEqual(self.outcomes(), expected)
                # Every kind is there; the case after the crash in file order keeps its pass.
                self.assertEqual(expected[f"{BINARY}::long text"], "passed")
                self.assertEqual(expected[f"{BINARY}::may fail: locale-dependent"], "passed")
                self.assertEqual(expected[f"{BINARY}::unicode separators are not supported yet"], "skipped")
                self.assertEqual(expected[f"{BINARY}::subcases each check one separator"], "passed")
                counts = {o: list(expected.values()).count(o) for o in ("passed", "failed", "skipped")}
                self.assertEqual(counts, {"passed": 8, "failed": 3, "skipped": 1})
                self.assertIn("12 tests", r.out)
                self.assertIn("8 passed, 3 failed, 0 not run, 1 skipped", r.out)
                crash = self.results()[f"{BINARY}::reads past the end"][1].find("failure")
                self.assertIn("SIGSEGV", crash.get("message"))
                if parallel == 1:
                    logs = (self.project / "test-results" / "logs").glob("*.log")
                    self.assertTrue(any("did not end cleanly" in log.read_text() for log in logs))

    def test_failure_message_and_output_reach_the_report(self):
        self.copy_example(doctest_config())
        self.run_offload("run")
        cases = self.results()
        failure = cases[f"{BINARY}::trims spaces around words"][1].find("failure")
        self.assertIn("CHECK( split(\" a , b \", ',')[0] == \"a\" ) is NOT correct", failure.get("message"))
        self.assertIn("test_words.cpp:41:", failure.text)
        self.assertIn("values: CHECK( ", failure.text)
        thrown = cases[f"{BINARY}::rejects a null separator"][1].find("failure")
        self.assertIn("separator must not be NUL", thrown.get("message"))

    def test_ids_round_trip_through_filter_and_rerun_failed(self):
        self.copy_example(doctest_config())
        special = [f"{BINARY}::splits \"a, b\" on \\, too [sic]", f"{BINARY}::glob-like name: *?"]
        self.check_round_trip(special, failed_count=3)

    def test_a_case_that_ends_the_process_fails_alone(self):
        # One batch holds every case; two of them end the process without any report.
        self.copy_example(doctest_config(binary="build/test_exits", parallel=1))
        self.check_process_enders("build/test_exits")

    def test_offloads_own_unit_tests_run_case_by_case(self):
        binary = BUILD_DIR / "tests" / "test_id_pattern"
        self.copy_example(config(f'type = "doctest"\nbinaries = ["{binary}"]'))
        code, summary = self.direct(binary)
        self.assertEqual(code, 0, summary)
        counts = re.search(r"test cases:\s*(\d+) \|\s*(\d+) passed \|\s*(\d+) failed \|\s*(\d+) skipped", summary)
        total, passed = int(counts.group(1)), int(counts.group(2))
        self.assertGreater(total, 1)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        outcomes = self.outcomes()
        self.assertEqual(len(outcomes), total)
        self.assertEqual(list(outcomes.values()).count("passed"), passed)
        self.assertTrue(all(name.startswith(f"{binary}::") for name in outcomes))

    def test_bad_input_is_a_clear_error(self):
        self.copy_example(doctest_config(binary="build/no_such_binary"))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('"build/no_such_binary" matches no executable file', r.err)
        self.copy_example(doctest_config(binary="build/not_doctest.sh"))
        self.write({"build/not_doctest.sh": "#!/bin/sh\necho 'I am a shell script'\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("build/not_doctest.sh is not a doctest binary", r.err)
        self.assertIn("I am a shell script", r.err)
        self.copy_example(doctest_config().replace('"make -s"', '"make -s no-such-target"'))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("build_command failed", r.err)

    def test_init_writes_a_working_table(self):
        r = self.run_offload("init", "--provider", "process", "--framework", "doctest", "-c", "offload.toml")
        self.assertEqual(r.code, 0, r)
        text = (self.project / "offload.toml").read_text()
        self.assertIn('type = "doctest"', text)
        self.assertIn('binaries = ["build/tests/test_*"]', text)


if __name__ == "__main__":
    main()
