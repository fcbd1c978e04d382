"""The discovery cache: an unchanged project is not discovered again, and any change that can
change the list of tests (a test added, removed, renamed, a parametrization, a conftest, the
configuration, the environment) makes offload discover again. After every change, offload's list
must be pytest's own."""
import os
import subprocess

from harness import ProjectTest, main, pytest_config

PYTHON = "/usr/bin/python3"   # Debian's, which has pytest

# Each collection of the suite adds a line here: "discovery" for offload's discovery (--collect-only),
# "worker" for a worker's.
CONFTEST = """import os
def pytest_collection_finish(session):
    with open(os.path.join(os.path.dirname(__file__), "collections.log"), "a") as log:
        log.write("discovery\\n" if session.config.option.collectonly else "worker\\n")
"""


def pytest_ids(cwd, env=None):
    completed = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"], cwd=cwd,
                               capture_output=True, text=True, timeout=120,
                               env={**os.environ, **(env or {})})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout.split("\n\n")[0].splitlines()


class PytestCacheTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.write({
            "offload.toml": self.config(),
            "conftest.py": CONFTEST,
            "cases.py": "CASES = [1, 2]\n",
            "tests/test_one.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n",
            "tests/test_two.py": "import pytest\nfrom cases import CASES\n\n"
                                 "@pytest.mark.parametrize('n', CASES)\ndef test_n(n):\n    assert n\n",
        })

    def config(self, extra=""):
        return pytest_config(PYTHON, discovery_extra=extra)

    def collections(self):
        """How many times offload's discovery collected the suite."""
        log = self.project / "collections.log"
        return log.read_text().splitlines().count("discovery") if log.exists() else 0

    def collect(self, *args, env=None):
        """offload collect: (its ids, whether it ran discovery)."""
        before = self.collections()
        r = self.run_offload("collect", *args, env=env)
        self.assertEqual(r.code, 0, r)
        return r.out.splitlines(), self.collections() > before, r

    def assert_discovers_pytests_list(self, env=None, *args):
        ids, discovered, r = self.collect(*args, env=env)
        self.assertTrue(discovered, f"discovery did not run:\n{r}")
        self.assertEqual(ids, pytest_ids(self.project, env))
        return r

    def assert_cached(self, env=None):
        ids, discovered, r = self.collect(env=env)
        self.assertFalse(discovered, f"discovery ran again:\n{r}")
        self.assertIn("in the discovery cache", r.err)
        self.assertEqual(ids, pytest_ids(self.project, env))

    def test_an_unchanged_project_is_not_discovered_again(self):
        self.assert_discovers_pytests_list()
        self.assert_cached()
        self.assert_cached()
        # A run uses it too, and its tests pass.
        before = self.collections()
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("in the discovery cache", r.err)
        self.assertIn("4 passed, 0 failed", r.out)
        # Only the workers collected, not offload's discovery.
        self.assertEqual(self.collections(), before)

    def test_a_touched_file_with_the_same_contents_keeps_the_cache(self):
        self.assert_discovers_pytests_list()
        os.utime(self.project / "tests/test_one.py")
        self.assert_cached()

    def test_a_test_added_is_found(self):
        self.assert_discovers_pytests_list()
        with open(self.project / "tests/test_one.py", "a") as f:
            f.write("\ndef test_c():\n    pass\n")
        r = self.assert_discovers_pytests_list()
        self.assertIn("tests/test_one.py changed", r.err)
        self.assertIn("tests/test_one.py::test_c", r.out)

    def test_a_test_removed_is_gone(self):
        self.assert_discovers_pytests_list()
        (self.project / "tests/test_one.py").write_text("def test_a():\n    pass\n")
        r = self.assert_discovers_pytests_list()
        self.assertNotIn("tests/test_one.py::test_b", r.out)

    def test_a_file_renamed_is_found_under_its_new_name(self):
        self.assert_discovers_pytests_list()
        (self.project / "tests/test_one.py").rename(self.project / "tests/test_uno.py")
        r = self.assert_discovers_pytests_list()
        self.assertIn("tests/test_uno.py::test_a", r.out)
        self.assertNotIn("tests/test_one.py", r.out)

    def test_a_new_test_file_is_found(self):
        self.assert_discovers_pytests_list()
        self.write({"tests/sub/test_three.py": "def test_x():\n    pass\n"})
        r = self.assert_discovers_pytests_list()
        self.assertIn("tests/sub/test_three.py is new", r.err)

    def test_a_parametrization_changed_in_an_imported_module_is_found(self):
        self.assert_discovers_pytests_list()
        self.write({"cases.py": "CASES = [1, 2, 3]\n"})
        r = self.assert_discovers_pytests_list()
        self.assertIn("tests/test_two.py::test_n[3]", r.out)

    def test_a_conftest_change_is_found(self):
        self.assert_discovers_pytests_list()
        self.write({"tests/conftest.py": "collect_ignore = ['test_two.py']\n"})
        r = self.assert_discovers_pytests_list()
        self.assertNotIn("test_two", r.out)

    def test_a_pytest_ini_is_found(self):
        self.assert_discovers_pytests_list()
        self.write({"pytest.ini": "[pytest]\npython_functions = test_a\n"})
        r = self.assert_discovers_pytests_list()
        self.assertNotIn("test_b", r.out)

    def test_the_configuration_is_part_of_the_key(self):
        self.assert_discovers_pytests_list()
        self.write({"offload.toml": self.config('markers = "not slow"\n')})
        ids, discovered, r = self.collect()
        self.assertTrue(discovered, r)
        self.assert_cached()
        self.write({"offload.toml": self.config()})
        self.assert_cached()  # the first configuration's entry is still there

    def test_the_environment_is_part_of_the_key(self):
        self.write({"tests/test_env.py": "import os, pytest\n\n"
                                         "@pytest.mark.parametrize('v', os.environ.get('CASES_FROM_ENV', 'x').split())\n"
                                         "def test_env(v):\n    pass\n"})
        self.assert_discovers_pytests_list()
        env = {"CASES_FROM_ENV": "p q r"}
        r = self.assert_discovers_pytests_list(env)
        self.assertIn("tests/test_env.py::test_env[r]", r.out)
        self.assert_cached(env)
        # Variables of the terminal are not: a new shell keeps the cache.
        self.assert_cached({**env, "OLDPWD": "/somewhere", "SHLVL": "7"})

    def test_rediscover_runs_discovery_and_refreshes_the_entry(self):
        self.assert_discovers_pytests_list()
        r = self.assert_discovers_pytests_list(None, "--rediscover")
        self.assertIn("--rediscover", r.err)
        self.assert_cached()

    def test_data_files_named_in_discovery_cache_inputs(self):
        self.write({"cases.txt": "1\n2\n",
                    "tests/test_data.py": "import pathlib, pytest\n"
                                          "CASES = (pathlib.Path(__file__).parent.parent / 'cases.txt')"
                                          ".read_text().split()\n\n"
                                          "@pytest.mark.parametrize('c', CASES)\ndef test_data(c):\n    pass\n",
                    "offload.toml": self.config() + '[discovery_cache]\ninputs = ["*.txt"]\n'})
        self.assert_discovers_pytests_list()
        self.assert_cached()
        self.write({"cases.txt": "1\n2\n3\n"})
        r = self.assert_discovers_pytests_list()
        self.assertIn("cases.txt changed", r.err)

    def test_disabled_discovers_every_time(self):
        self.write({"offload.toml": self.config() + "[discovery_cache]\nenabled = false\n"})
        self.assert_discovers_pytests_list()
        self.assert_discovers_pytests_list()
        self.assertFalse((self.project / ".offload" / "discovery").exists())

    def test_a_kept_list_the_framework_cannot_read_is_discovered_again(self):
        self.assert_discovers_pytests_list()
        for entry in (self.project / ".offload" / "discovery").iterdir():
            text = entry.read_bytes()
            start = text.index(b"\nstdout ") + 1
            end = text.index(b"\nstderr ", start) + 1
            entry.write_bytes(text[:start] + b"stdout 8\ngarbage\n\n" + text[end:])
        r = self.assert_discovers_pytests_list()
        self.assertIn("the framework cannot read the list kept", r.err)
        self.assert_cached()

    def test_a_damaged_entry_is_discovered_again_without_an_error(self):
        self.assert_discovers_pytests_list()
        for entry in (self.project / ".offload" / "discovery").iterdir():
            entry.write_text("offload discovery cache 1\nkey 3\nabc\ngarbage")
        r = self.assert_discovers_pytests_list()
        self.assertNotIn("error", r.err.lower())
        self.assert_cached()


class GenericCacheTest(ProjectTest):
    def config(self, extra):
        return f"""[offload]
max_parallel = 2
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "echo collected >> discoveries.log; ls t"
run_command = "sh t/{{tests}}"
{extra}
"""

    def discoveries(self):
        log = self.project / "discoveries.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def test_without_inputs_discovery_runs_every_time(self):
        self.write({"offload.toml": self.config(""), "t/a": "true\n"})
        for expected in (1, 2):
            r = self.run_offload("collect")
            self.assertEqual(r.code, 0, r)
            self.assertEqual(self.discoveries(), expected)

    def test_a_fingerprint_command_and_globs(self):
        self.write({"offload.toml": self.config('discovery_inputs = ["t/*"]\nfingerprint_command = "cat version"\n'),
                    "t/a": "true\n", "version": "1\n"})
        for expected in (1, 1):
            r = self.run_offload("collect")
            self.assertEqual((r.code, r.out), (0, "a\n"), r)
            self.assertEqual(self.discoveries(), expected)
        self.write({"version": "2\n"})
        r = self.run_offload("collect")
        self.assertEqual(self.discoveries(), 2, r)
        self.write({"t/b": "true\n"})
        r = self.run_offload("collect")
        self.assertEqual((r.out, self.discoveries()), ("a\nb\n", 3), r)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.discoveries(), 3, r)
        self.assertIn("2 passed, 0 failed", r.out)


if __name__ == "__main__":
    main()
