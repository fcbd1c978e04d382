"""The jest framework on its example project (examples/jest/): offload's outcomes equal jest's,
ids with regular expression characters round-trip through --filter and --rerun-failed, a failure's
message reaches the report, a test that ends jest's process with process.exit() fails alone while
the tests after it still run, and a missing or wrong tool says so."""
from harness import main
from js_frameworks import CRASH, STACK, JsProjectTest, check_tools


def setUpModule():
    check_tools("jest")


class JestTest(JsProjectTest):
    framework = "jest"

    def test_offload_reports_what_jest_reports(self):
        self.copy_example()
        # jest itself reports nothing at all once a test has ended its process: compare without it.
        direct = self.run_tool("--ci", "--json", "--testPathIgnorePatterns", "crash")
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.results()
        self.assertEqual({k: v for k, v in got.items() if not k.startswith(CRASH)}, direct)
        self.assertEqual(got[STACK + "shrinks its storage (not yet)"], "skipped")
        self.assertEqual(got[STACK + "grows without a limit"], "skipped")
        # The crash: what ended keeps its result, the test charged, the rest run elsewhere.
        self.assertEqual(got[CRASH + "passes before the crash"], "passed")
        self.assertEqual(got[CRASH + "exits the process"], "failed")
        self.assertEqual(got[CRASH + "passes after the crash"], "passed")
        self.assertIn("6 passed, 2 failed, 0 not run, 2 skipped", r.out)
        crash = self.cases()[CRASH + "exits the process"][1].find("failure")
        self.assertIn("crashed", crash.get("message"))

    def test_ids_round_trip(self):
        self.copy_example()
        self.check_ids_round_trip()

    def test_a_failure_reaches_the_report(self):
        self.copy_example()
        self.check_failure_in_report()

    def test_a_missing_or_wrong_tool_says_so(self):
        self.check_missing_tool()

    def test_a_file_that_does_not_load_stops_discovery(self):
        self.check_broken_file()


if __name__ == "__main__":
    main()
