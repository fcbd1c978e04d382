"""CI without configuration: a simulated GitHub Actions run (GITHUB_ACTIONS=true) gets workflow
annotations on stdout and a job summary appended to $GITHUB_STEP_SUMMARY; GitLab gets a JUnit
report whose failure text and system-out say what its test report view shows."""
import re
import xml.etree.ElementTree as ET

from harness import ProjectTest, generic_config, junit, main

PYTHON = "/usr/bin/python3"

# Line numbers matter: the annotations point at them.
TEST_CI = '''import pathlib

import pytest


def test_passes():
    pass


def test_fails():
    assert False, "broke at 100%, a: b"


def test_flaky():
    state = pathlib.Path(__file__).parent / "flaky.state"
    if not state.exists():
        state.write_text("failed once")
        assert False, "first attempt fails"


@pytest.mark.skip(reason="not today")
def test_skipped():
    pass
'''

PYTEST_TOML = f"""[offload]
max_parallel = 2
retry_count = 1

[provider]
type = "process"

[discovery]
type = "pytest"
python = "{PYTHON}"
"""

EARLIER = "# Build\n\nan earlier command of this step wrote this\n"


def annotations(out):
    return [line for line in out.splitlines() if line.startswith("::")]


class GithubActionsTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.summary = self.project / "step-summary.md"
        self.summary.write_text(EARLIER)

    def github_env(self, **extra):
        env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(self.summary), "GITHUB_WORKSPACE": "",
               "GITLAB_CI": ""}
        env.update(extra)
        return env

    def write_pytest_project(self):
        self.write({"offload.toml": PYTEST_TOML, "tests/test_ci.py": TEST_CI})

    def test_pytest_run_annotates_failures_and_flaky_tests_and_appends_a_job_summary(self):
        self.write_pytest_project()
        r = self.run_offload("run", env=self.github_env())
        self.assertEqual(r.code, 1, r)
        self.assertEqual(annotations(r.out), [
            "::error file=tests/test_ci.py,line=11,title=offload%3A tests/test_ci.py%3A%3Atest_fails failed"
            "::AssertionError: broke at 100%25, a: b",
            "::warning file=tests/test_ci.py,line=18,title=offload%3A tests/test_ci.py%3A%3Atest_flaky is flaky"
            "::passed on attempt 2 of 2 after failing: AssertionError: first attempt fails",
        ], r)
        # The counts stay the last line, for tools that read one.
        self.assertEqual(r.out.splitlines()[-1], "2 passed, 1 failed", r)

        text = self.summary.read_text()
        self.assertTrue(text.startswith(EARLIER + "\n## ❌ offload: "), text)
        lines = text[len(EARLIER):].splitlines()
        self.assertEqual(lines[1], "## ❌ offload: 1 failed, 2 passed (1 flaky), 1 skipped")
        for row in ["| passed | 2 |", "| failed | 1 |", "| flaky | 1 |", "| quarantined | 0 |", "| skipped | 1 |",
                    "| not run | 0 |", "| sandboxes | 2 |",
                    "### Failed (1)",
                    "**tests/test\\_ci.py::test\\_fails** at `tests/test_ci.py:11` (failed 2 attempts): "
                    "AssertionError: broke at 100%, a: b",
                    "<details><summary>output</summary>",
                    "</details>",
                    "### Flaky (1)",
                    "- **tests/test\\_ci.py::test\\_flaky**: passed on attempt 2 of 2; it failed before: "
                    "AssertionError: first attempt fails",
                    "### Slowest"]:
            self.assertIn(row, lines, text)
        self.assertTrue(any(re.fullmatch(r"\| wall time \| \d+\.\d\d s \|", line) for line in lines), text)
        # The folded output is pytest's own traceback, in a fenced block.
        start = lines.index("<details><summary>output</summary>")
        self.assertEqual(lines[start + 2], "```text")
        self.assertIn("tests/test_ci.py:11: AssertionError", lines[start + 3:lines.index("</details>")])

    def test_annotation_paths_are_relative_to_the_workspace(self):
        self.write_pytest_project()
        r = self.run_offload("run", env=self.github_env(GITHUB_WORKSPACE=str(self.project.parent)))
        self.assertEqual(r.code, 1, r)
        self.assertTrue(annotations(r.out)[0].startswith(
            f"::error file={self.project.name}/tests/test_ci.py,line=11,"), r)

    def test_a_failure_without_a_location_and_the_annotation_cap(self):
        ids = [f"case{i:02}" for i in range(12)]
        self.write({
            "ids.txt": "\n".join(ids) + "\n",
            "t.sh": 'echo "$1: expected 1, got 2" >&2; exit 1\n',
            "offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}"),
        })
        r = self.run_offload("run", env=self.github_env())
        self.assertEqual(r.code, 1, r)
        lines = annotations(r.out)
        self.assertEqual(len(lines), 11, r)
        self.assertEqual(lines[0], "::error title=offload%3A case00 failed::exit code 1", r)
        self.assertEqual(lines[:10], [f"::error title=offload%3A {i} failed::exit code 1" for i in ids[:10]])
        self.assertEqual(lines[10], "::notice title=offload::2 more errors than GitHub shows (10 of each kind) "
                                    "are in the job summary and the JUnit report")
        text = self.summary.read_text()
        self.assertIn("\n### Failed (12)\n", text)
        self.assertIn("\n**case11**: exit code 1\n", text)

    def test_nothing_of_this_without_github_actions_or_with_github_false(self):
        self.write_pytest_project()
        for env, config in [({"GITHUB_ACTIONS": ""}, PYTEST_TOML),
                            ({}, "[report]\ngithub = false\n" + PYTEST_TOML)]:
            with self.subTest(env=env, config=config[:20]):
                self.write({"offload.toml": config})
                (self.project / "tests" / "flaky.state").unlink(missing_ok=True)
                r = self.run_offload("run", env=self.github_env(**env))
                self.assertEqual(r.code, 1, r)
                self.assertEqual([line for line in (r.out + r.err).splitlines()
                                  if re.match(r"::(error|warning|notice)", line)], [], r)
                self.assertEqual(self.summary.read_text(), EARLIER)

    def test_github_true_without_a_summary_file_warns_and_keeps_the_exit_code(self):
        self.write({
            "ids.txt": "ok\n",
            "t.sh": "exit 0\n",
            "offload.toml": "[report]\ngithub = true\n" + generic_config("cat ids.txt", "sh ./t.sh {tests}"),
        })
        r = self.run_offload("run", env={"GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""})
        self.assertEqual(r.code, 0, r)
        self.assertIn("offload: warning: GITHUB_STEP_SUMMARY is not set: no job summary was written", r.err)
        r = self.run_offload("run", env=self.github_env(GITHUB_STEP_SUMMARY=str(self.project)))
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"offload: warning: the job summary was not written to {self.project}: ", r.err)

    def test_the_github_key_is_checked_and_described(self):
        self.write({"offload.toml": "[report]\ngithub = \"yes\"\n" + generic_config("true", "true {tests}")})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn('offload.toml:2:10: error: [report] github must be "auto", true or false, not "yes"', r.err)
        self.write({"offload.toml": generic_config("true", "true {tests}")})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("github = 'auto'", r.out)


class GitlabJunitTest(ProjectTest):
    def test_failure_text_holds_message_and_output_and_system_out_names_the_log(self):
        self.write({
            "ids.txt": "broken\nfine\n",
            "t.sh": 'case $1 in broken) echo "expected 1, got 2" >&2; exit 1;; esac\n',
            "offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}"),
        })
        r = self.run_offload("run", env={"GITLAB_CI": "true", "CI_PROJECT_DIR": str(self.project),
                                         "GITHUB_ACTIONS": ""})
        self.assertEqual(r.code, 1, r)
        case = junit(self.project / "test-results" / "junit.xml")["broken"][1]
        failure = case.find("failure")
        self.assertEqual(failure.get("message"), "exit code 1")
        self.assertTrue(failure.text.startswith("exit code 1\n\n"), failure.text)
        self.assertIn("expected 1, got 2", failure.text)
        out = case.find("system-out").text.splitlines()
        self.assertRegex(out[0], r"^offload: the whole output of the batch it ran in: .*/test-results/logs/"
                                 r"batch-\d{4}\.log$")
        self.assertRegex(out[1], r"^\[\[ATTACHMENT\|test-results/logs/batch-\d{4}\.log\]\]$")
        self.assertTrue((self.project / out[1][len("[[ATTACHMENT|"):-2]).is_file())
        # Outside GitLab, no attachment.
        r = self.run_offload("run", env={"GITLAB_CI": "", "GITHUB_ACTIONS": ""})
        report = ET.parse(self.project / "test-results" / "junit.xml").getroot()
        self.assertNotIn("ATTACHMENT", ET.tostring(report, encoding="unicode"))


if __name__ == "__main__":
    main()
