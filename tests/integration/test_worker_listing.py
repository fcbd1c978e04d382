"""A first run lists its tests in the workers: with no list in the discovery cache, offload starts its
pytest workers at once and takes the list from the first of them to collect, instead of collecting
the suite once more beforehand (docs/test-protocol.md, `list`). The list must be pytest's own, the
cache keeps it, the selection applies to it, and whenever the listing cannot be used (a collection
error, a worker that dies), discovery runs as before and says what went wrong in its own words."""
import json
import os
import shutil
import signal
import subprocess
import time

from harness import ProjectTest, clean_env, install, junit, main, processes_with_env, pytest_config, wait_until

# Each collection of the suite adds a line to collections.log: "discovery" for offload's discovery
# (--collect-only), "worker" for a worker's.
from test_discovery_cache import CONFTEST, PYTHON  # noqa: E402


def pytest_ids(cwd):
    """pytest's own list (its collection is not counted in collections.log)."""
    log = cwd / "collections.log"
    before = log.read_text() if log.exists() else None
    completed = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"], cwd=cwd,
                               capture_output=True, text=True, timeout=120)
    if before is None:
        log.unlink(missing_ok=True)
    else:
        log.write_text(before)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout.split("\n\n")[0].splitlines()


class WorkerListingTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.write({
            "offload.toml": pytest_config(PYTHON),
            "conftest.py": CONFTEST,
            "tests/test_one.py": "def test_a():\n    pass\n\ndef test_b():\n    assert False, 'b fails'\n",
            "tests/test_two.py": "import pytest\n\n@pytest.mark.parametrize('n', [1, 2, 3])\n"
                                 "def test_n(n):\n    assert n\n",
        })


    def collections(self):
        log = self.project / "collections.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return lines.count("discovery"), lines.count("worker")

    def expected_outcomes(self):
        outcomes = {test: "passed" for test in pytest_ids(self.project)}
        outcomes["tests/test_one.py::test_b"] = "failed"
        return outcomes

    def outcomes(self):
        return {name: case[0] for name, case in junit(self.project / "test-results" / "junit.xml").items()}

    def test_a_first_run_collects_once_per_worker_and_never_in_a_discovery_of_its_own(self):
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("listing the tests in the workers", r.err)
        self.assertNotIn("discovering tests", r.err)
        self.assertEqual(self.collections(), (0, 2), r)
        self.assertEqual(self.outcomes(), self.expected_outcomes())
        self.assertTrue(r.out.endswith("4 passed, 1 failed\n"), r)
        # The list is kept: the next run and `collect` take it from the cache, and it is pytest's.
        r = self.run_offload("run")
        self.assertIn("found 5 tests in the discovery cache", r.err)
        self.assertEqual(self.collections(), (0, 4), r)
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertIn("in the discovery cache", r.err)
        self.assertEqual(r.out.splitlines(), pytest_ids(self.project))
        self.assertEqual(self.collections(), (0, 4), r)

    def test_a_changed_project_is_listed_again_by_the_workers(self):
        self.assertEqual(self.run_offload("run").code, 1)
        with open(self.project / "tests/test_two.py", "a") as f:
            f.write("\ndef test_new():\n    pass\n")
        r = self.run_offload("run")
        self.assertIn("tests/test_two.py changed", r.err)
        self.assertIn("listing the tests in the workers", r.err)
        self.assertEqual(self.collections(), (0, 4), r)
        self.assertEqual(self.outcomes(), self.expected_outcomes())
        self.assertIn("tests/test_two.py::test_new", self.outcomes())

    def test_the_selection_applies_to_the_listed_tests(self):
        r = self.run_offload("run", "--filter", "test_two")
        self.assertEqual(r.code, 0, r)
        self.assertIn("selected 3 of 5 tests", r.err)
        self.assertEqual(set(self.outcomes()), {f"tests/test_two.py::test_n[{n}]" for n in (1, 2, 3)})
        # An empty selection is the same error as with discovery, and nothing is reported as run.
        for cache in ["keep", "removed"]:
            with self.subTest(cache=cache):
                if cache == "removed":
                    shutil.rmtree(self.project / ".offload")
                r = self.run_offload("run", "--filter", "no_such_test")
                self.assertEqual(r.code, 1, r)
                self.assertIn("no test is selected", r.err)
                self.assertNotIn("running 0 tests", r.err)
                r = self.run_offload("run", "--filter", "no_such_test", "--no-tests=pass")
                self.assertEqual(r.code, 0, r)
                self.assertIn("No test is selected: nothing to run.", r.out)

    def test_a_collection_error_is_reported_by_discovery_in_its_own_words(self):
        self.write({"tests/test_broken.py": "import no_such_module_here\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("the workers' list of tests is not used (its collection ended with exit code 2)", r.err)
        self.assertIn("pytest could not collect the tests", r.err)
        self.assertIn("No module named 'no_such_module_here'", r.err)
        self.assertEqual(self.collections()[0], 1, r)
        self.assertNotIn("passed", r.out)

    def die_in_collection(self, times):
        """The first `times` collections outside discovery end their process. The flags are in a
        directory pytest does not collect: a file renamed in one it walks can fail another worker's
        collection (it listed the file, then could not stat it)."""
        self.write({"tests/conftest.py": "import glob, os\n"
                                         "def pytest_collection_finish(session):\n"
                                         "    if session.config.option.collectonly:\n"
                                         "        return\n"
                                         "    for flag in sorted(glob.glob('.flags/die-*')):\n"
                                         "        try:\n"
                                         "            os.rename(flag, flag.replace('die-', 'died-'))\n"
                                         "        except OSError:\n"
                                         "            continue\n"
                                         "        os._exit(0)\n",
                    **{f".flags/die-{i}": "" for i in range(times)}})

    def test_a_worker_that_dies_while_it_collects_leaves_the_list_to_the_other(self):
        self.die_in_collection(1)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertTrue((self.project / ".flags" / "died-0").exists())
        self.assertNotIn("discovering tests", r.err)
        self.assertEqual(self.outcomes(), self.expected_outcomes())
        self.assertTrue(r.out.endswith("4 passed, 1 failed\n"), r)

    def test_when_every_worker_dies_while_it_collects_the_run_discovers_and_runs_as_usual(self):
        self.die_in_collection(2)
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertTrue((self.project / ".flags" / "died-1").exists())
        self.assertIn("the workers' list of tests is not used (no worker listed the tests (the last, on sandbox ", r.err)
        self.assertIn("ended before it did: exit code 0)): discovering them", r.err)
        self.assertIn("discovering tests", r.err)
        self.assertEqual(self.outcomes(), self.expected_outcomes())
        # The run that was not used left no trace in the report: its sandboxes are not counted, and
        # the logs are the real run's (two workers, two logs, neither of a worker that died).
        self.assertTrue(r.out.endswith("4 passed, 1 failed\n"), r)
        self.assertIn("on 2 sandboxes", r.out)
        self.assertNotIn("Incidents", r.out)
        logs = sorted(p.name for p in (self.project / "test-results" / "logs").iterdir())
        self.assertEqual(logs, ["batch-0001.log", "batch-0002.log"])

    def test_pytest_xdist_in_addopts_is_off_in_the_workers_and_the_list_is_still_theirs(self):
        self.write({"pytest.ini": "[pytest]\naddopts = -n 2\n"})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertNotIn("discovering tests", r.err)
        self.assertEqual(self.collections(), (0, 2), r)
        self.assertEqual(self.outcomes(), self.expected_outcomes())

    def test_events_start_with_run_started_and_know_the_number_of_tests(self):
        r = self.run_offload("run", "--message-format", "json")
        events = [json.loads(line) for line in r.out.splitlines() if line.startswith("{")]
        self.assertEqual(events[0]["type"], "run-started", events[:3])
        self.assertEqual(events[0]["tests"], 5)
        self.assertEqual(sum(e["type"] == "test-finished" for e in events), 5)
        created = [e for e in events if e["type"] == "sandbox-created"]
        destroyed = [e for e in events if e["type"] == "sandbox-destroyed"]
        self.assertEqual(len(created), 2)
        self.assertEqual(len(destroyed), 2)

    def test_ctrl_c_while_the_workers_collect_stops_them_and_leaves_nothing(self):
        marker = f"LISTING_TEST_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.write({"tests/conftest.py": "import time\n"
                                         "def pytest_collection_finish(session):\n"
                                         "    if not session.config.option.collectonly:\n"
                                         "        time.sleep(60)\n"})
        name, value = marker.split("=")
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env({name: value}),
                                   text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 3, 20), "the workers never started")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertIn("interrupted", err)
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 5), processes_with_env(marker))
        self.assertFalse((self.project / "test-results" / "junit.xml").exists())



# A generic worker in sh: it lists ids.txt when asked to (unless told it cannot), then runs each test
# it is given: those named bad* fail.
GENERIC_WORKER = r"""mark=$OFFLOAD_EVENT_MARK; unset OFFLOAD_EVENT_MARK
if [ "$OFFLOAD_WORKER_LIST" = 1 ] && [ ! -e cannot-list ]; then
    # Percent-encoded: %, spaces and the line feeds.
    printf '%s list data=%s\n' "$mark" "$(sed 's/%/%25/g; s/ /%20/g; s/$/%0A/' ids.txt | tr -d '\n')"
    printf '%s listed exit=0\n' "$mark"
fi
unset OFFLOAD_WORKER_LIST
count=0
while printf '%s next\n' "$mark" && IFS= read -r line; do
    case $line in 'run id='*) ;; *) continue ;; esac
    id=${line#run id=}
    printf '%s start id=%s\n' "$mark" "$id"
    case $id in bad*) outcome=failed ;; *) outcome=passed ;; esac
    printf '%s end id=%s outcome=%s\n' "$mark" "$id" "$outcome"
    count=$((count + 1))
done
printf '%s done count=%s\n' "$mark" "$count"
"""


class GenericWorkerListingTest(ProjectTest):
    def configure(self, extra="worker_lists = true"):
        self.write({
            "ids.txt": "a\nb\nbad1\nc d\n",
            "worker.sh": GENERIC_WORKER,
            "offload.toml": f"""[offload]
max_parallel = 2
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "echo discovery >> discoveries.log; cat ids.txt"
worker_command = "sh ./worker.sh"
{extra}
""",
        })

    def discoveries(self):
        log = self.project / "discoveries.log"
        return len(log.read_text().splitlines()) if log.exists() else 0

    def outcomes(self):
        return {name: case[0] for name, case in junit(self.project / "test-results" / "junit.xml").items()}

    def test_a_generic_worker_that_lists_spares_the_first_run_its_discovery(self):
        self.configure()
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("listing the tests in the workers", r.err)
        self.assertEqual(self.discoveries(), 0, r)
        self.assertEqual(self.outcomes(), {"a": "passed", "b": "passed", "bad1": "failed", "c d": "passed"})

    def test_a_generic_worker_that_cannot_list_leaves_it_to_discovery(self):
        self.configure()
        self.write({"cannot-list": ""})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("asked for a test without listing them", r.err)
        self.assertEqual(self.discoveries(), 1, r)
        self.assertEqual(self.outcomes(), {"a": "passed", "b": "passed", "bad1": "failed", "c d": "passed"})

    def test_worker_lists_needs_a_worker(self):
        self.write({"offload.toml": """[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "printf 'a\\n'"
run_command = "true {tests}"
worker_lists = true
"""})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("worker_lists", r.err)
        self.assertIn("needs a worker_command", r.err)


if __name__ == "__main__":
    main()
