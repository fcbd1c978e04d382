"""The vitest framework on its example project (examples/vitest/): offload's outcomes equal
`vitest run`'s, ids with regular expression characters round-trip through --filter and
--rerun-failed, a failure's message reaches the report, process.exit() fails its test alone, and a
missing or wrong tool says so."""
from harness import main
from js_frameworks import CRASH, STACK, JsProjectTest, check_tools


def setUpModule():
    check_tools("vitest")


class VitestTest(JsProjectTest):
    framework = "vitest"

    def test_offload_reports_what_vitest_reports(self):
        self.copy_example()
        direct = self.run_tool("run", "--reporter=json")
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        got = self.results()
        self.assertEqual(got, direct)
        self.assertEqual(got[CRASH + "exits the process"], "failed")
        self.assertEqual(got[CRASH + "passes after the crash"], "passed")
        self.assertEqual(got[STACK + "shrinks its storage (not yet)"], "skipped")
        self.assertEqual(got[STACK + "grows without a limit"], "skipped")
        self.assertEqual(got["test/stack.test.js > Stack limits > nested > counts to the limit"], "passed")
        self.assertIn("6 passed, 2 failed, 0 not run, 2 skipped", r.out)

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
