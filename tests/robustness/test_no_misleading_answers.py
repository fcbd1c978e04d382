"""Issue 12: nothing lost, and no answer that misleads — results of parallel batches kept apart,
huge test lists, files offload must not write through or over, a selection that selects nothing,
ids that only survive exactly, discovery that sees what the tests see, memory that stays bounded."""
import os
import re
import subprocess
import sys

from harness import ProjectTest, generic_config, install, junit, main, seconds, toml_string

PYTHON = "/usr/bin/python3"

# Writes a JUnit file at $1 for the ids that follow, each passing after a short pause.
JUNIT_WRITER = r"""
import sys, time
from xml.sax.saxutils import quoteattr
path, ids = sys.argv[1], sys.argv[2:]
time.sleep(0.2)
with open(path, "w") as f:
    f.write("<testsuite>" + "".join(f"<testcase name={quoteattr(i)}/>" for i in ids) + "</testsuite>")
"""


class ResultFileTest(ProjectTest):
    def test_batches_that_write_one_fixed_result_file_never_read_each_others(self):
        ids = [f"t{i:02d}" for i in range(16)]
        self.write({
            "ids.txt": "".join(i + "\n" for i in ids),
            "writer.py": JUNIT_WRITER,
            "offload.toml": generic_config("cat ids.txt", f"{PYTHON} writer.py r.xml {{tests}}", parallel=4,
                                           discovery_extra='result_file = "r.xml"\nbatch_size = 2'),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual({k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()},
                         dict.fromkeys(ids, "passed"))

    def test_a_fixed_result_file_and_the_result_file_placeholder_exclude_each_other(self):
        self.write({"offload.toml": generic_config("echo a", "tool --junit {result_file} {tests}",
                                                   discovery_extra='result_file = "r.xml"')})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("cannot be combined with {result_file}", r.err)

    def test_sixty_thousand_long_ids_are_cut_into_batches_that_fit_a_command_line(self):
        ids = [f"suite/{'x' * 80}/test_{i:06d}" for i in range(60000)]
        self.write({
            "ids.txt": "".join(i + "\n" for i in ids),
            "writer.py": JUNIT_WRITER.replace("time.sleep(0.2)", ""),
            "offload.toml": generic_config("cat ids.txt", f"{PYTHON} writer.py {{result_file}} {{tests}}",
                                           parallel=1) + "[history]\nenabled = false\n",
        })
        r = self.run_offload("run", timeout=300)
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("60000 passed, 0 failed\n"), r.out[-2000:])


class FilesTest(ProjectTest):
    def test_a_planted_log_symlink_is_never_written_through(self):
        # Planted before the run, and by the first test while the run goes on (as another user of
        # a shared directory could).
        victim = self.project / "victim.txt"
        victim.write_text("precious\n")
        logs = self.project / "test-results" / "logs"
        logs.mkdir(parents=True)
        for name in ("batch-0001.log", "batch-0002.log", "batch-0001.junit.xml"):
            os.symlink(victim, logs / name)
        plant = f"ln -sf {victim} {logs}/batch-0003.log; ln -sf {victim} {logs}/batch-0003.junit.xml"
        self.write({
            "t.sh": f'[ "$1" = a ] && {{ {plant}; }}; echo "<testsuite><testcase name=\\"$1\\"/></testsuite>" > "$2"\n',
            "offload.toml": generic_config("printf 'a\\nb\\nc\\n'", "sh ./t.sh {tests} {result_file}",
                                           parallel=1, discovery_extra="batch_size = 1"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(victim.read_text(), "precious\n")
        self.assertTrue((logs / "batch-0003.log").exists() and not (logs / "batch-0003.log").is_symlink())

    def test_a_history_file_offload_cannot_read_is_never_replaced(self):
        theirs = '{"test_id": "a", "duration_secs": 1.5}\n' * 1000
        self.write({"offload-history.jsonl": theirs,
                    "offload.toml": generic_config("echo a", "true {tests}") +
                    '[history]\npath = "offload-history.jsonl"\n'})
        for _ in range(2):
            r = self.run_offload("run")
            self.assertEqual(r.code, 1, r)
            self.assertIn("is not a timing history of offload's: it is left as it is", r.err)
        self.assertEqual((self.project / "offload-history.jsonl").read_text(), theirs)

    def test_a_relative_scratch_dir_is_relative_to_the_config_file(self):
        self.write({"sub/offload.toml": generic_config("echo a", 'echo "$TMPDIR" > tmpdir.txt # {tests}',
                                                       provider_extra='scratch_dir = "scratch"')})
        r = self.run_offload("-c", "sub/offload.toml", "run")
        self.assertEqual(r.code, 0, r)
        tmpdir = (self.project / "sub" / "tmpdir.txt").read_text().strip()
        self.assertTrue(os.path.isabs(tmpdir), tmpdir)
        self.assertTrue(tmpdir.startswith(str(self.project / "sub" / "scratch") + "/"), tmpdir)


class SelectionTest(ProjectTest):
    def test_a_filter_that_selects_nothing_fails_unless_told_otherwise(self):
        self.write({"offload.toml": generic_config("printf 'alpha\\nbeta\\n'", "true {tests}")})
        r = self.run_offload("run", "--filter", "alhpa")
        self.assertEqual(r.code, 1, r)
        self.assertIn("no test is selected", r.err)
        r = self.run_offload("run", "--filter", "alhpa", "--no-tests", "warn")
        self.assertEqual(r.code, 0, r)
        self.assertIn("warning: no test is selected", r.err)
        self.assertEqual(self.run_offload("run", "--filter", "alhpa", "--no-tests", "pass").code, 0)

    def test_rerun_failed_finds_ids_with_invalid_utf8_and_control_bytes(self):
        ids = [b"plain", b"bad-\xff-byte", b"with\x1bescape", b"tab\there"]
        (self.project / "ids.txt").write_bytes(b"".join(i + b"\n" for i in ids))
        (self.project / "fail-these").write_bytes(b"".join(i + b"\n" for i in ids[1:]))
        self.write({
            "t.sh": 'grep -qxF -- "$1" fail-these && exit 1; printf "%s\\n" "$1" >> ran.txt\n',
            "offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}"),
        })
        self.assertEqual(self.run_offload("run").code, 1)
        (self.project / "fail-these").write_bytes(b"")
        r = self.run_offload("run", "--rerun-failed")
        self.assertEqual(r.code, 0, r)
        self.assertIn("3 passed, 0 failed", r.out)
        self.assertEqual(sorted((self.project / "ran.txt").read_bytes().splitlines()), sorted([b"plain"] + ids[1:]))

    def test_the_providers_environment_and_directory_reach_discovery(self):
        # A src/ layout: the tests import the package only with PYTHONPATH=src, in discovery too.
        self.write({
            "src/mypkg/__init__.py": "VALUE = 42\n",
            "tests/test_pkg.py": "import mypkg\n\ndef test_value():\n    assert mypkg.VALUE == 42\n",
            "offload.toml": f"""[provider]
type = "process"
env = {{ PYTHONPATH = "src" }}
[discovery]
type = "pytest"
python = "{PYTHON}"
paths = ["tests"]
""",
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("1 passed, 0 failed\n"), r)


class MemoryTest(ProjectTest):
    def test_memory_stays_bounded_for_many_loud_failing_tests_and_their_retries(self):
        # 600 tests each printing 100 KB and failing, twice retried: what offload keeps of them in
        # memory is bounded (their whole output is in the logs).
        self.write({
            "ids.txt": "".join(f"t{i:04d}\n" for i in range(600)),
            "loud.sh": "head -c 102400 /dev/zero | tr '\\0' 'x'; echo; exit 1\n",
            "offload.toml": generic_config("cat ids.txt", "sh ./loud.sh {tests}", parallel=4, retries=2) +
            "[history]\nenabled = false\n",
        })
        r = self.run_offload("-v", "run", timeout=300)
        self.assertEqual(r.code, 1, r.err[-2000:])
        rss = float(re.search(r"([\d.]+) MB peak RSS", r.err).group(1))
        self.assertLess(rss, 60, r.err[-500:])
        outcome, case = junit(self.project / "test-results" / "junit.xml")["t0000"]
        self.assertEqual(outcome, "failed")
        self.assertIn("bytes omitted; all of it is in", case.find("failure").text)


    def test_the_peak_memory_reported_is_offloads_own_not_its_parents(self):
        # Started by a process that holds 150 MB (a pytest worker, say), offload reports its own
        # peak, not the parent's memory that getrusage would still count after exec.
        self.write({"offload.toml": generic_config("echo a", "true {tests}") + "[history]\nenabled = false\n"})
        parent = ("import re, subprocess, sys\n"
                  "big = bytearray(150 << 20)\n"
                  "big[::4096] = b'x' * len(big[::4096])\n"
                  "r = subprocess.run([sys.argv[1], '-v', 'run'], capture_output=True, text=True)\n"
                  "print(re.search(r'([\\d.]+) MB peak RSS', r.stderr).group(1))\n")
        r = subprocess.run([sys.executable, "-c", parent, str(install().offload)], cwd=self.project,
                           capture_output=True, text=True, timeout=seconds(120))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLess(float(r.stdout), 60, r.stdout)

if __name__ == "__main__":
    main()
