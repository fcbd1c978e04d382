"""The pytest worker (plugins/pytest/offload_worker.py), driven as offload drives it: the program
given to `python -c`, OFFLOAD_EVENT_MARK in its environment, `run id=` lines on its stdin, and the
records of docs/test-protocol.md read back from its stdout."""
import queue
import re
import secrets
import subprocess
import threading
import time

from harness import BUILD_DIR, SOURCE_DIR, ProjectTest, clean_env, main, seconds

# Debian's pytest; `python3` on PATH may be another interpreter without it.
PYTHON = "/usr/bin/python3"
WORKER = SOURCE_DIR / "plugins" / "pytest" / "offload_worker.py"
# What the pytest framework's worker_command puts before the paths (see pytest_framework.cpp).
OPTIONS = ["-p", "no:cacheprovider", "--continue-on-collection-errors"]


def encode(text):
    """Percent-encodes a value as the protocol requires (and a little more)."""
    return re.sub(rb"[\x00-\x20%]", lambda m: b"%%%02X" % m[0][0], text.encode()).decode()


def decode(value):
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m[1], 16)]), value)


def input_for(ids):
    return "".join(f"run id={encode(test_id)}\n" for test_id in ids)


class Records:
    """The records of one worker's stdout (bytes), found by the mark anywhere in a line."""

    def __init__(self, stdout, mark):
        self.mark = mark.encode()
        self.list = []          # (verb, {key: decoded str}) in order
        self.line_lengths = []
        self.output = b""       # everything that is not a record
        for line in stdout.split(b"\n"):
            position = line.find(self.mark + b" ")
            if position < 0:
                self.output += line + b"\n"
                continue
            self.output += line[:position]
            self.line_lengths.append(len(line) - position + 1)
            verb, *pairs = line[position + len(self.mark) + 1:].rstrip(b"\r").split(b" ")
            fields = {}
            for pair in pairs:
                key, _, value = pair.partition(b"=")
                fields[key.decode()] = decode(value).decode("utf-8", "surrogateescape")
            self.list.append((verb.decode(), fields))

    def verbs(self):
        return [verb for verb, _ in self.list]

    def results(self):
        """{id: fields of its end, with "output" joined from its output records}, in end order."""
        outputs, results = {}, {}
        for verb, fields in self.list:
            if verb == "output":
                outputs[fields["id"]] = outputs.get(fields["id"], "") + fields["data"]
            elif verb == "end":
                results[fields["id"]] = dict(fields, output=outputs.pop(fields["id"], ""))
        return results

    def outcomes(self):
        return {test_id: fields["outcome"] for test_id, fields in self.results().items()}

    def started(self):
        return [fields["id"] for verb, fields in self.list if verb == "start"]


class WorkerRun:
    def __init__(self, completed, mark):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.err = completed.stderr.decode(errors="replace")
        self.records = Records(completed.stdout, mark)

    def __repr__(self):
        return (f"worker exit {self.code}\n--- records\n" + "\n".join(map(str, self.records.list)) +
                "\n--- other output\n" + self.records.output.decode(errors="replace") + "\n--- stderr\n" + self.err)


def worker_env(mark, extra=None):
    env = clean_env(extra)
    env["OFFLOAD_EVENT_MARK"] = mark
    return env


def new_mark():
    return "@offload-event:" + secrets.token_hex(16)


class LiveWorker:
    """A worker whose input is written while it runs; its records are read as they come."""

    def __init__(self, test, *args):
        self.mark = new_mark()
        self.process = subprocess.Popen([PYTHON, "-c", WORKER.read_text(), *OPTIONS, *args], cwd=test.project,
                                        env=worker_env(self.mark), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        test.addCleanup(self.process.stdout.close)
        test.addCleanup(self.process.wait)
        test.addCleanup(self.process.kill)
        self.lines = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()
        self.seen = []   # (verb, fields) of the records read so far

    def send(self, test_id):
        self.process.stdin.write(input_for([test_id]).encode())
        self.process.stdin.flush()

    def end_input(self):
        self.process.stdin.close()

    def wait_for(self, verb, test_id=None, wait=30):
        """Reads records until that one comes (True) or `wait` seconds have passed (False)."""
        deadline = time.monotonic() + seconds(wait)
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            found = Records(line, self.mark).list
            self.seen.extend(found)
            if any(got == verb and fields.get("id") == test_id for got, fields in found):
                return True
        return False


class PytestWorkerTest(ProjectTest):
    def run_worker(self, ids=None, *args, stdin=None, env=None, python_flags=(), timeout=60):
        """Runs the worker over ids (or the raw stdin given) and returns a WorkerRun."""
        mark = new_mark()
        completed = subprocess.run([PYTHON, *python_flags, "-c", WORKER.read_text(), *OPTIONS, *map(str, args)],
                                   cwd=self.project, env=worker_env(mark, env),
                                   input=(input_for(ids) if stdin is None else stdin).encode(),
                                   capture_output=True, timeout=seconds(timeout))
        return WorkerRun(completed, mark)

    def assertDone(self, run, count):
        self.assertEqual(run.records.list[-1], ("done", {"count": str(count)}), run)
        self.assertEqual(run.code, 0, run)

    def test_the_plugin_carries_this_very_program(self):
        # offload sends the copy compiled into the plugin: it must be this file, byte for byte.
        plugin = BUILD_DIR / "plugins" / "offload-pytest.so"
        self.assertTrue(WORKER.read_bytes() in plugin.read_bytes(), f"{plugin} holds another {WORKER.name}")

    def test_outcomes_messages_and_output_of_each_kind_of_test(self):
        self.write({"test_kinds.py": """
import pytest
def test_passes():
    print("quiet success")
def test_fails():
    print("printed before failing")
    assert 1 == 2, "one is not two\\nsecond line"
@pytest.mark.skip(reason="not on this host")
def test_skipped():
    pass
def test_skips_itself():
    pytest.skip("decided at run time")
@pytest.mark.xfail(reason="bug 12")
def test_xfail():
    assert False
@pytest.mark.xfail(reason="fixed meanwhile")
def test_xpass():
    pass
@pytest.mark.xfail(strict=True, reason="must fail")
def test_strict_xpass():
    pass
@pytest.fixture
def broken_setup():
    raise ValueError("no database")
def test_setup_error(broken_setup):
    pass
@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("cannot clean up")
def test_teardown_error(broken_teardown):
    pass
def test_fails_then_teardown_error(broken_teardown):
    assert 0, "the real failure"
"""})
        names = ["passes", "fails", "skipped", "skips_itself", "xfail", "xpass", "strict_xpass", "setup_error",
                 "teardown_error", "fails_then_teardown_error"]
        ids = [f"test_kinds.py::test_{name}" for name in names]
        run = self.run_worker(ids)
        self.assertDone(run, len(ids))
        self.assertEqual(run.records.list[0], ("hello", {"version": "1"}))
        results = run.records.results()
        self.assertEqual(list(results), ids)   # in input order
        expected = {
            "passes": ("passed", None),
            "fails": ("failed", "AssertionError: one is not two"),
            "skipped": ("skipped", "not on this host"),
            "skips_itself": ("skipped", "decided at run time"),
            "xfail": ("skipped", "xfail: bug 12"),
            "xpass": ("passed", None),
            "strict_xpass": ("failed", "[XPASS(strict)] must fail"),
            "setup_error": ("error", 'failed on setup with "ValueError: no database"'),
            "teardown_error": ("error", 'failed on teardown with "RuntimeError: cannot clean up"'),
            "fails_then_teardown_error": ("failed", "AssertionError: the real failure"),
        }
        for name, test_id in zip(names, ids):
            with self.subTest(name):
                result = results[test_id]
                self.assertEqual((result["outcome"], result.get("message")), expected[name])
                self.assertGreaterEqual(float(result["secs"]), 0)
        # Output for the tests that did not pass or skip: the traceback and what they printed.
        self.assertEqual(results[ids[0]]["output"], "")
        self.assertIn("printed before failing", results["test_kinds.py::test_fails"]["output"])
        self.assertIn("assert 1 == 2", results["test_kinds.py::test_fails"]["output"])
        self.assertIn("ValueError: no database", results["test_kinds.py::test_setup_error"]["output"])
        both = results["test_kinds.py::test_fails_then_teardown_error"]["output"]
        self.assertIn("the real failure", both)
        self.assertIn("cannot clean up", both)
        # Each test between its start and its end, every record one small line.
        self.assertEqual(run.records.verbs()[1:6], ["next", "start", "next", "end", "start"])
        self.assertLessEqual(max(run.records.line_lengths), 4000)

    def test_hostile_parameter_ids_come_back_exactly(self):
        values = ["has space", "[brackets]", "x]y[z", "ünï ✓", "100%", "50%2", "tab\there", "a::b", "-- x"]
        module = ("import json, pytest\n"
                  f"VALUES = {values!r}\n"
                  "@pytest.mark.parametrize('value', VALUES, ids=VALUES)\n"
                  "def test_value(value):\n"
                  "    with open('received', 'a', encoding='utf-8') as f:\n"
                  "        f.write(json.dumps(value) + '\\n')\n"
                  "def test_größe():\n"
                  "    pass\n")
        for escaping in ("escaped ids", "raw ids"):
            with self.subTest(escaping):
                ini = "[pytest]\n"
                if escaping == "raw ids":
                    ini += "disable_test_id_escaping_and_forfeit_all_rights_to_community_support = true\n"
                (self.project / "received").unlink(missing_ok=True)
                self.write({"pytest.ini": ini, "test_hostile.py": module})
                listed = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q"],
                                        cwd=self.project, env=clean_env(), capture_output=True, text=True)
                ids = listed.stdout.split("\n\n")[0].splitlines()
                self.assertEqual(len(ids), len(values) + 1, listed.stdout)
                if escaping == "raw ids":
                    self.assertIn("test_hostile.py::test_value[ünï ✓]", ids)
                run = self.run_worker(ids)
                self.assertDone(run, len(ids))
                self.assertEqual(run.records.outcomes(), dict.fromkeys(ids, "passed"), run)
                received = (self.project / "received").read_text(encoding="utf-8").splitlines()
                self.assertEqual(len(received), len(values))

    def test_a_percent_without_two_hex_digits_stands_for_itself_and_unknown_lines_are_ignored(self):
        self.write({"test_p.py": "import pytest\n"
                                 "@pytest.mark.parametrize('v', ['100%', 'a b'])\n"
                                 "def test_p(v):\n    pass\n"})
        stdin = ("hello there\n\nrun\nrun idx=test_p.py::test_p[100%]\nstop id=test_p.py::test_p[100%]\n"
                 "run id=test_p.py::test_p[100%]\r\n"     # a bare %, and a CR before the LF
                 "run id=test_p.py::test_p[a%20b] later=1\n"
                 "run id=test_p.py::test_p[100%25]")      # %25, and no line feed at the end
        run = self.run_worker(stdin=stdin)
        self.assertDone(run, 3)
        self.assertEqual(run.records.started(),
                         ["test_p.py::test_p[100%]", "test_p.py::test_p[a b]", "test_p.py::test_p[100%]"])
        self.assertEqual(set(run.records.outcomes().values()), {"passed"})

    def test_a_module_fixture_is_set_up_once_and_torn_down_after_the_modules_last_test(self):
        # Teardowns note themselves; the module fixture's teardown fails, so the test whose
        # teardown ran it is visible: the last one of its module in the input, not the first.
        self.write({
            "conftest.py": "import pytest\n"
                           "def note(text):\n"
                           "    with open('events', 'a') as f:\n"
                           "        f.write(text + '\\n')\n"
                           "@pytest.fixture(scope='session')\n"
                           "def session_thing():\n"
                           "    note('session up')\n"
                           "    yield\n"
                           "    note('session down')\n",
            "test_m.py": "import pytest\n"
                         "from conftest import note\n"
                         "@pytest.fixture(scope='module')\n"
                         "def module_thing(session_thing):\n"
                         "    note('module up')\n"
                         "    yield\n"
                         "    note('module down')\n"
                         "    raise RuntimeError('module teardown fails')\n"
                         "def test_1(module_thing):\n    note('1')\n"
                         "def test_2(module_thing):\n    note('2')\n"
                         "def test_3(module_thing):\n    note('3')\n",
            "test_n.py": "from conftest import note\n"
                         "def test_4(session_thing):\n    note('4')\n",
        })
        ids = ["test_m.py::test_2", "test_m.py::test_1", "test_m.py::test_3", "test_n.py::test_4"]
        run = self.run_worker(ids)
        self.assertDone(run, 4)
        self.assertEqual((self.project / "events").read_text().split("\n")[:-1],
                         ["session up", "module up", "2", "1", "3", "module down", "4", "session down"])
        results = run.records.results()
        self.assertEqual(run.records.outcomes(), {"test_m.py::test_2": "passed", "test_m.py::test_1": "passed",
                                                  "test_m.py::test_3": "error", "test_n.py::test_4": "passed"})
        self.assertIn("module teardown fails", results["test_m.py::test_3"]["message"])

    def test_the_same_test_twice_in_a_row_runs_twice_with_fresh_fixtures(self):
        self.write({"test_r.py": "import pytest\n"
                                 "def note(text):\n"
                                 "    with open('events', 'a') as f:\n"
                                 "        f.write(text + '\\n')\n"
                                 "@pytest.fixture(scope='module')\n"
                                 "def module_thing():\n"
                                 "    note('module up')\n"
                                 "    yield\n"
                                 "    note('module down')\n"
                                 "@pytest.fixture\n"
                                 "def thing(module_thing):\n"
                                 "    note('up')\n"
                                 "    yield\n"
                                 "    note('down')\n"
                                 "def test_again(thing):\n"
                                 "    note('run')\n"})
        run = self.run_worker(["test_r.py::test_again"] * 2)
        self.assertDone(run, 2)
        self.assertEqual([fields["outcome"] for verb, fields in run.records.list if verb == "end"], ["passed"] * 2)
        self.assertEqual((self.project / "events").read_text().split("\n")[:-1],
                         ["module up", "up", "run", "down", "module down"] * 2)

    def test_each_test_is_asked_for_when_needed_and_none_is_read_ahead(self):
        self.write({"test_live.py": "def test_a():\n    pass\n"
                                    "def test_b():\n    pass\n"
                                    "def test_c():\n    pass\n"})
        worker = LiveWorker(self)
        self.assertTrue(worker.wait_for("next"), worker.seen)
        worker.send("test_live.py::test_a")
        # test_a runs at once; its teardown asks which test follows, and waits for the answer.
        self.assertTrue(worker.wait_for("start", "test_live.py::test_a"), worker.seen)
        self.assertTrue(worker.wait_for("next"), worker.seen)
        self.assertFalse(worker.wait_for("end", "test_live.py::test_a", wait=1), worker.seen)
        worker.send("test_live.py::test_c")
        self.assertTrue(worker.wait_for("end", "test_live.py::test_a"), worker.seen)
        self.assertTrue(worker.wait_for("start", "test_live.py::test_c"), worker.seen)
        self.assertTrue(worker.wait_for("next"), worker.seen)
        worker.send("test_live.py::test_b")
        self.assertTrue(worker.wait_for("end", "test_live.py::test_c"), worker.seen)
        self.assertTrue(worker.wait_for("next"), worker.seen)
        worker.end_input()
        self.assertTrue(worker.wait_for("done"), worker.seen)
        self.assertEqual(worker.process.wait(timeout=seconds(30)), 0)
        self.assertEqual([(verb, fields.get("id")) for verb, fields in worker.seen if verb in ("start", "end", "next")],
                         [("next", None), ("start", "test_live.py::test_a"), ("next", None),
                          ("end", "test_live.py::test_a"), ("start", "test_live.py::test_c"), ("next", None),
                          ("end", "test_live.py::test_c"), ("start", "test_live.py::test_b"), ("next", None),
                          ("end", "test_live.py::test_b")])

    def test_a_test_that_reads_stdin_cannot_consume_the_input(self):
        # The test reads whatever reaches its stdin within a few seconds, and so does its child;
        # meanwhile offload sends the worker's next tests.
        self.write({
            "reader.py": "import os, select\n"
                         "def read():\n"
                         "    ready = select.select([0], [], [], 4)[0]\n"
                         "    return os.read(0, 1000) if ready else b'nothing came'\n",
            "test_stdin.py": "import subprocess, sys, reader\n"
                             "def test_reads():\n"
                             "    assert reader.read() == b''   # at once: the end of the input\n"
                             "    if sys.stdin.__class__.__name__ != 'DontReadFromInput':   # -s\n"
                             "        assert sys.stdin.read() == ''\n"
                             "    child = subprocess.run([sys.executable, '-c', 'import os, reader; "
                             "os.write(1, reader.read())'], capture_output=True)\n"
                             "    assert child.stdout == b''\n"
                             "def test_after_1():\n    pass\n"
                             "def test_after_2():\n    pass\n",
        })
        ids = ["test_stdin.py::test_reads", "test_stdin.py::test_after_1", "test_stdin.py::test_after_2"]
        for capture in ([], ["-s"]):
            with self.subTest(capture=capture):
                worker = LiveWorker(self, *capture)
                worker.send(ids[0])
                self.assertTrue(worker.wait_for("start", ids[0]), worker.seen)
                worker.send(ids[1])   # while test_reads reads its stdin
                worker.send(ids[2])
                worker.end_input()
                self.assertTrue(worker.wait_for("done"), worker.seen)
                self.assertEqual(worker.process.wait(timeout=seconds(30)), 0)
                self.assertEqual({fields["id"]: fields["outcome"] for verb, fields in worker.seen if verb == "end"},
                                 dict.fromkeys(ids, "passed"), worker.seen)

    def test_unknown_ids_and_a_collection_error_are_errors_and_the_others_run(self):
        self.write({
            "test_ok.py": "def test_a():\n    pass\n"
                          "def test_b():\n    assert False\n",
            "test_broken.py": "import shopkit_missing\n"
                              "def test_x():\n    pass\n",
            "sub/test_deep.py": "def test_d():\n    pass\n",
        })
        ids = ["test_ok.py::test_a", "test_broken.py::test_x", "test_ok.py::test_renamed",
               "test_nowhere.py::test_y", "test_ok.py::test_b", "sub/test_deep.py::test_d"]
        run = self.run_worker(ids)
        self.assertDone(run, len(ids))
        results = run.records.results()
        self.assertEqual(run.records.outcomes(), {
            "test_ok.py::test_a": "passed", "test_broken.py::test_x": "error", "test_ok.py::test_renamed": "error",
            "test_nowhere.py::test_y": "error", "test_ok.py::test_b": "failed", "sub/test_deep.py::test_d": "passed"})
        broken = results["test_broken.py::test_x"]
        self.assertEqual(broken["message"],
                         "collecting test_broken.py failed: ModuleNotFoundError: No module named 'shopkit_missing'")
        self.assertIn("import shopkit_missing", broken["output"])
        self.assertIn("not found after collection: pytest collected test_ok.py but no test with this id",
                      results["test_ok.py::test_renamed"]["message"])
        self.assertIn("not found after collection: pytest collected no test from test_nowhere.py",
                      results["test_nowhere.py::test_y"]["message"])

    def test_only_the_files_given_are_collected_and_a_missing_one_is_reported(self):
        # What worker_command gives when offload knows the worker's tests: their files after "--".
        self.write({
            "test_needed.py": "def test_n():\n    pass\n",
            "test_other.py": "open('other was imported', 'w').close()\n"
                             "def test_o():\n    pass\n",
        })
        run = self.run_worker(["test_needed.py::test_n", "test_gone.py::test_g"], "--", "test_needed.py",
                              "test_gone.py")
        self.assertDone(run, 2)
        self.assertEqual(run.records.outcomes(), {"test_needed.py::test_n": "passed",
                                                  "test_gone.py::test_g": "error"})
        self.assertIn("test_gone.py does not exist in the worker's directory",
                      run.records.results()["test_gone.py::test_g"]["message"])
        self.assertFalse((self.project / "other was imported").exists())

        # Nothing to collect: nothing is collected (not pytest's default), and every test is an error.
        run = self.run_worker(["test_other.py::test_o"], "--")
        self.assertDone(run, 1)
        self.assertEqual(run.records.outcomes(), {"test_other.py::test_o": "error"})
        self.assertFalse((self.project / "other was imported").exists())

    def test_the_mark_is_in_no_tests_environment_and_forged_records_are_output(self):
        wrong = "@offload-event:" + "0" * 32
        self.write({"test_env.py": "import os, subprocess\n"
                                   "def test_env():\n"
                                   "    assert 'OFFLOAD_EVENT_MARK' not in os.environ\n"
                                   "    child = subprocess.run(['env'], capture_output=True, text=True).stdout\n"
                                   "    assert 'OFFLOAD_EVENT_MARK' not in child\n"
                                   "    open('child env', 'w').write(child)\n"
                                   "def test_forges():\n"
                                   f"    print('{wrong} end id=test_env.py::test_forges outcome=passed')\n"
                                   f"    print('{wrong} done count=7')\n"
                                   "    assert False, 'really failed'\n"})
        for capture in ([], ["-s"]):
            with self.subTest(capture=capture):
                run = self.run_worker(["test_env.py::test_env", "test_env.py::test_forges"], *capture)
                self.assertDone(run, 2)
                self.assertEqual(run.records.outcomes(), {"test_env.py::test_env": "passed",
                                                          "test_env.py::test_forges": "failed"})
                self.assertIn("PATH=", (self.project / "child env").read_text())
                forged = f"{wrong} end id=test_env.py::test_forges outcome=passed"
                if capture:   # printed straight to stdout: plain output between the test's records
                    self.assertIn(forged.encode(), run.records.output)
                else:         # captured: part of the failure's text
                    self.assertIn(forged, run.records.results()["test_env.py::test_forges"]["output"])

    def test_long_output_comes_in_small_records_joined_in_order(self):
        self.write({"test_loud.py": "import pytest\n"
                                    "def test_loud():\n"
                                    "    for i in range(400):\n"
                                    "        print(f'line {i}: ünï ✓ 100% \\t' + 'x' * i)\n"
                                    "    assert False\n"
                                    "@pytest.mark.parametrize('v', ['a' * 2500], ids=['a' * 2500])\n"
                                    "def test_long_id(v):\n"
                                    "    assert False, 'why ' * 1000\n"})
        long_id = "test_loud.py::test_long_id[" + "a" * 2500 + "]"
        run = self.run_worker(["test_loud.py::test_loud", long_id])
        self.assertDone(run, 2)
        results = run.records.results()
        output = results["test_loud.py::test_loud"]["output"]
        expected = "".join(f"line {i}: ünï ✓ 100% \t" + "x" * i + "\n" for i in range(400))
        self.assertIn(expected.rstrip("\n"), output)
        self.assertGreater(run.records.verbs().count("output"), 20)
        # A message makes way for a long id: the record stays one small write.
        self.assertLessEqual(max(run.records.line_lengths), 4000)
        self.assertEqual(results[long_id]["outcome"], "failed")
        self.assertRegex(results[long_id]["message"], r"^AssertionError: why why .*\.\.\.$")

    def test_a_crash_ends_the_records_at_the_crashing_tests_start(self):
        # 50 tests, every seventh one failing; one ends the interpreter, another segfaults.
        source = ["import ctypes, os"]
        for i in range(50):
            body = ("os._exit(0)" if i == 20 else "ctypes.string_at(0)" if i == 35
                    else f"assert False, 'failure {i}'" if i % 7 == 3 else "pass")
            source.append(f"def test_{i:02}():\n    print('test {i} ran')\n    {body}")
        self.write({"test_many.py": "\n".join(source) + "\n"})
        ids = [f"test_many.py::test_{i:02}" for i in range(50)]

        def check(run, first, crashing):
            verbs = run.records.list
            self.assertEqual(verbs[0], ("hello", {"version": "1"}))
            self.assertEqual(verbs[-1], ("start", {"id": ids[crashing]}), run)
            self.assertEqual(run.records.started(), ids[first:crashing + 1])
            expected = {test_id: "failed" if i % 7 == 3 else "passed"
                        for i, test_id in enumerate(ids) if first <= i < crashing}
            self.assertEqual(run.records.outcomes(), expected)
            for i in range(first, crashing):
                if i % 7 == 3:
                    self.assertIn(f"failure {i}", run.records.results()[ids[i]]["message"])

        run = self.run_worker(ids)
        check(run, 0, 20)
        self.assertEqual(run.code, 0)        # os._exit(0): only the missing `done` tells
        # offload runs the tests that never started in a new worker.
        run = self.run_worker(ids[21:])
        check(run, 21, 35)
        self.assertEqual(run.code, -11)      # SIGSEGV

    def test_without_the_mark_without_pytest_or_with_a_usage_error_the_worker_fails(self):
        self.write({"test_a.py": "def test_a():\n    pass\n"})
        completed = subprocess.run([PYTHON, "-c", WORKER.read_text(), *OPTIONS], cwd=self.project,
                                   env=clean_env(), input=input_for(["test_a.py::test_a"]).encode(),
                                   capture_output=True, timeout=seconds(60))
        self.assertEqual(completed.returncode, 4)
        self.assertIn(b"OFFLOAD_EVENT_MARK is not set", completed.stderr)

        # An interpreter without pytest (-S: no site-packages), as a sandbox may have.
        run = self.run_worker(["test_a.py::test_a"], python_flags=["-S"])
        self.assertEqual(run.code, 4, run)
        self.assertEqual(run.records.verbs(), ["hello"])
        self.assertIn(f"{PYTHON} cannot import pytest here (No module named 'pytest')", run.err)

        run = self.run_worker(["test_a.py::test_a"], "--no-such-option")
        self.assertEqual(run.code, 4, run)
        self.assertEqual(run.records.verbs(), ["hello"])
        self.assertIn("before the end of its input", run.err)

    def test_x_and_maxfail_do_not_stop_a_worker(self):
        # Stopping is offload's business (--fail-fast): a worker runs all the tests it is given.
        self.write({"test_x.py": "def test_1():\n    assert False\n"
                                 "def test_2():\n    assert False\n"
                                 "def test_3():\n    pass\n"})
        ids = ["test_x.py::test_1", "test_x.py::test_2", "test_x.py::test_3"]
        for option in (["-x"], ["--maxfail", "2"]):
            with self.subTest(option=option):
                run = self.run_worker(ids, *option)
                self.assertDone(run, 3)
                self.assertEqual(run.records.outcomes(), {"test_x.py::test_1": "failed", "test_x.py::test_2": "failed",
                                                          "test_x.py::test_3": "passed"})

    def test_an_empty_input_is_done_at_once(self):
        self.write({"test_a.py": "def test_a():\n    pass\n"})
        run = self.run_worker([])
        self.assertEqual(run.records.verbs(), ["hello", "next", "done"])
        self.assertDone(run, 0)


if __name__ == "__main__":
    main()
