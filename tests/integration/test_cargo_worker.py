"""The cargo framework's worker (plugins/cargo/offload_worker.sh, docs/test-protocol.md), driven
the way offload drives a worker: the command the built plugin gives for a [discovery] table (the
helper tests/helpers/worker_command asks the plugin for it), run with sh in the project directory,
with OFFLOAD_EVENT_MARK in its environment and `run id=...` lines on its stdin; its records are
read back as the protocol says. Each test runs in a process of its own, so what a test prints can
never decide its outcome.

Needs a Rust toolchain on PATH, like test_cargo.py; all crates share one CARGO_TARGET_DIR and each
small crate has a name of its own."""
import os
import re
import secrets
import signal
import shutil
import subprocess
import tempfile
import time

from harness import BUILD_DIR, SOURCE_DIR, ProjectTest, main, offload, processes_with_env, seconds

EXAMPLE = SOURCE_DIR / "examples" / "cargo"
PLUGIN = BUILD_DIR / "plugins" / "offload-cargo.so"
TARGET_DIR = None
CARGO_ENV = {}


def setUpModule():
    global TARGET_DIR
    if shutil.which("cargo") is None:
        raise AssertionError("cargo is not on PATH: these tests need a Rust toolchain "
                             "(tools/bootstrap installs Debian's cargo)")
    TARGET_DIR = tempfile.mkdtemp(prefix="offload-cargo-worker-target-")
    CARGO_ENV.update(CARGO_TARGET_DIR=TARGET_DIR, CARGO_TERM_COLOR="never", RUST_BACKTRACE="0",
                     CARGO_TERM_QUIET="false")


def tearDownModule():
    if TARGET_DIR:
        shutil.rmtree(TARGET_DIR, ignore_errors=True)


def encode(text):
    """Percent-encodes a record value as the protocol requires (and a little more)."""
    return "".join(f"%{ord(c):02X}" if c in "% \t\r\n" else c for c in text)


def decode(text):
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), text)


def worker_command(discovery=None, known=None):
    """The worker command the plugin gives for a [discovery] table ({key: str, bool or list}),
    for a worker told its tests up front (known) or open to any."""
    args = [os.environ["OFFLOAD_WORKER_COMMAND"], str(PLUGIN)]
    for key, value in (discovery or {}).items():
        if isinstance(value, bool):
            value = str(value).lower()
        elif isinstance(value, list):
            value = "[" + ",".join(value) + "]"
        args += ["--config", f"{key}={value}"]
    for test in known or []:
        args += ["--test", test]
    completed = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "capabilities 7" in completed.stderr, completed.stderr   # events, worker, asks for its tests
    return completed.stdout


class WorkerRun:
    """What a worker did: its exit code, stderr, records ([(verb, {key: value})], values decoded)
    and, per test, its `end` and the output between its `start` and `end`."""

    def __init__(self, completed, mark, seconds):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr
        self.seconds = seconds
        self.records, self.ends, self.outputs, self.order = [], {}, {}, []
        running = None
        for line in completed.stdout.split("\n"):
            at = line.find(mark)
            if running is not None:
                self.outputs[running] += line + "\n" if at < 0 else line[:at]
            if at < 0:
                continue
            verb, *pairs = line[at + len(mark):].split(" ")[1:]
            fields = {key: decode(value) for key, value in (pair.split("=", 1) for pair in pairs)}
            self.records.append((verb, fields))
            if verb == "start":
                running = fields["id"]
                self.outputs[running] = ""
                self.order.append(running)
            elif verb == "end":
                assert fields["id"] == running, f"end of {fields['id']} while {running} runs"
                self.ends[running] = fields
                running = None

    def outcomes(self):
        return {test: end["outcome"] for test, end in self.ends.items()}

    def message(self, test):
        return self.ends[test].get("message", "")

    def __repr__(self):
        return f"exit {self.code} after {self.seconds:.2f}s\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def small_crate(name, lib_rs, extra=None, manifest=""):
    return {
        "Cargo.toml": f'[package]\nname = "{name}"\nversion = "0.3.1-beta.2"\nedition = "2021"\n{manifest}',
        "src/lib.rs": lib_rs,
        **(extra or {}),
    }


class WorkerTest(ProjectTest):
    def run_worker(self, tests, discovery=None, known=False, env=None, lines=None, timeout=300):
        """Runs the worker with `run id=` lines for tests (or the given raw lines) on stdin."""
        mark = "@offload-event:" + secrets.token_hex(16)
        command = worker_command(discovery, tests if known else None)
        stdin = "".join(lines) if lines is not None else "".join(f"run id={encode(test)}\n" for test in tests)
        start = time.monotonic()
        completed = subprocess.run(["sh", "-c", command], cwd=self.project, input=stdin, text=True,
                                   capture_output=True, errors="replace", timeout=seconds(timeout),
                                   env={**os.environ, **CARGO_ENV, "OFFLOAD_EVENT_MARK": mark, **(env or {})})
        run = WorkerRun(completed, mark, time.monotonic() - start)
        self.last_mark = mark
        return run

    def discovered(self, discovery_toml=""):
        """The ids offload's discovery gives the project's tests."""
        self.write({"offload.toml": f'[provider]\ntype = "process"\n\n[discovery]\ntype = "cargo"\n{discovery_toml}\n'})
        r = offload("collect", cwd=self.project, env=CARGO_ENV, timeout=300)
        self.assertEqual(r.code, 0, r)
        return r.out.split("\n")[:-1]

    def assert_complete(self, run, tests):
        """The worker started and ended each test in order, then said done and exited 0."""
        self.assertEqual(run.code, 0, run)
        self.assertEqual(run.order, list(tests), run)
        self.assertEqual(run.records[0], ("hello", {"version": "1"}), run)
        self.assertEqual(run.records[-1], ("done", {"count": str(len(tests))}), run)


class ExampleTest(WorkerTest):
    def setUp(self):
        super().setUp()
        shutil.copytree(EXAMPLE, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("target", "test-results", ".offload"))

    def test_every_test_of_the_example_ends_as_cargo_test_says(self):
        tests = self.discovered()
        self.assertEqual(len(tests), 31)
        for known in (False, True):
            with self.subTest(known=known):
                run = self.run_worker(tests, known=known)
                self.assert_complete(run, tests)
                expected = {test: "passed" for test in tests}
                expected["lib::rate::tests::long_interval"] = "skipped"
                self.assertEqual(run.outcomes(), expected)
                self.assertEqual(run.message("lib::rate::tests::long_interval"),
                                 "ignored: slow: a real-time check over 1.5 s; run with include_ignored = true")
                # Each test's own time: the one that sleeps 300 ms, and a doc test (compiled as it runs).
                self.assertGreaterEqual(float(run.ends["lib::tests::top::large_text"]["secs"]), 0.3)
                self.assertLess(float(run.ends["lib::tests::smoke"]["secs"]), 0.3)
                self.assertIn("test tests::top::large_text ... ok", run.outputs["lib::tests::top::large_text"])

    def test_include_ignored_runs_the_ignored_test(self):
        run = self.run_worker(["lib::rate::tests::long_interval"], {"include_ignored": True})
        self.assertEqual(run.outcomes(), {"lib::rate::tests::long_interval": "passed"}, run)
        self.assertGreaterEqual(float(run.ends["lib::rate::tests::long_interval"]["secs"]), 1.5)


OUTCOMES_LIB = r'''
#[cfg(test)]
mod tests {
    use std::process::Command;

    #[test]
    fn passes() {}

    #[test]
    fn fails() {
        println!("context printed before the failure");
        assert_eq!(2 + 2, 5, "arithmetic is broken");
    }

    // Under one test thread libtest's "test NAME ... " waits for the result: a child's "ok"
    // completes the line before libtest's FAILED.
    #[test]
    fn child_prints_ok_then_fails() {
        Command::new("sh").args(["-c", "echo ok"]).status().unwrap();
        panic!("the real failure");
    }

    // Prints what libtest would for `fails`, as a later test of a batch could.
    #[test]
    fn prints_a_pass_for_fails() {
        Command::new("sh")
            .args(["-c", "echo; echo 'test tests::fails ... ok'; echo 'test result: ok. 1 passed; 0 failed'"])
            .status()
            .unwrap();
    }

    #[test]
    fn aborts() {
        std::process::abort();
    }

    #[test]
    fn exits_early() {
        std::process::exit(0);
    }

    #[test]
    fn errs() -> Result<(), String> {
        Err("a reason of its own".into())
    }

    #[test]
    #[should_panic(expected = "as it should")]
    fn panics_as_it_should() {
        panic!("as it should");
    }

    #[test]
    #[ignore = "needs a network"]
    fn ignored_with_a_reason() {}

    #[test]
    #[ignore]
    fn ignored() {}

    // Leaves a process behind that holds the test's output open for 20 s (the Python test ends it).
    #[test]
    fn leaves_a_process_behind() {
        Command::new("sh").args(["-c", "sleep 20"]).env("OFFLOAD_IT_LEFTOVER", "cargo-worker").spawn().unwrap();
    }

    #[test]
    fn exits_mid_line() {
        Command::new("printf").arg("no newline").status().unwrap();
        std::process::exit(3);
    }

    // What cargo gives a test it runs, and never the worker's mark.
    #[test]
    fn sees_cargos_environment() {
        assert!(std::env::var_os("OFFLOAD_EVENT_MARK").is_none(), "the mark reached the test");
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
        assert_eq!(dir, env!("CARGO_MANIFEST_DIR"));
        assert_eq!(std::env::current_dir().unwrap(), std::path::Path::new(&dir));
        assert_eq!(std::env::var("CARGO_MANIFEST_PATH").unwrap(), format!("{}/Cargo.toml", dir));
        assert_eq!(std::env::var("CARGO_PKG_NAME").unwrap(), "offload_it_worker_outcomes");
        for (name, value) in [("CARGO_PKG_VERSION", "0.3.1-beta.2"), ("CARGO_PKG_VERSION_MAJOR", "0"),
                              ("CARGO_PKG_VERSION_MINOR", "3"), ("CARGO_PKG_VERSION_PATCH", "1"),
                              ("CARGO_PKG_VERSION_PRE", "beta.2")] {
            assert_eq!(std::env::var(name).unwrap(), value, "{}", name);
        }
        assert_eq!(std::env::var("OUT_DIR").unwrap(), env!("OUT_DIR"));
        assert_eq!(std::env::var("FROM_THE_BUILD_SCRIPT").unwrap(), "yes");
        assert!(std::env::var("LD_LIBRARY_PATH").unwrap().contains("/deps"));
        // What it starts does not see the mark either: its environment goes to the output.
        Command::new("env").status().unwrap();
    }
}
'''

BUILD_RS = 'fn main() {\n    println!("cargo:rustc-env=FROM_THE_BUILD_SCRIPT=yes");\n}\n'


class OutcomeTest(WorkerTest):
    """Outcomes come from each test's own process: its exit status, checked against libtest's
    summary. The tests run with one test thread, as in the issue."""

    def setUp(self):
        super().setUp()
        self.write(small_crate("offload_it_worker_outcomes", OUTCOMES_LIB, {"build.rs": BUILD_RS}))

    def run_tests(self, names, **kwargs):
        tests = [f"lib::tests::{name}" for name in names]
        run = self.run_worker(tests, env={"RUST_TEST_THREADS": "1"}, **kwargs)
        self.assert_complete(run, tests)
        return run

    def test_failures_are_failures_whatever_the_test_prints(self):
        run = self.run_tests(["fails", "child_prints_ok_then_fails", "prints_a_pass_for_fails", "errs",
                              "panics_as_it_should", "passes"])
        self.assertEqual(run.outcomes(), {
            "lib::tests::fails": "failed", "lib::tests::child_prints_ok_then_fails": "failed",
            "lib::tests::prints_a_pass_for_fails": "passed", "lib::tests::errs": "failed",
            "lib::tests::panics_as_it_should": "passed", "lib::tests::passes": "passed"})
        self.assertRegex(run.message("lib::tests::fails"), r"arithmetic is broken \(at src/lib\.rs:\d+:\d+\)")
        self.assertIn("context printed before the failure", run.outputs["lib::tests::fails"])
        self.assertRegex(run.outputs["lib::tests::fails"], r"right: `?5")
        self.assertIn("the real failure", run.message("lib::tests::child_prints_ok_then_fails"))
        self.assertIn("test tests::child_prints_ok_then_fails ... ok\nFAILED\n",
                      run.outputs["lib::tests::child_prints_ok_then_fails"])
        self.assertEqual(run.message("lib::tests::errs"), 'Error: "a reason of its own"')
        for test, end in run.ends.items():
            self.assertGreaterEqual(float(end["secs"]), 0, test)

    def test_a_test_that_aborts_fails_alone(self):
        run = self.run_tests(["passes", "aborts", "panics_as_it_should"])
        self.assertEqual(run.outcomes(), {"lib::tests::passes": "passed", "lib::tests::aborts": "failed",
                                          "lib::tests::panics_as_it_should": "passed"})
        self.assertEqual(run.message("lib::tests::aborts"),
                         "the test process was killed by SIGABRT (exit status 134)")

    def test_a_test_that_ends_the_process_itself_is_an_error(self):
        run = self.run_tests(["exits_early"])
        self.assertEqual(run.outcomes(), {"lib::tests::exits_early": "error"})
        self.assertIn("exited with status 0 before libtest printed its summary",
                      run.message("lib::tests::exits_early"))

    def test_ignored_tests_are_skipped_with_their_reason_or_run_when_asked(self):
        run = self.run_tests(["ignored_with_a_reason", "ignored"])
        self.assertEqual(run.outcomes(), {"lib::tests::ignored_with_a_reason": "skipped",
                                          "lib::tests::ignored": "skipped"})
        self.assertEqual(run.message("lib::tests::ignored_with_a_reason"), "ignored: needs a network")
        self.assertEqual(run.message("lib::tests::ignored"), "ignored")
        run = self.run_tests(["ignored_with_a_reason"], discovery={"include_ignored": True})
        self.assertEqual(run.outcomes(), {"lib::tests::ignored_with_a_reason": "passed"})

    def test_tests_it_cannot_run_are_errors_and_the_worker_goes_on(self):
        tests = ["lib::tests::renamed", "test(gone)::smoke", "not a cargo id", "nope/lib::tests::passes",
                 "lib::tests::passes"]
        run = self.run_worker(tests)
        self.assert_complete(run, tests)
        self.assertEqual(run.outcomes(), {"lib::tests::renamed": "error", "test(gone)::smoke": "error",
                                          "not a cargo id": "error", "nope/lib::tests::passes": "error",
                                          "lib::tests::passes": "passed"})
        self.assertEqual(run.message("lib::tests::renamed"),
                         "not found in the test binary: renamed or removed since discovery?")
        self.assertIn("no test executable of test(gone) was built", run.message("test(gone)::smoke"))
        self.assertIn("not a cargo test id", run.message("not a cargo id"))
        self.assertIn("no test executable of nope/lib was built", run.message("nope/lib::tests::passes"))

    def test_tests_see_cargos_environment_and_never_the_mark(self):
        run = self.run_tests(["sees_cargos_environment"])
        self.assertEqual(run.outcomes(), {"lib::tests::sees_cargos_environment": "passed"}, run)
        output = run.outputs["lib::tests::sees_cargos_environment"]
        self.assertIn("CARGO_PKG_NAME=offload_it_worker_outcomes", output)
        self.assertNotIn("OFFLOAD_EVENT_MARK", output)
        self.assertNotIn(self.last_mark, output)

    def test_a_process_the_test_left_behind_does_not_hold_up_the_worker(self):
        def end_leftovers():
            for pid in processes_with_env("OFFLOAD_IT_LEFTOVER=cargo-worker"):
                os.kill(pid, signal.SIGKILL)
        self.addCleanup(end_leftovers)
        run = self.run_tests(["leaves_a_process_behind", "passes"])
        self.assertEqual(run.outcomes(), {"lib::tests::leaves_a_process_behind": "passed",
                                          "lib::tests::passes": "passed"})
        self.assertLess(run.seconds, 15, run)
        self.assertIn("still held its output open", run.outputs["lib::tests::leaves_a_process_behind"])

    def test_a_record_after_output_without_a_newline_ends_the_test(self):
        # The record starts in the middle of the line; what precedes it is the test's output.
        run = self.run_tests(["exits_mid_line", "passes"])
        self.assertEqual(run.outcomes(), {"lib::tests::exits_mid_line": "failed", "lib::tests::passes": "passed"})
        self.assertEqual(run.message("lib::tests::exits_mid_line"), "the test process exited with status 3")
        self.assertTrue(run.outputs["lib::tests::exits_mid_line"].endswith(" ... no newline"), run)


DOC_LIB = r'''//! The crate's own docs:
//!
//! ```
//! assert_eq!(offload_it_worker_docs::add(1, 1), 2);
//! ```

/// Adds. Two examples, which one filter word ("add") selects both:
///
/// ```
/// assert_eq!(offload_it_worker_docs::add(2, 2), 4);
/// ```
///
/// ```
/// assert_eq!(offload_it_worker_docs::add(2, 2), 5, "doc arithmetic is broken");
/// ```
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}

/// ```should_panic
/// offload_it_worker_docs::halve(1);
/// ```
///
/// ```ignore
/// not even Rust
/// ```
pub fn halve(n: u32) -> u32 {
    assert!(n % 2 == 0, "odd");
    n / 2
}
'''


class DocTestTest(WorkerTest):
    def setUp(self):
        super().setUp()
        self.write(small_crate("offload_it_worker_docs", DOC_LIB, {
            # Does not compile: only a worker that builds every target trips on it.
            "tests/broken.rs": "#[test]\nfn broken() {\n    let x: u32 = \"not a number\";\n}\n",
        }))

    def test_doc_tests_pass_and_fail_on_their_own_line_and_cargos_exit_status(self):
        tests = ["doc::src/lib.rs - add (line 9)", "doc::src/lib.rs - add (line 13)",
                 "doc::src/lib.rs - (line 3)", "doc::src/lib.rs - halve (line 20)",
                 "doc::src/lib.rs - halve (line 24)", "doc::src/lib.rs - add (line 99)"]
        # Doc tests only, known up front: nothing is built before them, so tests/broken.rs is no
        # obstacle.
        run = self.run_worker(tests, known=True)
        self.assert_complete(run, tests)
        self.assertEqual(run.outcomes(), {
            "doc::src/lib.rs - add (line 9)": "passed", "doc::src/lib.rs - add (line 13)": "failed",
            "doc::src/lib.rs - (line 3)": "passed", "doc::src/lib.rs - halve (line 20)": "passed",
            "doc::src/lib.rs - halve (line 24)": "skipped", "doc::src/lib.rs - add (line 99)": "error"})
        # The passing one ran with the failing one: cargo's exit status 101 is the other's.
        self.assertIn("test src/lib.rs - add (line 13) ... FAILED", run.outputs["doc::src/lib.rs - add (line 9)"])
        self.assertIn("doc arithmetic is broken", run.message("doc::src/lib.rs - add (line 13)"))
        self.assertEqual(run.message("doc::src/lib.rs - halve (line 24)"), "ignored")
        self.assertIn("not found among the doc tests", run.message("doc::src/lib.rs - add (line 99)"))

    def test_a_worker_builds_only_the_targets_of_the_tests_it_was_given(self):
        run = self.run_worker(["doc::src/lib.rs - add (line 9)"], known=True)
        self.assertEqual(run.outcomes(), {"doc::src/lib.rs - add (line 9)": "passed"}, run)
        # Open to any test, it builds every target, and the broken one stops it before any test:
        # its exit status and the compiler's message tell offload why.
        run = self.run_worker(["doc::src/lib.rs - add (line 9)"])
        self.assertNotEqual(run.code, 0, run)
        self.assertEqual([verb for verb, _ in run.records], [], run)
        self.assertIn("error[E0308]: mismatched types", run.err)
        self.assertIn("tests/broken.rs:3", run.err)


MEMBER_LIB = r'''
/// ```
/// assert!({crate}::ok());
/// ```
pub fn ok() -> bool {
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn works() {
        assert_ne!(std::env::var("CARGO_PKG_NAME").unwrap(), "offload_it_wbeta", "only beta fails");
    }
}
'''


class WorkspaceTest(WorkerTest):
    def setUp(self):
        super().setUp()
        self.write({
            "Cargo.toml": '[workspace]\nmembers = ["offload_it_walpha", "offload_it_wbeta", "offload_it_wempty"]\n'
                          'resolver = "2"\n',
            **{f"{name}/{path}": text for name in ("offload_it_walpha", "offload_it_wbeta")
               for path, text in small_crate(name, MEMBER_LIB.replace("{crate}", name)).items()},
            # A package without tests: its library still has a unit test executable.
            **{f"offload_it_wempty/{path}": text for path, text in small_crate("offload_it_wempty", "").items()},
        })

    @staticmethod
    def doc_file(tests, member):
        """Where rustdoc says a member's doc test is: newer toolchains give the path from the
        workspace's root, older ones (Debian 12's 1.63) from the package's."""
        from_root = any(f"doc::{member}/src/lib.rs" in test for test in tests)
        return f"{member}/src/lib.rs" if from_root else "src/lib.rs"

    def test_ids_with_a_package_run_in_that_package(self):
        tests = self.discovered("workspace = true")
        doc = f"offload_it_wbeta/doc::{self.doc_file(tests, 'offload_it_wbeta')} - ok (line 2)"
        self.assertEqual(set(tests), {"offload_it_walpha/lib::tests::works", "offload_it_wbeta/lib::tests::works",
                                      f"offload_it_walpha/doc::{self.doc_file(tests, 'offload_it_walpha')} - ok "
                                      "(line 2)", doc})
        for known in (False, True):
            with self.subTest(known=known):
                run = self.run_worker(tests, {"workspace": True}, known=known)
                self.assert_complete(run, tests)
                self.assertEqual(run.outcomes(), {test: "failed" if test == "offload_it_wbeta/lib::tests::works"
                                                  else "passed" for test in tests})
                self.assertIn("only beta fails", run.message("offload_it_wbeta/lib::tests::works"))

    def test_ids_without_a_package_find_the_one_that_has_the_test(self):
        # When one package of the workspace has tests, discovery names them without a prefix.
        # Both libraries have a unit test executable; alpha's has the test.
        self.write({"Cargo.toml": '[workspace]\nmembers = ["offload_it_walpha", "offload_it_wempty"]\n'
                                  'resolver = "2"\n'})
        tests = self.discovered("workspace = true")
        self.assertEqual(tests, ["lib::tests::works", f"doc::{self.doc_file(tests, 'offload_it_walpha')} - ok (line 2)"])
        run = self.run_worker(tests, {"workspace": True})
        self.assert_complete(run, tests)
        self.assertEqual(run.outcomes(), {test: "passed" for test in tests})

    def test_package_selects_the_package_of_ids_without_one(self):
        tests = self.discovered('package = "offload_it_wbeta"')
        doc = f"doc::{self.doc_file(tests, 'offload_it_wbeta')} - ok (line 2)"
        self.assertEqual(tests, ["lib::tests::works", doc])
        run = self.run_worker(tests, {"package": "offload_it_wbeta"}, known=True)
        self.assert_complete(run, tests)
        self.assertEqual(run.outcomes(), {"lib::tests::works": "failed", doc: "passed"})


class ProtocolTest(WorkerTest):
    def setUp(self):
        super().setUp()
        self.write(small_crate("offload_it_worker_protocol", "#[cfg(test)]\nmod tests {\n    #[test]\n"
                               "    fn passes() {}\n}\n"))

    def test_unknown_lines_are_ignored_and_crlf_is_accepted(self):
        run = self.run_worker(None, lines=["hello there\n", "\n", "run\n", "run other=1\n",
                                           "run id=lib::tests::passes\r\n", "run future=yes id=lib::tests::passes\n",
                                           "run id=lib::tests::passes"])
        self.assert_complete(run, ["lib::tests::passes"] * 3)

    def test_empty_input_is_done_at_once(self):
        run = self.run_worker([])
        self.assert_complete(run, [])

    def test_without_the_mark_the_worker_refuses_to_run(self):
        command = worker_command()
        completed = subprocess.run(["sh", "-c", command], cwd=self.project, input="run id=lib::tests::passes\n",
                                   text=True, capture_output=True,
                                   env={k: v for k, v in {**os.environ, **CARGO_ENV}.items()
                                        if k != "OFFLOAD_EVENT_MARK"})
        self.assertEqual(completed.returncode, 2)
        self.assertIn("OFFLOAD_EVENT_MARK is not set", completed.stderr)

    def test_a_build_failure_ends_the_worker_before_any_test(self):
        self.write({"src/lib.rs": 'pub fn f() -> u32 {\n    "not a number"\n}\n'})
        run = self.run_worker(["lib::tests::passes"])
        self.assertNotEqual(run.code, 0, run)
        self.assertEqual(run.records, [], run)
        self.assertIn("error[E0308]: mismatched types", run.err)
        self.assertIn("src/lib.rs:2:5", run.err)


if __name__ == "__main__":
    main()
