"""Several frameworks in one run: [discovery.NAME] tables, one scheduler, one history, one report."""
import json
import shutil
import xml.etree.ElementTree as ET

from harness import SOURCE_DIR, ProjectTest, junit, main

CONFIG = """[offload]
max_parallel = 2
retry_count = 1

[provider]
type = "process"

[discovery.python]
type = "pytest"
python = "/usr/bin/python3"
paths = ["tests"]

[discovery.shell]
type = "generic"
discover_command = "printf 'ok\\\\nbad\\\\nsame\\\\n'"
run_command = "sh ./check.sh {tests}"

[discovery.other]
type = "generic"
discover_command = "printf 'same\\\\n'"
run_command = "echo other-ran {tests} >> other.txt"
"""

FILES = {
    "offload.toml": CONFIG,
    "check.sh": 'echo "$@" >> shell-got.txt\nif [ "$1" = bad ]; then echo "shell says no" >&2; exit 1; fi\n',
    "tests/test_x.py": "def test_a():\n    pass\n\ndef test_b():\n    assert 1 == 2\n\ndef test_same():\n    pass\n",
}


class SeveralFrameworksTest(ProjectTest):
    def test_one_run_one_report_with_a_suite_per_framework(self):
        self.write(FILES)
        r = self.run_offload("collect")
        self.assertEqual(r.out.split(), ["python:tests/test_x.py::test_a", "python:tests/test_x.py::test_b",
                                         "python:tests/test_x.py::test_same", "shell:ok", "shell:bad",
                                         "shell:same", "other:same"], r)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("Failed (2):\n  python:tests/test_x.py::test_b: assert 1 == 2", r.out)
        self.assertIn("  shell:bad: exit code 1", r.out)
        self.assertTrue(r.out.endswith("5 passed, 2 failed\n"), r)
        # The framework's own commands get its own ids, never another framework's test.
        got = (self.project / "shell-got.txt").read_text().split()
        self.assertEqual(sorted(set(got)), ["bad", "ok", "same"])
        self.assertTrue((self.project / "other.txt").exists())
        # One report: a <testsuite> per framework, in the config's order, each with its own counts.
        root = ET.parse(self.project / "test-results" / "junit.xml").getroot()
        self.assertEqual((root.get("tests"), root.get("failures")), ("7", "2"))
        suites = [(s.get("name"), s.get("tests"), s.get("failures"), [c.get("name") for c in s.iter("testcase")])
                  for s in root.iter("testsuite")]
        self.assertEqual(suites, [
            ("python", "3", "1", ["python:tests/test_x.py::test_a", "python:tests/test_x.py::test_b",
                                  "python:tests/test_x.py::test_same"]),
            ("shell", "3", "1", ["shell:ok", "shell:bad", "shell:same"]),
            ("other", "1", "0", ["other:same"]),
        ])
        # One history for all of them.
        history = (self.project / ".offload" / "history").read_text()
        for id in ("python:tests/test_x.py::test_a", "shell:ok", "other:same"):
            self.assertIn("\t" + id + "\n", history)

        # --rerun-failed and --filter work across frameworks.
        (self.project / "shell-got.txt").unlink()
        r = self.run_offload("run", "--rerun-failed")
        self.assertIn("2 tests in", r.out)
        self.assertEqual(sorted(set((self.project / "shell-got.txt").read_text().split())), ["bad"])
        r = self.run_offload("run", "--filter", "same$")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
        r = self.run_offload("run", "python:tests/test_x.py::test_a", "shell:ok")
        self.assertTrue(r.out.endswith("2 passed, 0 failed\n"), r)
        events = [json.loads(line) for line in
                  self.run_offload("run", "--message-format", "json", "--filter", "^shell:").out.splitlines()]
        finished = {e["id"]: e["outcome"] for e in events if e["type"] == "test-finished"}
        self.assertEqual(finished, {"shell:ok": "passed", "shell:bad": "failed", "shell:same": "passed"})

    def test_validate_names_every_framework_and_bad_tables_say_where(self):
        self.write(FILES)
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn('# framework "pytest" ([discovery.python], ids "python:...")', r.out)
        self.assertIn('# framework "generic" ([discovery.other], ids "other:...")', r.out)
        cases = [
            (CONFIG.replace('[discovery.shell]\ntype = "generic"\n', "[discovery.shell]\n"),
             "[discovery.shell] type is missing"),
            (CONFIG.replace("[discovery.other]", '[discovery."ot her"]'),
             "[discovery.ot her]: a framework's name is letters, digits, _ and -"),
            (CONFIG.replace('type = "pytest"', 'type = "pytset"'),
             "([discovery.python] type in"),
            ("[provider]\ntype = \"process\"\n[discovery]\ndiscover_command = \"true\"\n",
             "[discovery] discover_command is a string: [discovery] holds either a framework's `type`"),
        ]
        for config, message in cases:
            with self.subTest(message=message):
                (self.project / "offload.toml").write_text(config)
                r = self.run_offload("validate")
                self.assertNotEqual(r.code, 0, r)
                self.assertIn(message, r.err)

    def test_the_mixed_example_gives_each_framework_its_own_outcomes(self):
        for tool in ("cargo", "cmake"):
            if not shutil.which(tool):
                self.skipTest(f"no {tool}")
        shutil.copytree(SOURCE_DIR / "examples" / "mixed", self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("target", "build", "test-results", ".offload"))
        r = self.run_offload("run", timeout=600)
        self.assertEqual(r.code, 1, r)
        cases = junit(self.project / "test-results" / "junit.xml")
        outcomes = {}
        for id, (outcome, _) in cases.items():
            suite = id.split(":", 1)[0]
            outcomes.setdefault(suite, {}).setdefault(outcome, 0)
            outcomes[suite][outcome] += 1
        # What pytest, cargo test and the GoogleTest binary say when run directly (the example's
        # README).
        self.assertEqual(outcomes, {"python": {"passed": 5, "failed": 1, "skipped": 1},
                                    "rust": {"passed": 3, "failed": 1},
                                    "cpp": {"passed": 3, "failed": 1}})
        self.assertTrue(r.out.endswith("11 passed, 3 failed\n"), r)
        root = ET.parse(self.project / "test-results" / "junit.xml").getroot()
        self.assertEqual([s.get("name") for s in root.iter("testsuite")], ["python", "rust", "cpp"])


if __name__ == "__main__":
    main()
