"""History files: the Rust offload's offload-history.jsonl is read ([history] import) and never
written over, and `offload history merge` lets git merge two branches that both recorded runs."""
import json
import shutil
import subprocess

from harness import ProjectTest, generic_config, install, main

# Each test appends its id to order.log, so that the order of a one-sandbox run shows the plan.
DISCOVER = "printf 'a\\nb\\nc\\n'"
RUN = "echo {tests} >> order.log"


def rust_record(config, test_id, *secs):
    samples = [[f"r{i}", 1712000000000 + i, s] for i, s in enumerate(secs)]
    return json.dumps({"k": [config, test_id],
                       "v": {"n": len(secs), "f": 0, "last_run": "r0", "ok": samples, "fail": []}},
                      separators=(",", ":"))


class HistoryFilesTest(ProjectTest):
    def config(self, history=""):
        return generic_config(DISCOVER, RUN, parallel=1) + "\n[history]\n" + history

    def order(self):
        return (self.project / "order.log").read_text().split()

    def test_the_rust_offloads_history_at_our_path_is_refused_and_left_as_it_is(self):
        jsonl = rust_record("offload.toml", "a", 1.0) + "\n" + rust_record("offload.toml", "b", 2.0) + "\n"
        self.write({"offload.toml": self.config('path = "offload-history.jsonl"\n'),
                    "offload-history.jsonl": jsonl})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("history of the Rust offload", r.err)
        self.assertIn("[history] import", r.err)
        self.assertFalse((self.project / "order.log").exists(), "tests ran")
        self.assertEqual((self.project / "offload-history.jsonl").read_text(), jsonl)

    def test_any_other_file_at_our_path_is_refused_and_left_as_it_is(self):
        self.write({"offload.toml": self.config('path = "notes.txt"\n'), "notes.txt": "precious\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("Move the file away", r.err)
        self.assertEqual((self.project / "notes.txt").read_text(), "precious\n")

    def test_imported_timings_plan_the_run_and_are_never_written(self):
        jsonl = "\n".join([rust_record("offload.toml", "a", 0.1), rust_record("offload.toml", "b", 5.0, 7.0),
                           rust_record("offload.toml", "c", 20.0)]) + "\n"
        self.write({"offload.toml": self.config('import = ["history/offload-history.jsonl"]\n'),
                    "history/offload-history.jsonl": jsonl})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.order(), ["c", "b", "a"])  # longest first, as the import tells
        self.assertEqual((self.project / "history/offload-history.jsonl").read_text(), jsonl)
        ours = (self.project / ".offload/history").read_text()
        self.assertTrue(ours.startswith("offload-history "))
        r = self.run_offload("history", "show")
        self.assertEqual(r.code, 0, r)
        self.assertIn("offload-history.jsonl: 0 timings", r.out)  # our history has all three now

    def test_without_the_import_the_plan_keeps_discovery_order(self):
        self.write({"offload.toml": self.config()})
        self.assertEqual(self.run_offload("run").code, 0)
        self.assertEqual(self.order(), ["a", "b", "c"])

    def test_history_show_lists_imported_timings(self):
        self.write({"offload.toml": self.config('import = ["old.jsonl"]\n'),
                    "old.jsonl": rust_record("offload.toml", "b", 2.0, 4.0) + "\n"})
        r = self.run_offload("history", "show")
        self.assertEqual(r.code, 0, r)
        self.assertIn("old.jsonl: 1 timings", r.out)
        self.assertRegex(r.out, r"3\.000s +imported +b\n")

    def test_a_broken_import_is_a_warning(self):
        self.write({"offload.toml": self.config('import = ["old.jsonl"]\n'), "old.jsonl": "{not json\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("old.jsonl", r.err)
        self.assertIn("line 1", r.err)


class HistoryMergeTest(ProjectTest):
    """Two branches both run offload and commit its history; git merges them."""

    def git(self, *args, check=True):
        return subprocess.run(["git", *args], cwd=self.project, capture_output=True, text=True, check=check,
                              env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                                   "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(self.project), "PATH": "/usr/bin:/bin"})

    def setUp(self):
        super().setUp()
        if not shutil.which("git"):
            self.skipTest("git is not installed")
        self.write({"offload.toml": generic_config(DISCOVER, "true {tests}", parallel=1),
                    ".gitignore": "test-results/\n.offload/*\n!.offload/history\n"})
        self.git("init", "-q", "-b", "main")
        self.run_offload("run")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "base")

    def branch_with_runs(self, name, runs):
        self.git("checkout", "-q", "-b", name, "main")
        for _ in range(runs):
            self.assertEqual(self.run_offload("run").code, 0)
        self.git("commit", "-q", "-am", name)

    def runs_in_history(self):
        return int(next(line.split("\t")[1] for line in (self.project / ".offload/history").read_text().splitlines()
                        if line.startswith("run\t")))

    def test_without_the_driver_the_histories_conflict(self):
        self.branch_with_runs("one", 1)
        self.branch_with_runs("two", 2)
        merge = self.git("merge", "-q", "one", check=False)
        self.assertNotEqual(merge.returncode, 0, merge.stdout + merge.stderr)
        self.assertIn("CONFLICT", merge.stdout + merge.stderr)

    def test_with_the_driver_git_merges_them(self):
        self.write({".gitattributes": ".offload/history merge=offload-history\n"})
        self.git("config", "merge.offload-history.driver", f"{install().offload} history merge %O %A %B")
        self.git("add", ".gitattributes")
        self.git("commit", "-q", "-m", "driver")
        self.branch_with_runs("one", 1)
        self.branch_with_runs("two", 2)
        merge = self.git("merge", "-q", "--no-edit", "one", check=False)
        self.assertEqual(merge.returncode, 0, merge.stdout + merge.stderr)
        self.assertEqual(self.runs_in_history(), 4)  # the base's run, one's and two's
        r = self.run_offload("history", "show")
        self.assertEqual(r.code, 0, r)
        for test in "abc":
            self.assertRegex(r.out, rf"  {test}\n")
        self.assertEqual(self.run_offload("run").code, 0)
        self.assertEqual(self.runs_in_history(), 5)


if __name__ == "__main__":
    main()
