"""[groups.NAME]: a run's tests in groups, each discovered with the framework's own filters, with
its own retries and, if it says so, each test in a command of its own; the group shows in every
report, and a test in two groups, filters a tool rejects and a framework without filters are
errors that name the group."""
import json
import os
import shutil
import tempfile

from harness import FIXTURE_PLUGINS, SOURCE_DIR, ProjectTest, junit, main, toml_string

PYTHON = "/usr/bin/python3"

PYTEST_INI = "[pytest]\nmarkers =\n    slow: takes long\n"

# Each test that counts its attempts keeps the count in a file outside the sandboxes.
TESTS = """import pathlib
import pytest

COUNTS = pathlib.Path({counts!r})


def attempt(name):
    COUNTS.mkdir(exist_ok=True)
    path = COUNTS / name
    number = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(number))
    return number


def test_add():
    assert 1 + 1 == 2


def test_unsteady_cache():
    # Fails on its first attempt only: flaky, but its group gives it no retry.
    assert attempt("unsteady") >= 2, "cache not warm yet"


@pytest.mark.slow
def test_slow_import():
    pass


@pytest.mark.slow
def test_slow_export():
    pass


def test_flaky_network():
    # Fails on its first two attempts, passes on the third.
    assert attempt("network") >= 3, "connection reset"
"""

GROUPS = """
[groups.unit]
filters = "-m 'not slow' -k 'not test_flaky'"
retry_count = 0

[groups.slow]
filters = "-m slow"
schedule_individual = true

[groups.flaky]
filters = "-k test_flaky"
retry_count = 3
"""

UNIT = ["tests/test_app.py::test_add", "tests/test_app.py::test_unsteady_cache"]
SLOW = ["tests/test_app.py::test_slow_import", "tests/test_app.py::test_slow_export"]
FLAKY = ["tests/test_app.py::test_flaky_network"]


def junit_groups(project):
    """{test id: its offload.group property} of the JUnit report."""
    return {name: case.find("properties/property[@name='offload.group']").get("value")
            for name, (outcome, case) in junit(project / "test-results" / "junit.xml").items()}


def config(groups, *, retries=1, parallel=2):
    return f"""[offload]
max_parallel = {parallel}
retry_count = {retries}

[provider]
type = "process"

[discovery]
type = "pytest"
python = {toml_string(PYTHON)}
paths = ["tests"]
{groups}"""


class PytestGroupsTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.write({"pytest.ini": PYTEST_INI,
                    "tests/test_app.py": TESTS.format(counts=str(self.project / "counts")),
                    "offload.toml": config(GROUPS)})

    def record(self):
        return {t["id"]: t for t in json.loads((self.project / "test-results" / "run.json").read_text())["tests"]}

    def test_each_group_runs_its_tests_with_its_own_retries_and_schedule(self):
        # One sandbox: without schedule_individual its worker would run every test.
        self.write({"offload.toml": config(GROUPS, parallel=1)})
        r = self.run_offload("run")
        # The unit group's flaky test has no retry: the run fails on it, and only on it.
        self.assertEqual(r.code, 1, r)
        self.assertIn("discovering the tests of [groups.flaky] (filters: -k test_flaky)", r.err)
        tests = self.record()
        self.assertEqual(sorted(tests), sorted(UNIT + SLOW + FLAKY))
        groups = {test_id: test["group"] for test_id, test in tests.items()}
        self.assertEqual(groups, {**{t: "unit" for t in UNIT}, **{t: "slow" for t in SLOW},
                                  **{t: "flaky" for t in FLAKY}})

        network = tests[FLAKY[0]]
        self.assertEqual([a["outcome"] for a in network["attempts"]], ["failed", "failed", "passed"])
        self.assertTrue(network["flaky"])
        unsteady = tests["tests/test_app.py::test_unsteady_cache"]
        # [offload] retry_count = 1, but its group says 0.
        self.assertEqual([a["outcome"] for a in unsteady["attempts"]], ["failed"])
        self.assertEqual(unsteady["outcome"], "failed")
        self.assertEqual(tests["tests/test_app.py::test_add"]["outcome"], "passed")

        # schedule_individual: each slow test ran in a command (log) no other test ran in.
        logs = {}
        for test_id, test in tests.items():
            for attempt in test["attempts"]:
                logs.setdefault(attempt["log"], set()).add(test_id)
        for test_id in SLOW:
            log = tests[test_id]["attempts"][0]["log"]
            self.assertEqual(logs[log], {test_id}, logs)
            self.assertIn(test_id, (self.project / "test-results" / log).read_text())

        # JUnit: every testcase says its group.
        cases = junit(self.project / "test-results" / "junit.xml")
        for test_id, group in groups.items():
            prop = cases[test_id][1].find("properties/property[@name='offload.group']")
            self.assertIsNotNone(prop, test_id)
            self.assertEqual(prop.get("value"), group)
        self.assertEqual(cases["tests/test_app.py::test_unsteady_cache"][0], "failed")
        self.assertEqual(cases[FLAKY[0]][0], "passed")

        # --rerun-failed runs the one failure again, in its group; it passes now.
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(list(self.record()), ["tests/test_app.py::test_unsteady_cache"])
        self.assertEqual(self.record()["tests/test_app.py::test_unsteady_cache"]["group"], "unit")

    def test_collect_lists_the_tests_group_by_group_and_filter_selects_across_them(self):
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out, "[groups.unit]\n" + "".join(t + "\n" for t in UNIT) +
                         "\n[groups.slow]\n" + "".join(t + "\n" for t in SLOW) +
                         "\n[groups.flaky]\n" + "".join(t + "\n" for t in FLAKY))
        r = self.run_offload("collect", "--format", "json", "--filter", "add|import")
        self.assertEqual(r.code, 0, r)
        self.assertEqual([(t["id"], t["group"]) for t in json.loads(r.out)],
                         [(UNIT[0], "unit"), (SLOW[0], "slow")])
        r = self.run_offload("run", "--filter", "add|import")
        self.assertEqual(r.code, 0, r)
        self.assertEqual({t: v["group"] for t, v in self.record().items()}, {UNIT[0]: "unit", SLOW[0]: "slow"})

    def test_retries_on_the_command_line_are_every_tests(self):
        r = self.run_offload("run", "--retries", "1")
        # The network test needs three attempts; --retries 1 gives it two, and the unit one two.
        self.assertEqual(r.code, 1, r)
        tests = self.record()
        self.assertEqual(len(tests[FLAKY[0]]["attempts"]), 2)
        self.assertEqual(tests["tests/test_app.py::test_unsteady_cache"]["outcome"], "passed")

    def test_validate_shows_each_group_with_what_its_tests_get(self):
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn('[groups.unit]\nfilters = "-m \'not slow\' -k \'not test_flaky\'"\nretry_count = 0\n'
                      'schedule_individual = false\n', r.out)
        self.assertIn("[groups.slow]\nfilters = '-m slow'\nretry_count = 1\nschedule_individual = true\n", r.out)

    def test_a_test_two_groups_select_is_an_error_naming_it_and_both(self):
        self.write({"offload.toml": config(GROUPS + '\n[groups.network]\nfilters = "-k network"\n')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"the test {FLAKY[0]} is in two groups, [groups.flaky] and [groups.network]", r.err)
        self.assertFalse((self.project / "test-results" / "run.json").exists())

    def test_filters_pytest_rejects_name_the_group(self):
        for filters, says in [("--no-such-option", "unrecognized arguments: --no-such-option"),
                              ("-k 'unclosed", "the ' at character 4 is never closed")]:
            with self.subTest(filters):
                self.write({"offload.toml": config(f"[groups.odd]\nfilters = {toml_string(filters)}\n")})
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                self.assertIn("[groups.odd]: ", r.err)
                self.assertIn(says, r.err)

    def test_bad_group_tables_say_where(self):
        self.write({"offload.toml": config('[groups.unit]\nfilters = 3\nretry_count = -1\nsuite = "py"\n'
                                           'shedule_individual = true\n')})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"offload.toml:\d+:\d+: error: \[groups.unit\] filters must be a string, not")
        self.assertRegex(r.err, r"offload.toml:\d+:\d+: error: \[groups.unit\] retry_count must be from 0 to 100")
        self.assertIn("`suite` names one of several [discovery.NAME] tables", r.err)
        self.assertIn("unknown key [groups.unit] shedule_individual is ignored; did you mean schedule_individual?",
                      r.err)


class GenericGroupsTest(ProjectTest):
    LIST = "for t in a_fast b_fast c_slow 'd slow'; do case $t in *\"$1\"*) echo \"$t\";; esac; done\n"

    def configure(self, discover, groups):
        self.write({"list.sh": self.LIST, "offload.toml": f"""[offload]
max_parallel = 2
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = {toml_string(discover)}
run_command = "for t in {{tests}}; do echo \\"ran $t\\"; done"
{groups}"""})

    def test_filters_fill_the_placeholder_as_one_quoted_word_each(self):
        self.configure("sh list.sh {filters}",
                       '[groups.fast]\nfilters = "_fast"\n[groups.slow]\nfilters = "\' slow\'"\n')
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(
            junit_groups(self.project),
            {"a_fast": "fast", "b_fast": "fast", "d slow": "slow"})

    def test_a_command_without_the_placeholder_cannot_take_filters(self):
        self.configure("sh list.sh", '[groups.fast]\nfilters = "_fast"\n')
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('[groups.fast]: the generic framework cannot take filters = "_fast": discover_command has '
                      "no {filters}", r.err)

    def test_without_filters_the_placeholder_is_empty_and_the_run_is_as_without_groups(self):
        self.configure("sh list.sh {filters}", "")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(sorted(cases), ["a_fast", "b_fast", "c_slow", "d slow"])
        for outcome, case in cases.values():
            self.assertIsNone(case.find("properties"))

    def test_groups_of_several_frameworks_name_their_suite(self):
        self.write({"list.sh": self.LIST, "offload.toml": """[offload]
max_parallel = 2
[provider]
type = "process"
[discovery.left]
type = "generic"
discover_command = "sh list.sh {filters}"
run_command = "true {tests}"
[discovery.right]
type = "generic"
discover_command = "sh list.sh {filters}"
run_command = "true {tests}"
[groups.fast]
suite = "left"
filters = "_fast"
[groups.slow]
suite = "right"
filters = "slow"
schedule_individual = true
"""})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(
            junit_groups(self.project),
            {"left:a_fast": "fast", "left:b_fast": "fast", "right:c_slow": "slow", "right:d slow": "slow"})
        self.write({"offload.toml": (self.project / "offload.toml").read_text().replace('suite = "right"\n', "")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[groups.slow] suite is missing", r.err)


class FrameworkWithoutFiltersTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.plugins = self.project / "plugins"
        self.plugins.mkdir()
        shutil.copy(FIXTURE_PLUGINS / "fixture_sdk10.so", self.plugins)

    def test_filters_for_a_framework_built_before_them_are_an_error_naming_it_and_the_group(self):
        self.write({"offload.toml": '[provider]\ntype = "process"\n[discovery]\ntype = "fixture-sdk10"\n'
                                    'tests = ["alpha", "beta"]\n[groups.some]\nfilters = "alpha"\n'})
        r = self.run_offload("--plugin-path", self.plugins, "run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[groups.some]: the fixture-sdk10 framework", r.err)
        self.assertIn("takes no filters", r.err)
        # Without filters, its group runs its tests as any framework's.
        self.write({"offload.toml": '[provider]\ntype = "process"\n[discovery]\ntype = "fixture-sdk10"\n'
                                    'tests = ["alpha", "beta"]\n[groups.all]\nretry_count = 1\n'})
        r = self.run_offload("--plugin-path", self.plugins, "run")
        self.assertEqual(r.code, 0, r)


class ToolFiltersTest(ProjectTest):
    """The filters of cargo (libtest's), go (-run's), gtest (--gtest_filter's) and doctest (its
    -tc=... options), on the examples."""

    def setUp(self):
        super().setUp()
        self.cache = tempfile.mkdtemp(prefix="offload-groups-cache-")
        self.addCleanup(shutil.rmtree, self.cache, ignore_errors=True)
        self.env = {"CARGO_TARGET_DIR": os.path.join(self.cache, "target"), "CARGO_TERM_COLOR": "never",
                    "GOPROXY": "off", "GOFLAGS": "", "GOCACHE": os.path.join(self.cache, "go"),
                    "GOPATH": os.path.join(self.cache, "gopath"), "GOTOOLCHAIN": "local"}
        self.addCleanup(lambda: os.system(f"chmod -R u+w {self.cache} 2>/dev/null"))

    def collect(self, example, groups):
        # Without what a build in the source tree left (a CMake cache names its own directory).
        shutil.copytree(SOURCE_DIR / "examples" / example, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build", "target", "node_modules", ".offload", "test-results"))
        with open(self.project / "offload.toml", "a") as config:
            config.write(groups)
        r = self.run_offload("collect", "--format", "json", env=self.env, timeout=600)
        by_group = {}
        if r.code == 0:
            for test in json.loads(r.out):
                by_group.setdefault(test["group"], []).append(test["id"])
        return r, by_group

    def all_ids(self):
        self.write({"offload.toml": (self.project / "offload.toml").read_text().split("\n[groups.")[0]})
        r = self.run_offload("collect", env=self.env, timeout=600)
        self.assertEqual(r.code, 0, r)
        return r.out.splitlines()

    def test_cargo_groups_take_libtest_name_filters(self):
        if shutil.which("cargo") is None:
            self.fail("cargo is not on PATH (tools/bootstrap installs Debian's cargo)")
        r, groups = self.collect("cargo", '\n[groups.words]\nfilters = "words::"\n'
                                          '[groups.rest]\nfilters = "--skip words::"\n'
                                          '[groups.smoke]\nfilters = "--exact tests::smoke"\n')
        # smoke's tests are in rest too: the overlap is the error.
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"the test \S+::tests::smoke is in two groups, \[groups.rest\] and \[groups.smoke\]")
        r, groups = self.collect("cargo", '\n[groups.words]\nfilters = "words::"\n'
                                          '[groups.rest]\nfilters = "--skip words:: --skip tests::smoke"\n'
                                          '[groups.smoke]\nfilters = "--exact tests::smoke"\n')
        self.assertEqual(r.code, 0, r)
        self.assertTrue(groups["words"] and all("words::" in t for t in groups["words"]), groups)
        self.assertEqual(sorted(groups["smoke"]), ["bin(tally)::tests::smoke", "lib::tests::smoke"])
        self.assertFalse([t for t in groups["rest"] if "words::" in t or t.endswith("::tests::smoke")])
        self.assertEqual(sorted(sum(groups.values(), [])), sorted(self.all_ids()))
        for filters in ["--nocapture", "--skip"]:
            with self.subTest(filters):
                r, _ = self.collect("cargo", f'\n[groups.odd]\nfilters = "{filters}"\n')
                self.assertEqual(r.code, 1, r)
                self.assertIn('[groups.odd]: the cargo framework cannot take filters = "' + filters, r.err)

    def test_go_groups_take_the_regular_expression_of_run(self):
        if shutil.which("go") is None:
            self.fail("go is not on PATH (tools/bootstrap installs Debian's golang-go)")
        r, groups = self.collect("go", '\n[groups.rect]\nfilters = "-run=Rect"\n'
                                       '[groups.rest]\nfilters = "-run \'^(Test|Example)[^R]\'"\n')
        self.assertEqual(r.code, 0, r)
        self.assertTrue(groups["rect"] and all("Rect" in t for t in groups["rect"]), groups)
        self.assertFalse([t for t in groups["rest"] if "::TestRect" in t or "::ExampleRect" in t])
        self.assertEqual(sorted(sum(groups.values(), [])), sorted(self.all_ids()))
        r, _ = self.collect("go", '\n[groups.odd]\nfilters = "-v -run X"\n')
        self.assertEqual(r.code, 1, r)
        self.assertIn('[groups.odd]: the go framework cannot take filters = "-v -run X": they are one pattern', r.err)

    def check_pattern_groups(self, example, inside, outside, contains, bad, says):
        """Groups `inside` and `outside` split the example's tests by `contains`; `bad` filters fail."""
        r, groups = self.collect(example, f"\n[groups.inside]\nfilters = {toml_string(inside)}\n"
                                          f"[groups.outside]\nfilters = {toml_string(outside)}\n")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(groups["inside"] and all(contains in t for t in groups["inside"]), groups)
        self.assertFalse([t for t in groups["outside"] if contains in t], groups)
        self.assertEqual(sorted(sum(groups.values(), [])), sorted(self.all_ids()))
        r, _ = self.collect(example, f"\n[groups.odd]\nfilters = {toml_string(bad)}\n")
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"[groups.odd]: the {example} framework cannot take filters = {toml_string(bad)}: {says}", r.err)

    def test_gtest_groups_take_a_gtest_filter(self):
        self.check_pattern_groups("gtest", "--gtest_filter=Divide.*", "-Divide.*", "::Divide.",
                                  "--gtest_repeat=2", "they are one pattern, as --gtest_filter takes it")

    def test_doctest_groups_take_doctests_filter_options(self):
        self.check_pattern_groups("doctest", "-tc=*split*", "--test-case-exclude=*split*", "split",
                                  "-r=xml", "-r=xml is not one of doctest's filters")


if __name__ == "__main__":
    main()
