"""The Catch2 framework on the example project (examples/catch2/), built once with make. Needs g++,
make and Debian's catch2 (v2; tools/bootstrap --tests installs them)."""
import re
import xml.etree.ElementTree as ET

from binary_example import BuiltExample, ExampleProjectTest, config
from harness import main

EXAMPLE = BuiltExample("catch2")
BINARY = "build/test_words"

# Cases that end the process without Catch2's report: a quiet exit, a SIGKILL.
EXITS = r'''
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
TEST_CASE("before") { CHECK(true); }
TEST_CASE("exits quietly") { std::_Exit(0); }
TEST_CASE("between") { CHECK(1 == 1); }
TEST_CASE("kills itself") { std::raise(SIGKILL); }
TEST_CASE("fails after") { CHECK(1 == 2); }
'''


def setUpModule():
    EXAMPLE.build({"build/test_exits": (EXITS, ["g++", "-std=c++17", "-O0", "build/main.o"])})
    ExampleProjectTest.example = EXAMPLE


def tearDownModule():
    EXAMPLE.remove()


def catch2_config(extra="", binary=BINARY, **kwargs):
    return config(f'type = "catch2"\nbinaries = ["{binary}"]\nbuild_command = "make -s"\n{extra}', **kwargs)


class Catch2Test(ExampleProjectTest):
    def direct_outcomes(self, hidden, crashing=()):
        """{id: outcome} from the binary run directly with Catch2's XML reporter: the cases that
        crash run alone, the hidden ones ([.]) apart."""
        # An exclusion alone would select the hidden cases too: "~[.]" leaves them out.
        exclude = "~[.]" + "".join(f'~"{name}"' for name in crashing)
        outcomes = {}
        for spec in [exclude, "[.]"] if hidden else [exclude]:
            _, report = self.direct(BINARY, "--reporter", "xml", spec)
            for case in ET.fromstring(report).iter("TestCase"):
                success = case.find("OverallResult").get("success") == "true"
                outcomes[f"{BINARY}::{case.get('name')}"] = "passed" if success else "failed"
        for name in crashing:
            code, _ = self.direct(BINARY, name)
            self.assertLess(code, 0, f"{name} should crash when run directly")
            outcomes[f"{BINARY}::{name}"] = "failed"
        return outcomes

    def test_outcomes_equal_a_direct_run(self):
        # With hidden cases, on one sandbox: few and large batches, the crash in the middle of one.
        for hidden in (False, True):
            with self.subTest(include_hidden=hidden):
                self.copy_example(catch2_config(f"include_hidden = {str(hidden).lower()}",
                                                parallel=1 if hidden else 4))
                expected = self.direct_outcomes(hidden, crashing=["reads past the end"])
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                self.assertEqual(self.outcomes(), expected)
                self.assertEqual(expected[f"{BINARY}::long text"], "passed")
                self.assertEqual(expected[f"{BINARY}::should fail: trailing separator ignored"], "passed")
                self.assertEqual(expected[f"{BINARY}::may fail: locale-dependent"], "passed")
                self.assertEqual(len(expected), 12 if hidden else 11)
                self.assertEqual(f"{BINARY}::unicode separators are not supported yet" in expected, hidden)
                self.assertIn("8 passed, 4 failed" if hidden else "8 passed, 3 failed", r.out)
                crash = self.results()[f"{BINARY}::reads past the end"][1].find("failure")
                self.assertIn("SIGSEGV", crash.get("message"))
                if hidden:
                    logs = (self.project / "test-results" / "logs").glob("*.log")
                    self.assertTrue(any("did not end cleanly" in log.read_text() for log in logs))

    def test_failure_message_and_output_reach_the_report(self):
        self.copy_example(catch2_config())
        self.run_offload("run")
        cases = self.results()
        failure = cases[f"{BINARY}::trims spaces around words"][1].find("failure")
        self.assertIn("CHECK( split(\" a , b \", ',')[0] == \"a\" ) failed", failure.get("message"))
        self.assertIn("test_words.cpp:40:", failure.text)
        self.assertIn("with expansion:", failure.text)
        thrown = cases[f"{BINARY}::rejects a null separator"][1].find("failure")
        self.assertIn("separator must not be NUL", thrown.get("message"))

    def test_ids_round_trip_through_filter_and_rerun_failed(self):
        self.copy_example(catch2_config())
        special = [f"{BINARY}::splits \"a, b\" on \\, too [sic] *really*", f"{BINARY}::~tilde and exclude:words"]
        self.check_round_trip(special, failed_count=3)

    def test_a_case_that_ends_the_process_fails_alone(self):
        self.copy_example(catch2_config(binary="build/test_exits", parallel=1))
        self.check_process_enders("build/test_exits")

    def test_bad_input_is_a_clear_error(self):
        self.copy_example(catch2_config(binary="build/no_such_binary"))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('"build/no_such_binary" matches no executable file', r.err)
        self.copy_example(catch2_config(binary="build/not_catch2.sh"))
        self.write({"build/not_catch2.sh": "#!/bin/sh\necho 'I am a shell script'\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("build/not_catch2.sh is not a Catch2 binary", r.err)
        self.assertIn("I am a shell script", r.err)

    def test_init_writes_a_working_table(self):
        r = self.run_offload("init", "--provider", "process", "--framework", "catch2", "-c", "offload.toml")
        self.assertEqual(r.code, 0, r)
        self.assertIn('type = "catch2"', (self.project / "offload.toml").read_text())


if __name__ == "__main__":
    main()
