"""The pytest framework: offload run on pytest suites, compared with pytest run directly."""
import json
import pathlib
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import SOURCE_DIR, ProjectTest, clean_env, junit, main, offload, seconds, toml_string

# Debian's pytest; `python3` on PATH may be another interpreter without it.
PYTHON = "/usr/bin/python3"


def pytest_config(*, paths=None, markers=None, extra_args=None, parallel=2, retries=0, timeout=60, python=PYTHON):
    lines = [f"python = {toml_string(python)}"]
    if paths is not None:
        lines.append("paths = [" + ", ".join(map(toml_string, paths)) + "]")
    if markers is not None:
        lines.append(f"markers = {toml_string(markers)}")
    if extra_args is not None:
        lines.append("extra_args = [" + ", ".join(map(toml_string, extra_args)) + "]")
    discovery = "\n".join(lines)
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = {retries}

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "pytest"
{discovery}
"""


def run_pytest(cwd, *args, env=None):
    return subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", *map(str, args)], cwd=cwd,
                          env=clean_env(env), capture_output=True, text=True, timeout=120)


def collected_ids(cwd, *args, env=None):
    """The node ids pytest itself lists, in its order."""
    completed = run_pytest(cwd, "--collect-only", "-q", *args, env=env)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout.split("\n\n")[0].splitlines()


def junit_name(node_id):
    """The (classname, name) pytest's JUnit report gives a node id (mangle_test_address)."""
    path, bracket, params = node_id.partition("[")
    names = path.split("::")
    names[0] = names[0].replace("/", ".").removesuffix(".py")
    return ".".join(names[:-1]), names[-1] + bracket + params


def direct_outcomes(cwd, *args, env=None):
    """{(classname, name): outcome} of pytest run directly with --junitxml."""
    with tempfile.TemporaryDirectory() as scratch:
        report = pathlib.Path(scratch) / "direct.xml"
        run_pytest(cwd, f"--junitxml={report}", *args, env=env)
        outcomes = {}
        for case in ET.parse(report).getroot().iter("testcase"):
            tags = {child.tag for child in case}
            outcome = ("failed" if "failure" in tags else "error" if "error" in tags
                       else "skipped" if "skipped" in tags else "passed")
            key = (case.get("classname"), case.get("name"))
            # A teardown error after a failure is a second testcase; the failure decides.
            if outcomes.get(key) != "failed":
                outcomes[key] = outcome
        return outcomes


class PytestTest(ProjectTest):
    def report(self, directory=None):
        return junit((directory or self.project) / "test-results" / "junit.xml")

    def outcomes(self, directory=None):
        return {test_id: outcome for test_id, (outcome, _) in self.report(directory).items()}

    def test_the_example_gives_the_same_ids_and_outcomes_as_plain_pytest(self):
        shutil.copytree(SOURCE_DIR / "examples" / "pytest", self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("test-results", "__pycache__", ".offload"))
        env = {"SHOPKIT_FEED": "up"}   # the flaky price feed answers every time
        r = self.run_offload("collect", env=env)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.splitlines(), collected_ids(self.project, env=env))

        r = self.run_offload("run", "--parallel", "2", "--retries", "0", env=env)
        self.assertEqual(r.code, 1, r)   # the example's one real bug
        ours = self.outcomes()
        self.assertEqual(sorted(ours), sorted(collected_ids(self.project, env=env)))
        self.assertEqual({junit_name(test_id): outcome for test_id, outcome in ours.items()},
                         direct_outcomes(self.project, env=env))
        # What the example is there to show, so that the comparison above cannot pass on an empty suite.
        self.assertEqual(ours["tests/test_pricing.py::TestFormat::test_refunds_show_a_minus_sign"], "failed")
        self.assertEqual(ours["tests/test_pricing.py::TestDiscounts::test_half_cents_round_to_even"], "skipped")
        self.assertEqual(ours["tests/test_names.py::test_cyrillic_names"], "skipped")
        self.assertEqual(ours["tests/test_pricing.py::test_parse_price[in [brackets]]"], "passed")
        self.assertEqual(ours["tests/test_names.py::test_größen_sku"], "passed")
        self.assertEqual(ours["tests/inventory/test_reservations.py::TestReservations::TestBusyShop::"
                              "test_many_carts_never_oversell[1]"], "passed")
        self.assertIn("assert '€-13.50' == '-€12.50'", r.out)

    def test_a_test_that_fails_once_is_flaky_and_a_broken_one_fails_after_every_retry(self):
        self.write({
            "pytest.ini": "[pytest]\n",
            # Fails on its first attempt only: the marker file remembers it (batches run in this directory).
            "test_retry.py": "import pathlib\n"
                             "def test_fails_once():\n"
                             "    marker = pathlib.Path('attempted')\n"
                             "    if not marker.exists():\n"
                             "        marker.write_text('1')\n"
                             "        raise AssertionError('first attempt fails')\n"
                             "def test_steady():\n"
                             "    pass\n",
            "test_broken.py": "def test_always_broken():\n    assert 1 == 2, 'broken for good'\n",
        })
        self.write({"offload.toml": pytest_config(paths=["test_retry.py"], retries=2)})
        r = self.run_offload("run")
        self.assertEqual(r.code, 2, r)
        self.assertIn("Flaky (failed, then passed on retry) (1):\n"
                      "  test_retry.py::test_fails_once  [passed on attempt 2]", r.out)
        outcome, case = self.report()["test_retry.py::test_fails_once"]
        self.assertEqual(outcome, "passed")
        self.assertEqual(len(case.findall("flakyFailure")), 1)
        self.assertIn("first attempt fails", case.find("flakyFailure").get("message"))

        self.write({"offload.toml": pytest_config(paths=["test_broken.py"], retries=2)})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("[3 attempts]", r.out)
        outcome, case = self.report()["test_broken.py::test_always_broken"]
        self.assertEqual(outcome, "failed")
        self.assertIn("broken for good", case.find("failure").get("message"))
        self.assertEqual(len(case.findall("rerunFailure")), 2)

    def test_kept_together_each_files_module_setup_runs_once_and_never_beside_itself(self):
        # Each module records its setUpModule and every test's process and time: with
        # keep_files_together, one setup per module, all of its tests in that process, and no two of
        # its tests at once, on three sandboxes.
        module = ("import os, time, unittest\n"
                  "LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'log.txt')\n"
                  "def note(what):\n"
                  "    with open(LOG, 'a') as f:\n"
                  "        f.write(f'{__name__} {what} {os.getpid()} {time.time()}\\n')\n"
                  "def setUpModule():\n    note('setup')\n"
                  "class T(unittest.TestCase):\n")
        for i in range(6):
            module += f"    def test_{i}(self):\n        note('test'); time.sleep(0.05)\n"
        files = {f"tests/test_m{m}.py": module for m in range(4)}
        for keep in (True, False):
            with self.subTest(keep_files_together=keep):
                shutil.rmtree(self.project / "tests", ignore_errors=True)
                config = pytest_config(parallel=3).replace(
                    'type = "pytest"', 'type = "pytest"\nkeep_files_together = ' + str(keep).lower())
                self.write({"offload.toml": config, **files})
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                self.assertNotIn("keep_files_together", r.err)  # the core's key: no "unknown key"
                setups, pids = {}, {}
                for line in (self.project / "tests" / "log.txt").read_text().splitlines():
                    name, what, pid, _ = line.split()
                    if what == "setup":
                        setups[name] = setups.get(name, 0) + 1
                    else:
                        pids.setdefault(name, set()).add(pid)
                self.assertEqual(len(pids), 4)
                if keep:
                    self.assertEqual(setups, {f"test_m{m}": 1 for m in range(4)})
                    self.assertTrue(all(len(p) == 1 for p in pids.values()), pids)
                else:
                    # Spread over the sandboxes test by test: some module set up more than once.
                    self.assertGreater(sum(setups.values()), 4, setups)

    def test_a_collection_error_stops_the_run_with_pytests_message(self):
        cases = {
            "syntax error": ("def test_x(:\n    pass\n", ["tests/test_broken.py", "SyntaxError: invalid syntax"]),
            "import error": ("import shopkit_missing\n\ndef test_x():\n    pass\n",
                             ["tests/test_broken.py", "No module named 'shopkit_missing'"]),
        }
        for label, (source, expected) in cases.items():
            with self.subTest(label):
                self.write({"offload.toml": pytest_config(), "tests/test_fine.py": "def test_fine():\n    pass\n",
                            "tests/test_broken.py": source})
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                self.assertIn("pytest could not collect the tests (exit code 2: interrupted)", r.err)
                for text in expected:
                    self.assertIn(text, r.err)
                self.assertNotIn("running", r.err)   # nothing ran

    def test_discovery_problems_are_explained(self):
        self.write({"tests/test_fine.py": "def test_fine():\n    pass\n",
                    # An interpreter that cannot import pytest (no site-packages).
                    "no-pytest.sh": f"#!/bin/sh\nexec {PYTHON} -S \"$@\"\n"})
        cases = {
            "nothing selected": (pytest_config(markers="no_such_marker"),
                                 ["pytest collected no tests (no tests collected (1 deselected)"]),
            "no pytest": (pytest_config(python="./no-pytest.sh"),
                          ["./no-pytest.sh cannot import pytest", "python3-pytest", "No module named 'pytest'"]),
            "no interpreter": (pytest_config(python="/nonexistent/python3"),
                               ["cannot run /nonexistent/python3 (exit code 127)"]),
        }
        for label, (config, expected) in cases.items():
            with self.subTest(label):
                self.write({"offload.toml": config})
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                for text in expected:
                    self.assertIn(text, r.err)

    def test_bad_settings_are_all_reported_with_their_location(self):
        self.write({"offload.toml": '[provider]\ntype = "process"\n\n[discovery]\ntype = "pytest"\n'
                                    'python = ""\nextra_args = "-x --lf"\nmarkers = "fast"\n'})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("offload.toml:6:10: error: [discovery] python: must name a Python interpreter", r.err)
        self.assertIn("offload.toml:7:14: error: [discovery] extra_args: must be an array with one pytest argument "
                      "per element", r.err)

    def test_hostile_parameter_ids_reach_pytest_intact_and_map_back(self):
        values = ["plain", "has space", "it's quoted", '"double"', "$(touch PWNED)", "`touch PWNED2`",
                  "; touch PWNED3", "* glob", "back\\slash", "ünï ✓", "--looks-like-an-option", "a::b",
                  "[brackets]", "x]y[z", "tab\there"]
        test_module = ("import json, pathlib, pytest\n"
                       "VALUES = json.loads(pathlib.Path(__file__).with_name('values.json').read_text())\n"
                       "@pytest.mark.parametrize('value', VALUES, ids=VALUES)\n"
                       "def test_value(value):\n"
                       "    with open('received', 'a', encoding='utf-8') as f:\n"
                       "        f.write(json.dumps(value) + '\\n')\n"
                       "def test_größe():\n"
                       "    pass\n"
                       "class TestÜber:\n"
                       "    def test_ok(self):\n"
                       "        pass\n")
        for escaping in ("escaped ids", "raw ids"):
            with self.subTest(escaping):
                ini = "[pytest]\n"
                if escaping == "raw ids":   # pytest's option to keep ids as written, unicode and all
                    ini += "disable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
                (self.project / "received").unlink(missing_ok=True)
                self.write({"pytest.ini": ini, "offload.toml": pytest_config(parallel=3),
                            "tests/test_hostile.py": test_module, "tests/values.json": json.dumps(values)})
                ids = collected_ids(self.project)
                self.assertEqual(len(ids), len(values) + 2)
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                self.assertEqual(self.outcomes(), dict.fromkeys(ids, "passed"))
                received = [json.loads(line) for line in (self.project / "received").read_text().splitlines()]
                self.assertEqual(sorted(received), sorted(values))
                for marker in ("PWNED", "PWNED2", "PWNED3"):
                    self.assertFalse((self.project / marker).exists(), f"{marker}: an id was run as shell code")
                if escaping == "raw ids":
                    self.assertIn("tests/test_hostile.py::test_value[ünï ✓]", ids)

    def test_classes_nested_dirs_and_a_rootdir_above_the_project_map_back(self):
        # pytest.ini one level up: pytest's rootdir is above the project, so its ids start with "proj/";
        # paths select a subdirectory of the project and a directory beside it.
        self.write({
            "pytest.ini": "[pytest]\n",
            "shared/test_shared.py": "def test_shared():\n    pass\n",
            "proj/offload.toml": pytest_config(paths=["suite", "../shared"], parallel=3),
            "proj/suite/test_top.py": "import pytest\n"
                                      "class TestOuter:\n"
                                      "    def test_a(self):\n"
                                      "        pass\n"
                                      "    class TestInner:\n"
                                      "        @pytest.mark.parametrize('n', [1, 2])\n"
                                      "        def test_b(self, n):\n"
                                      "            assert n == 1\n"
                                      "        @pytest.mark.skip(reason='later')\n"
                                      "        def test_c(self):\n"
                                      "            pass\n",
            "proj/suite/deep/er/test_deep.py": "def test_deep():\n    pass\n"
                                               "def test_deep_fails():\n    assert False, 'deep down'\n",
            "proj/elsewhere/test_never.py": "def test_never():\n    pass\n",
            # Only a batch of the deep tests alone would lead pytest here: batches must keep the
            # rootdir and configuration that discovery had, or the ids and options would change.
            "proj/suite/deep/pytest.ini": "[pytest]\naddopts = --no-such-option\n",
        })
        proj = self.project / "proj"
        r = offload("run", cwd=proj)
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(proj), {
            "proj/suite/test_top.py::TestOuter::test_a": "passed",
            "proj/suite/test_top.py::TestOuter::TestInner::test_b[1]": "passed",
            "proj/suite/test_top.py::TestOuter::TestInner::test_b[2]": "failed",
            "proj/suite/test_top.py::TestOuter::TestInner::test_c": "skipped",
            "proj/suite/deep/er/test_deep.py::test_deep": "passed",
            "proj/suite/deep/er/test_deep.py::test_deep_fails": "failed",
            "shared/test_shared.py::test_shared": "passed",
        })
        self.assertEqual(sorted(self.outcomes(proj)), sorted(collected_ids(proj, "suite", "../shared")))
        self.assertIn("deep down", r.out)

    def test_a_module_that_fails_to_import_in_a_batch_errors_its_tests_only(self):
        self.write({
            "offload.toml": pytest_config(parallel=1),
            # Imports during discovery, not in batches (where offload sets OFFLOAD_BATCH).
            "test_env.py": "import os\n"
                           "if os.environ.get('OFFLOAD_BATCH'):\n"
                           "    raise ImportError('the database driver is missing here')\n"
                           "def test_one():\n    pass\n"
                           "def test_two():\n    pass\n",
            "test_a.py": "def test_a():\n    pass\n",
            "test_z.py": "def test_z():\n    pass\n",
        })
        # The first batch holds test_a and test_one: one module's error must not stop the other's test.
        r = self.run_offload("run", "--parallel", "1")
        self.assertEqual(r.code, 1, r)
        report = self.report()
        self.assertEqual({k: v[0] for k, v in report.items()},
                         {"test_a.py::test_a": "passed", "test_env.py::test_one": "error",
                          "test_env.py::test_two": "error", "test_z.py::test_z": "passed"})
        error = report["test_env.py::test_one"][1].find("error")
        self.assertIn("collecting test_env.py failed", error.get("message"))
        self.assertIn("the database driver is missing here", error.text)

    def test_markers_and_extra_args_reach_discovery_and_every_batch(self):
        self.write({
            # -vv would turn pytest's list of ids into a tree: offload must still see the ids.
            "pytest.ini": "[pytest]\naddopts = -vv\nmarkers =\n    slow: takes long\n",
            "conftest.py": "def pytest_addoption(parser):\n"
                           "    parser.addoption('--greeting', default='none')\n",
            "test_options.py": "import pytest\n"
                               "def test_sees_the_greeting(request):\n"
                               "    assert request.config.getoption('greeting') == 'hello there'\n"
                               "def test_also_sees_it(request):\n"
                               "    assert request.config.getoption('greeting') == 'hello there'\n"
                               "@pytest.mark.slow\n"
                               "def test_slow():\n"
                               "    pass\n"
                               "def test_excluded_by_k():\n"
                               "    pass\n",
            "offload.toml": pytest_config(markers="not slow", extra_args=["--greeting", "hello there",
                                                                           "-k", "not excluded"]),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"test_options.py::test_sees_the_greeting": "passed",
                                           "test_options.py::test_also_sees_it": "passed"})

    def test_pytest_xdist_in_addopts_is_turned_off_in_batches(self):
        # Each test notes that it ran; xdist's workers would not see offload's selection.
        recorder = "def test_{0}():\n    open('runs', 'a').write('{0}\\n')\n"
        self.write({
            "pytest.ini": "[pytest]\naddopts = -n 2\n",
            "offload.toml": pytest_config(parallel=2),
            "test_x.py": recorder.format("a") + recorder.format("b") + recorder.format("c"),
            "test_y.py": recorder.format("d"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("pytest-xdist is on (-n 2)", r.err)
        self.assertEqual(sorted((self.project / "runs").read_text().split()), ["a", "b", "c", "d"])

    def test_a_testcase_renamed_in_the_junit_report_still_gets_its_result(self):
        # record_xml_attribute renames the JUnit testcase; workers report by node id, so it no
        # longer matters what pytest's JUnit report would have called it.
        self.write({
            "offload.toml": pytest_config(),
            "test_names.py": "def test_renamed(record_xml_attribute):\n"
                             "    record_xml_attribute('name', 'test_renamed_by_a_plugin')\n"
                             "def test_plain():\n"
                             "    pass\n",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"test_names.py::test_plain": "passed",
                                           "test_names.py::test_renamed": "passed"})

    def test_a_test_that_hangs_is_killed_at_its_own_timeout_and_the_others_run_on(self):
        self.write({
            "offload.toml": pytest_config(parallel=1, timeout=4),
            "test_time.py": "import time\n"
                            "def test_a():\n    pass\n"
                            "def test_hangs():\n    time.sleep(60)\n"
                            "def test_c():\n    pass\n"
                            "def test_d():\n    pass\n",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertLess(r.seconds, seconds(12), r)   # the hang's 4 s, not a batch timeout and a rerun
        report = self.report()
        self.assertEqual({k: v[0] for k, v in report.items()},
                         {"test_time.py::test_a": "passed", "test_time.py::test_hangs": "failed",
                          "test_time.py::test_c": "passed", "test_time.py::test_d": "passed"})
        self.assertEqual("timeout: still running after 4 s, killed",
                         report["test_time.py::test_hangs"][1].find("failure").get("message"))

    def test_init_writes_a_working_pytest_configuration(self):
        self.write({"tests/test_fine.py": "def test_one():\n    pass\n\ndef test_two():\n    pass\n"})
        r = self.run_offload("init", "--provider", "process", "--framework", "pytest")
        self.assertEqual(r.code, 0, r)
        self.assertIn('python = "/usr/bin/python3"', (self.project / "offload.toml").read_text())
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.outcomes(), {"tests/test_fine.py::test_one": "passed",
                                           "tests/test_fine.py::test_two": "passed"})


if __name__ == "__main__":
    main()
