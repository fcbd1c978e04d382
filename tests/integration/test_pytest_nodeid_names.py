"""pytest suites whose conftest names each JUnit testcase after its whole node id
(record_xml_attribute("name", request.node.nodeid) with junit_family = xunit1, as the Rust offload's
examples do): offload's outcomes are pytest's own."""
import subprocess

from harness import ProjectTest, clean_env, junit, main, pytest_config

PYTHON = "/usr/bin/python3"

FILES = {
    "pytest.ini": "[pytest]\njunit_family = xunit1\n",
    "tests/conftest.py": "import pytest\n\n\n"
                         "@pytest.fixture(autouse=True)\n"
                         "def _junit_name_is_the_node_id(record_xml_attribute, request):\n"
                         "    record_xml_attribute(\"name\", request.node.nodeid)\n",
    "tests/test_math.py": "import pytest\n\n\n"
                          "def test_adds():\n    assert 1 + 1 == 2\n\n\n"
                          "def test_fails():\n    assert 1 + 1 == 3\n\n\n"
                          "class TestGroup:\n"
                          "    def test_in_class(self):\n        pass\n\n"
                          "    @pytest.mark.parametrize('v', ['a b', 'x::y'])\n"
                          "    def test_param(self, v):\n        assert v != 'x::y'\n\n\n"
                          "@pytest.mark.skip(reason='not today')\n"
                          "def test_skipped():\n    pass\n",
    "tests/sub/test_other.py": "import pytest\n\n\n"
                               "@pytest.fixture\n"
                               "def broken():\n    raise RuntimeError('setup broke')\n\n\n"
                               "def test_setup_error(broken):\n    pass\n\n\n"
                               "def test_adds():\n    pass\n",
}


class NodeIdNamesTest(ProjectTest):
    def pytest_outcomes(self):
        """{node id: outcome} of pytest run directly, read from its own JUnit report. Its names are
        the node ids where the fixture ran; a test skipped by a mark runs no fixture and keeps
        pytest's own name, mapped back through the collected ids."""
        collected = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", "tests"],
                                   cwd=self.project, env=clean_env(), capture_output=True, text=True, timeout=120)
        ids = [line for line in collected.stdout.splitlines() if "::" in line]
        by_junit_name = {}
        for node_id in ids:
            path, bracket, params = node_id.partition("[")
            names = path.split("::")
            names[0] = names[0].replace("/", ".").removesuffix(".py")
            by_junit_name[(".".join(names[:-1]), names[-1] + bracket + params)] = node_id
        report = self.project / "direct.xml"
        subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}", "tests"],
                       cwd=self.project, env=clean_env(), capture_output=True, text=True, timeout=120)
        outcomes = {}
        for name, (outcome, case) in junit(report).items():
            node_id = name if name in ids else by_junit_name[(case.get("classname"), name)]
            outcomes[node_id] = outcome
        self.assertEqual(sorted(outcomes), sorted(ids))
        return outcomes

    def test_outcomes_are_pytests_own(self):
        self.write(FILES)
        expected = self.pytest_outcomes()
        self.assertEqual(expected["tests/test_math.py::TestGroup::test_param[x::y]"], "failed")
        self.assertEqual(expected["tests/sub/test_other.py::test_setup_error"], "error")
        for parallel in (1, 3):
            with self.subTest(parallel=parallel):
                self.write({"offload.toml": pytest_config(PYTHON, parallel=parallel)})
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                got = {name: outcome for name, (outcome, _) in
                       junit(self.project / "test-results/junit.xml").items()}
                self.assertEqual(got, expected)
                self.assertNotIn("no JUnit testcase", r.out + r.err)


if __name__ == "__main__":
    main()
