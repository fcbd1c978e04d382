"""The cargo framework on real crates: the example crate (examples/cargo/) and small ones written
here. Needs a Rust toolchain on PATH (tools/bootstrap installs Debian's cargo); without one every
test fails, saying so. All crates share one CARGO_TARGET_DIR, so the example compiles once. cargo
tells stale from fresh by file times, so a test may add files to a copy of the example (new
targets) but never edit one that another copy has too, and each small crate has a name of its own."""
import os
import re
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, junit, main, offload

EXAMPLE = SOURCE_DIR / "examples" / "cargo"
TARGET_DIR = None
CARGO_ENV = {}


def setUpModule():
    global TARGET_DIR
    if shutil.which("cargo") is None:
        raise AssertionError("cargo is not on PATH: these tests need a Rust toolchain "
                             "(tools/bootstrap installs Debian's cargo)")
    TARGET_DIR = tempfile.mkdtemp(prefix="offload-cargo-target-")
    # No colours, no backtraces in failure texts, no stray settings of the caller's shell.
    CARGO_ENV.update(CARGO_TARGET_DIR=TARGET_DIR, CARGO_TERM_COLOR="never", RUST_BACKTRACE="0",
                     CARGO_TERM_QUIET="false")


def tearDownModule():
    if TARGET_DIR:
        shutil.rmtree(TARGET_DIR, ignore_errors=True)


def config(discovery_extra="", *, parallel=4, retries=0, timeout=300):
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = {retries}

[provider]
type = "process"
kill_grace_secs = 1

[discovery]
type = "cargo"
{discovery_extra}
"""


def cargo_test(project, *libtest_args):
    """Runs `cargo test` directly and returns {id: outcome} read from its own output, ids in the
    framework's format (the example's targets only)."""
    completed = subprocess.run(["cargo", "test", "--no-fail-fast", "--", *libtest_args], cwd=project,
                               env={**os.environ, **CARGO_ENV}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=300)
    targets = {"unittests src/lib.rs": "lib", "unittests src/main.rs": "bin(tally)",
               "tests/api.rs": "test(api)", "tests/cli.rs": "test(cli)"}
    outcomes, target = {}, None
    for line in completed.stdout.splitlines():
        running = re.match(r"\s+Running (.*) \(", line)
        if running:
            target = targets[running.group(1)]
        elif re.match(r"\s+Doc-tests tally$", line):
            target = "doc"
        result = re.match(r"test (.*?)( - should panic| - compile fail)? \.\.\. (ok|FAILED|ignored)", line)
        if result and target:
            word = result.group(3)
            outcomes[f"{target}::{result.group(1)}"] = {"ok": "passed", "FAILED": "failed"}.get(word, "skipped")
    assert outcomes, f"no test results in cargo's output:\n{completed.stdout}"
    return outcomes


def small_crate(name, lib_rs, extra=None, manifest=""):
    return {
        "Cargo.toml": f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{manifest}',
        "src/lib.rs": lib_rs,
        **(extra or {}),
    }


class CargoProjectTest(ProjectTest):
    def copy_example(self, extra_files=None):
        # copy2 keeps the files' times, so the shared target directory stays fresh for them.
        shutil.copytree(EXAMPLE, self.project, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("target", "test-results", ".offload"))
        self.write(extra_files or {})

    def run_offload(self, *args, **kwargs):
        return super().run_offload(*args, env=CARGO_ENV, **kwargs)

    def results(self):
        return junit(self.project / "test-results" / "junit.xml")


class ExampleTest(CargoProjectTest):
    def test_offload_reports_what_cargo_test_reports(self):
        for include_ignored, libtest_args in ((False, []), (True, ["--include-ignored"])):
            with self.subTest(include_ignored=include_ignored):
                self.copy_example({"offload.toml": config(f"include_ignored = {str(include_ignored).lower()}")})
                expected = cargo_test(self.project, *libtest_args)
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                got = {name: outcome for name, (outcome, _) in self.results().items()}
                self.assertEqual(got, expected)
                # The example has all kinds: nested modules, doc tests, should_panic, #[ignore].
                self.assertEqual(got["lib::tests::top::ties_in_alphabetical_order"], "passed")
                self.assertEqual(got["lib::tests::top_zero_panics"], "passed")
                self.assertEqual(got["doc::src/lib.rs - Tally::top (line 67)"], "passed")
                self.assertEqual(len(got), 31)
                if include_ignored:
                    self.assertEqual(got["lib::rate::tests::long_interval"], "passed")
                else:
                    self.assertIn("30 passed, 0 failed, 0 not run, 1 skipped", r.out)
                    skipped = self.results()["lib::rate::tests::long_interval"][1].find("skipped")
                    self.assertIn("slow: a real-time check over 1.5 s", skipped.get("message"))

    def test_bin_lists_only_that_binarys_tests(self):
        self.copy_example({"offload.toml": config('bin = "tally"')})
        r = self.run_offload("collect")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.out.split(), ["bin(tally)::tests::parses_a_count", "bin(tally)::tests::rejects_zero",
                                         "bin(tally)::tests::smoke"])


SHADOW_TEST = r'''
#[test]
fn smoke() {
    println!("context printed before the failure");
    assert_eq!(2 + 2, 5, "arithmetic is broken");
}
'''

FLAKY_TEST = r'''
#[test]
fn steady() {}

#[test]
fn passes_on_retry() {
    // The first attempt leaves a marker and fails; the retry finds it and passes.
    let marker = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("flaky-marker");
    if !marker.exists() {
        std::fs::write(&marker, "").unwrap();
        panic!("first attempt fails");
    }
}
'''


class FailureTest(CargoProjectTest):
    def test_failure_carries_the_panic_and_same_names_stay_apart(self):
        # A fifth `smoke`, in a new integration test, fails; the four others must not.
        self.copy_example({"offload.toml": config(), "tests/shadow.rs": SHADOW_TEST})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = self.results()
        smokes = {name: outcome for name, (outcome, _) in cases.items() if name.endswith("::smoke")}
        self.assertEqual(smokes, {"lib::tests::smoke": "passed", "bin(tally)::tests::smoke": "passed",
                                  "test(api)::smoke": "passed", "test(cli)::smoke": "passed",
                                  "test(shadow)::smoke": "failed"})
        failure = cases["test(shadow)::smoke"][1].find("failure")
        self.assertIn("arithmetic is broken", failure.get("message"))
        self.assertIn("tests/shadow.rs:5", failure.get("message"))
        self.assertIn("context printed before the failure", failure.text)
        self.assertRegex(failure.text, r"right: `?5")
        self.assertIn("FAIL test(shadow)::smoke", r.out)
        self.assertTrue(r.out.endswith("30 passed, 1 failed\n"), r)

    def test_flaky_test_passes_on_retry_with_exit_code_2(self):
        self.write(small_crate("offload_it_flaky", "", {"tests/flaky.rs": FLAKY_TEST,
                                                        "offload.toml": config(retries=1)}))
        r = self.run_offload("run")
        self.assertEqual(r.code, 2, r)
        self.assertIn("test(flaky)::passes_on_retry  [passed on attempt 2]", r.out)
        self.assertIn("2 passed (1 flaky), 0 failed", r.out)
        outcome, case = self.results()["test(flaky)::passes_on_retry"]
        self.assertEqual(outcome, "passed")
        self.assertIn("first attempt fails", case.find("flakyFailure").get("message"))


class BuildErrorTest(CargoProjectTest):
    def test_compile_error_at_discovery_shows_rustc_message(self):
        self.write(small_crate("offload_it_discovery_breaks", 'pub fn f() -> u32 {\n    "not a number"\n}\n'))
        self.write({"offload.toml": config()})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("error[E0308]: mismatched types", r.err)
        self.assertIn("src/lib.rs:2:5", r.err)
        self.assertIn("while listing the tests", r.err)

    def test_compile_error_in_a_batch_is_an_error_of_each_test(self):
        # The build breaks after discovery (as when a file changes meanwhile): the cargo command
        # offload runs for batches sets a cfg that turns compile_error! on.
        lib = ('#[cfg(offload_it_broken)]\ncompile_error!("the build broke on purpose");\n'
               '#[cfg(test)]\nmod tests {\n    #[test]\n    fn one() {}\n    #[test]\n    fn two() {}\n}\n')
        self.write(small_crate("offload_it_batch_breaks", lib, {
            "cargo.sh": 'case "$*" in *--list*) exec cargo "$@" ;; esac\n'
                        'RUSTFLAGS="--cfg offload_it_broken" exec cargo "$@"\n',
            "offload.toml": config('cargo = "sh ./cargo.sh"'),
        }))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = self.results()
        self.assertEqual({name: outcome for name, (outcome, _) in cases.items()},
                         {"lib::tests::one": "error", "lib::tests::two": "error"})
        # The worker builds the tests before it runs them: it ends before running any, and its
        # output says why.
        error = cases["lib::tests::one"][1].find("error")
        self.assertIn("before running it", error.get("message"))
        self.assertIn("error: the build broke on purpose", error.text)
        self.assertIn("src/lib.rs:2:1", error.text)

    def test_compile_error_in_a_cargo_test_batch_is_an_error_of_each_test(self):
        lib = ('#[cfg(offload_it_broken)]\ncompile_error!("the build broke on purpose");\n'
               '#[cfg(test)]\nmod tests {\n    #[test]\n    fn one() {}\n    #[test]\n    fn two() {}\n}\n')
        self.write(small_crate("offload_it_batch_breaks", lib, {
            "cargo.sh": 'case "$*" in *--list*) exec cargo "$@" ;; esac\n'
                        'RUSTFLAGS="--cfg offload_it_broken" exec cargo "$@"\n',
            "offload.toml": config('cargo = "sh ./cargo.sh"\nper_test_process = false'),
        }))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = self.results()
        self.assertEqual({name: outcome for name, (outcome, _) in cases.items()},
                         {"lib::tests::one": "error", "lib::tests::two": "error"})
        error = cases["lib::tests::one"][1].find("error")
        self.assertIn("`cargo test --lib` failed before running tests", error.get("message"))
        self.assertIn("error: the build broke on purpose", error.get("message"))
        self.assertIn("src/lib.rs:2:1", error.text)


class FeaturesTest(CargoProjectTest):
    def test_features_select_the_tests(self):
        lib = ('#[cfg(test)]\nmod tests {\n    #[test]\n    fn always() {}\n'
               '    #[cfg(feature = "extra")]\n    #[test]\n    fn only_with_extra() {}\n}\n')
        self.write(small_crate("offload_it_features", lib, manifest='[features]\nextra = []\n'))
        for features, expected in (("", ["lib::tests::always"]),
                                   ('features = "extra"', ["lib::tests::always", "lib::tests::only_with_extra"])):
            with self.subTest(features=features):
                self.write({"offload.toml": config(features)})
                r = self.run_offload("collect")
                self.assertEqual(r.code, 0, r)
                self.assertEqual(r.out.split("\n")[:-1], expected)
        # And the batches build with the feature too: the test exists there.
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(self.results()["lib::tests::only_with_extra"][0], "passed")


class RunawayTest(CargoProjectTest):
    def test_timed_out_test_fails_alone_and_the_others_keep_their_results(self):
        lib = ('#[cfg(test)]\nmod tests {\n'
               '    #[test]\n    fn a_quick() {}\n'
               '    #[test]\n    fn b_hangs() {\n        std::thread::sleep(std::time::Duration::from_secs(60));\n    }\n'
               '    #[test]\n    fn c_quick() {}\n'
               '    #[test]\n    fn d_quick() {}\n}\n')
        self.write(small_crate("offload_it_hangs", lib))
        self.write({"offload.toml": config(parallel=1, timeout=3)})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = self.results()
        self.assertEqual({name: outcome for name, (outcome, _) in cases.items()},
                         {"lib::tests::a_quick": "passed", "lib::tests::b_hangs": "failed",
                          "lib::tests::c_quick": "passed", "lib::tests::d_quick": "passed"})
        self.assertIn("timeout", cases["lib::tests::b_hangs"][1].find("failure").get("message"))

    def test_a_test_that_aborts_fails_alone_and_says_so(self):
        lib = ('#[cfg(test)]\nmod tests {\n'
               '    #[test]\n    fn aborts() {\n        std::process::abort();\n    }\n'
               '    #[test]\n    fn passes() {}\n}\n')
        self.write(small_crate("offload_it_aborts", lib))
        self.write({"offload.toml": config()})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        outcome, case = self.results()["lib::tests::aborts"]
        self.assertEqual(outcome, "failed")
        self.assertIn("SIGABRT", case.find("failure").get("message"))
        self.assertEqual(self.results()["lib::tests::passes"][0], "passed")

    def test_a_crashing_test_binary_in_a_cargo_test_batch_is_an_error_that_says_so(self):
        lib = ('#[cfg(test)]\nmod tests {\n'
               '    #[test]\n    fn aborts() {\n        std::process::abort();\n    }\n}\n')
        self.write(small_crate("offload_it_aborts", lib))
        self.write({"offload.toml": config("per_test_process = false")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        outcome, case = self.results()["lib::tests::aborts"]
        self.assertEqual(outcome, "error")
        self.assertIn("the test binary died (signal: 6, SIGABRT", case.find("error").get("message"))


# Tests whose output imitates libtest's, through a child process (libtest captures only what the
# test itself prints). They run with one test thread, in the order of their names, and libtest
# then prints "test NAME ... " when a test starts and its result when it ends.
FORGED_TESTS = {
    # The child's "ok" completes the failing test's line; libtest's FAILED comes after it.
    "tests/child_ok.rs": r'''
#[test]
fn fails_after_a_child_prints_ok() {
    std::process::Command::new("sh").args(["-c", "echo ok"]).status().unwrap();
    panic!("the real failure");
}

#[test]
fn passes() {}
''',
    # b prints a pass for a after a's real FAILED line.
    "tests/after_failure.rs": r'''
#[test]
fn a_fails() {
    panic!("a fails for real");
}

#[test]
fn b_prints_a_pass_for_a() {
    std::process::Command::new("sh").args(["-c", "echo; echo 'test a_fails ... ok'"]).status().unwrap();
}
''',
    # A result line for a test that does not exist: libtest's summary counts one pass fewer.
    "tests/phantom.rs": r'''
#[test]
fn a_passes() {}

#[test]
fn b_prints_a_phantom_pass() {
    std::process::Command::new("sh").args(["-c", "echo; echo 'test phantom ... ok'"]).status().unwrap();
}
''',
    # b takes the test binary down after a passed: no summary.
    "tests/aborts.rs": r'''
#[test]
fn a_passes() {}

#[test]
fn b_aborts() {
    std::process::abort();
}
''',
}


class ForgedOutputTest(CargoProjectTest):
    """A `cargo test` batch (per_test_process = false) reads libtest's output, which a test can
    add lines to: a pass is believed only when cargo's exit status, libtest's summary and its result
    lines agree, and a later line never covers a failure. (With a process per test, the default,
    each test's exit status decides: see WorkerForgedOutputTest.)"""

    def setUp(self):
        super().setUp()
        self.write(small_crate("offload_it_forged", "", {
            **FORGED_TESTS,
            # Exits 3 after cargo passed every test: the batch's exit status contradicts them.
            "cargo.sh": 'case "$*" in *--list*) exec cargo "$@" ;; esac\ncargo "$@" || exit\nexit 3\n',
            "offload.toml": config("per_test_process = false", parallel=1),
        }))

    def run_filtered(self, pattern):
        """Runs the tests whose ids match pattern all in one batch: one sandbox, and a second run,
        which plans from the first one's timing history (the first run starts with small batches)."""
        for _ in range(2):
            r = offload("run", "--filter", pattern, cwd=self.project, env={**CARGO_ENV, "RUST_TEST_THREADS": "1"})
        return r

    def outcomes(self):
        return {name: outcome for name, (outcome, _) in self.results().items()}

    def message(self, test):
        outcome, case = self.results()[test]
        return case.find({"failed": "failure", "error": "error"}[outcome]).get("message")

    def test_a_child_printing_ok_does_not_pass_a_failing_test(self):
        r = self.run_filtered("child_ok")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"test(child_ok)::fails_after_a_child_prints_ok": "failed",
                                           "test(child_ok)::passes": "passed"})
        self.assertIn("the real failure", self.message("test(child_ok)::fails_after_a_child_prints_ok"))

    def test_a_pass_printed_after_the_real_failure_does_not_cover_it(self):
        r = self.run_filtered("after_failure")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"test(after_failure)::a_fails": "failed",
                                           "test(after_failure)::b_prints_a_pass_for_a": "passed"})
        self.assertIn("a fails for real", self.message("test(after_failure)::a_fails"))

    def test_passes_are_errors_when_libtests_summary_disagrees_with_its_lines(self):
        r = self.run_filtered("phantom")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"test(phantom)::a_passes": "error",
                                           "test(phantom)::b_prints_a_phantom_pass": "error"})
        self.assertIn("libtest's summary (2 passed, 0 failed, 0 ignored) disagrees with its result lines "
                      "(3 passed, 0 failed, 0 ignored)", self.message("test(phantom)::a_passes"))

    def test_passes_are_errors_when_the_test_binary_died(self):
        r = self.run_filtered("aborts")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"test(aborts)::a_passes": "error", "test(aborts)::b_aborts": "error"})
        self.assertIn("without libtest's summary (the test binary died: signal: 6, SIGABRT",
                      self.message("test(aborts)::a_passes"))

    def test_passes_are_errors_when_cargo_exits_non_zero(self):
        self.write({"offload.toml": config('cargo = "sh ./cargo.sh"\nper_test_process = false', parallel=1)})
        r = self.run_filtered(r"test\(phantom\)::a_passes")
        self.assertEqual(r.code, 1, r)
        self.assertEqual(self.outcomes(), {"test(phantom)::a_passes": "error"})
        self.assertIn("cargo exited with status 3 although libtest reported no failure",
                      self.message("test(phantom)::a_passes"))


class WorkerForgedOutputTest(CargoProjectTest):
    """The same tests through `offload run` with a process per test (the default): each test's
    exit status decides, whatever it or its children print."""

    def setUp(self):
        super().setUp()
        self.write(small_crate("offload_it_forged", "", {**FORGED_TESTS, "offload.toml": config(parallel=2)}))

    def outcomes(self, r):
        self.assertEqual(r.code, 1, r)
        return {name: outcome for name, (outcome, _) in self.results().items()}

    def test_forged_lines_never_pass_a_failing_test(self):
        r = offload("run", cwd=self.project, env={**CARGO_ENV, "RUST_TEST_THREADS": "1"})
        outcomes = self.outcomes(r)
        self.assertEqual(outcomes["test(child_ok)::fails_after_a_child_prints_ok"], "failed")
        self.assertEqual(outcomes["test(child_ok)::passes"], "passed")
        self.assertEqual(outcomes["test(after_failure)::a_fails"], "failed")
        self.assertEqual(outcomes["test(after_failure)::b_prints_a_pass_for_a"], "passed")
        # The test that aborts fails alone; the one beside it in the same binary passes.
        self.assertEqual(outcomes["test(aborts)::b_aborts"], "failed")
        self.assertEqual(outcomes["test(aborts)::a_passes"], "passed")


class WorkspaceTest(CargoProjectTest):
    def setUp(self):
        super().setUp()
        # Two packages with the same test; only beta's fails, so a result tells where it ran.
        member = ('#[cfg(test)]\nmod tests {\n    #[test]\n    fn works() {\n'
                  '        assert_ne!(env!("CARGO_PKG_NAME"), "offload_it_beta", "only beta fails");\n    }\n}\n')
        self.write({
            "Cargo.toml": '[workspace]\nmembers = ["offload_it_alpha", "offload_it_beta"]\nresolver = "2"\n',
            **{f"{name}/{path}": text for name in ("offload_it_alpha", "offload_it_beta")
               for path, text in small_crate(name, member).items()},
        })

    def test_package_selects_one_package(self):
        self.write({"offload.toml": config('package = "offload_it_beta"')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        cases = self.results()
        self.assertEqual(list(cases), ["lib::tests::works"])
        self.assertIn("only beta fails", cases["lib::tests::works"][1].find("failure").get("message"))

    def test_workspace_ids_name_their_package(self):
        self.write({"offload.toml": config("workspace = true")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertEqual({name: outcome for name, (outcome, _) in self.results().items()},
                         {"offload_it_alpha/lib::tests::works": "passed",
                          "offload_it_beta/lib::tests::works": "failed"})


if __name__ == "__main__":
    main()
