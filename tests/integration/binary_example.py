"""What test_doctest.py and test_catch2.py share: an example project built once (its C++ takes long
to compile) and copied, build directory included, into each test's own project; offload's
outcomes read from its JUnit report."""
import pathlib
import re
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, junit


class BuiltExample:
    """examples/NAME built once in a temporary directory (make), with extra sources compiled by
    the test (each {binary path: (source text, compile command words)})."""

    def __init__(self, name):
        self.source = SOURCE_DIR / "examples" / name
        self.root = None

    def build(self, extra=None):
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="offload-example-"))
        shutil.copytree(self.source, self.root, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build", "test-results", ".offload"))
        subprocess.run(["make", "-s"], cwd=self.root, check=True, timeout=900)
        for binary, (text, command) in (extra or {}).items():
            source = self.root / (binary + ".cpp")
            source.write_text(text)
            subprocess.run([*command, "-o", binary, str(source.relative_to(self.root))], cwd=self.root,
                           check=True, timeout=900)

    def remove(self):
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


class ExampleProjectTest(ProjectTest):
    example = None  # a BuiltExample, built in setUpModule

    def copy_example(self, config=None):
        # copy2 keeps the times, so that make finds the binaries fresh.
        shutil.copytree(self.example.root, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("test-results", ".offload"))
        if config is not None:
            (self.project / "offload.toml").write_text(config)

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in self.results().items()}

    def results(self):
        return junit(self.project / "test-results" / "junit.xml")

    def check_round_trip(self, special_ids, failed_count):
        """Each of special_ids runs alone through --filter, passing; after a whole run,
        --rerun-failed runs exactly the failed_count tests that failed."""
        for test_id in special_ids:
            with self.subTest(test_id=test_id):
                r = self.run_offload("run", "--filter", "^" + re.escape(test_id) + "$")
                self.assertEqual(r.code, 0, r)
                self.assertEqual(self.outcomes(), {test_id: "passed"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        failed = {name for name, outcome in self.outcomes().items() if outcome == "failed"}
        self.assertEqual(len(failed), failed_count)
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {name: "failed" for name in failed})

    def check_process_enders(self, binary):
        """binary's cases "exits quietly" (_Exit(0)) and "kills itself" (SIGKILL) end the process
        without a report, in one batch with "before", "between" and "fails after": they fail
        with the cause, and the others keep their outcomes."""
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {f"{binary}::before": "passed", f"{binary}::exits quietly": "failed",
                                           f"{binary}::between": "passed", f"{binary}::kills itself": "failed",
                                           f"{binary}::fails after": "failed"})
        cases = self.results()
        self.assertIn("exit code 0", cases[f"{binary}::exits quietly"][1].find("failure").get("message"))
        self.assertIn("SIGKILL", cases[f"{binary}::kills itself"][1].find("failure").get("message"))
        self.assertIn("1 == 2", cases[f"{binary}::fails after"][1].find("failure").get("message"))

    def direct(self, *args):
        """Runs a binary of the project directly: (exit code, stdout)."""
        completed = subprocess.run([*map(str, args)], cwd=self.project, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace", timeout=120)
        return completed.returncode, completed.stdout


def config(discovery, *, parallel=4, retries=0):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = 120
retry_count = {retries}

[report]
output_dir = "test-results"

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
{discovery}
"""
