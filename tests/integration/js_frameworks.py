"""What test_vitest.py and test_jest.py share: the example project of a JavaScript framework
(examples/vitest, examples/jest) copied into a temporary directory, its node_modules linked (run
`npm ci` there first; tools/bootstrap --tests does), and offload run on it."""
import json
import os
import re
import shutil
import subprocess

from harness import SOURCE_DIR, ProjectTest, junit, skip_module

STACK = "test/stack.test.js > Stack > "
CRASH = "test/crash.test.js > "


def config(framework, discovery_extra="", *, parallel=2):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = 120
retry_count = 0

[report]
output_dir = "test-results"

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "{framework}"
{discovery_extra}
"""


def check_tools(framework):
    """Fails when the tool is missing, unless tools/bootstrap recorded that npm could not install it
    (a registry out of reach): then the module is skipped, saying so."""
    example = SOURCE_DIR / "examples" / framework
    modules = example / "node_modules" / ".bin" / framework
    if shutil.which("npx") is not None and modules.exists():
        return
    failed = example / ".npm-ci-failed"
    if failed.exists():
        reason = next((line for line in failed.read_text(errors="replace").splitlines() if "reason" in line),
                      failed.read_text(errors="replace").strip()[:200])
        # Skipped the way meson counts it (exit code 77), like the engines a machine lacks.
        skip_module(f"npm could not install {framework} here (tools/bootstrap recorded it in "
                    f"examples/{framework}/.npm-ci-failed): {reason}")
    raise AssertionError(f"{framework} is not installed: run `npm ci` in examples/{framework} "
                         "(tools/bootstrap --tests does)")


def report_outcomes(report_path):
    """{id: outcome} of a jest/vitest JSON report, ids as the frameworks make them."""
    report = json.loads(pathlib_text(report_path))
    statuses = {"passed": "passed", "failed": "failed"}
    outcomes = {}
    for file in report["testResults"]:
        name = re.sub(r"^.*?/(test/)", r"\1", file["name"])
        for case in file["assertionResults"]:
            titles = [t for t in case["ancestorTitles"] if t] + [case["title"]]
            outcomes[" > ".join([name, *titles])] = statuses.get(case["status"], "skipped")
    return outcomes


def pathlib_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class JsProjectTest(ProjectTest):
    framework = None

    def copy_example(self, extra_files=None, toml=None):
        example = SOURCE_DIR / "examples" / self.framework
        shutil.copytree(example, self.project, dirs_exist_ok=True, symlinks=True,
                        ignore=shutil.ignore_patterns("node_modules", "test-results", ".offload"))
        if not (self.project / "node_modules").exists():
            os.symlink(example / "node_modules", self.project / "node_modules")
        self.write({"offload.toml": toml or config(self.framework), **(extra_files or {})})

    def run_tool(self, *args):
        """Runs the tool directly with a JSON report and returns {id: outcome}."""
        report = self.project / "direct.json"
        subprocess.run(["npx", self.framework, *args, f"--outputFile={report}"], cwd=self.project,
                       capture_output=True, text=True, timeout=300)
        return report_outcomes(report)

    def results(self):
        return {name: outcome for name, (outcome, _) in self.cases().items()}

    def cases(self):
        return junit(self.project / "test-results" / "junit.xml")

    def check_ids_round_trip(self):
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertIn(STACK + "handles (a|b)+ [weird] names.*\n", r.out)
        weird = STACK + "handles (a|b)+ [weird] names.*"
        r = self.run_offload("run", "--filter", re.escape(weird) + "$")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.results(), {weird: "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failed = {k for k, v in self.results().items() if v == "failed"}
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(set(self.results()), failed)
        self.assertEqual(set(self.results().values()), {"failed"})

    def check_failure_in_report(self):
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failure = self.cases()[STACK + "reports its size after overflowing"][1].find("failure")
        self.assertIn("stack overflow", (failure.get("message") or "") + (failure.text or ""))

    def check_missing_tool(self):
        self.copy_example(toml=config(self.framework, 'command = "/nonexistent/tool"'))
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("is it installed? run `npm install`", r.err + r.out)
        self.copy_example(toml=config(self.framework, 'command = "echo"'))
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn(f"wrote no JSON report (is it {self.framework}?", r.err + r.out)

    def check_broken_file(self):
        self.copy_example({"test/broken.test.js": "this is not javascript(\n"})
        r = self.run_offload("run")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("broken.test.js", r.err + r.out)
