"""Configurations of the Rust offload (imbue-ai/offload), both of its forms, read as they are:
`offload validate` accepts them and says what each key became, `offload migrate` writes them in
offload's form (which validates and means the same), and they run: on local processes a small
pytest project of the tests' own (a flaky test passes on retry, a failing suite fails, through a
`uv` stand-in), on commands of a default provider, and on Modal through the recorded fake SDK
(tests/fixtures/modal). The fixtures (tests/fixtures/rust-offload) are written in their forms for
these tests and use every key and placeholder of both forms.
"""
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, junit, main

FIXTURES = SOURCE_DIR / "tests" / "fixtures" / "rust-offload"
MODAL_FAKE = SOURCE_DIR / "tests" / "fixtures" / "modal"
CONFIGS = sorted(p.name for p in FIXTURES.glob("*.toml"))
VALID = [name for name in CONFIGS if not name.startswith("error-")]

# Every key of both forms (their src/config/schema.rs at v0.9.10, and at f6cf08c for the early
# one), by table.
KEYS = {
    "offload": ["max_parallel", "test_timeout_secs", "retry_count", "working_dir", "stream_output",
                "sandbox_repo_root", "sandbox_project_root", "sandbox_init_cmd", "post_patch_cmd",
                "impatiently_requeue_batches", "max_parallel_collection"],
    "provider": ["type", "working_dir", "env", "shell", "prepare_command", "create_command", "exec_command",
                 "destroy_command", "download_command", "timeout_secs", "copy_dirs", "cpu_cores", "dockerfile",
                 "include_cwd", "memory_gb", "experimental_options"],
    "framework": ["type", "paths", "command", "run_args", "test_id_format", "package", "features", "bin",
                  "include_ignored", "discover_command", "run_command", "result_file", "working_dir"],
    "groups": ["type", "paths", "python", "markers", "extra_args", "filters", "retry_count",
               "schedule_individual", "discover_command", "run_command", "result_file", "working_dir",
               "package", "features", "bin", "include_ignored"],
    "report": ["output_dir", "junit", "junit_file", "download_globs", "download_globs_failure_only"],
    "history": ["path", "record_history", "reservoir_size", "default_duration_secs"],
    "checkpoint": ["build_inputs"],
}
TYPES = {"provider": ["local", "process", "default", "remote", "modal"],
         "framework": ["pytest", "nextest", "default", "vitest"], "groups": ["pytest", "cargo", "default"]}
PLACEHOLDERS = ["{sandbox_id}", "{command}", "{image_id}", "{paths}", "{cpu_cores}", "{tests}", "{filters}",
                "@modal_sandbox.py"]

# What `offload validate` must say about some keys: (fixture, line fragment).
MAPPINGS = [
    ("early-local.toml", "early-local.toml:11:1: [provider] type = \"local\" → [provider] type = \"process\""),
    ("early-local.toml", "[groups.unit] extra_args = [\"-B\"] → [discovery] python = [\"python3\", \"-B\"]"),
    ("early-local.toml", "[offload] stream_output = true → no effect here"),
    ("early-groups.toml", "[groups.unit] markers = \"not slow\" → [groups.unit] filters = \"-m 'not slow'\""),
    ("early-groups.toml", "[discovery] python = [\"uv\", \"run\", \"--with=pytest\", \"python\"]"),
    ("early-remote.toml", "[groups.rust] → [discovery.rust]"),
    ("early-remote.toml", "[provider] type = \"remote\" → [provider] type = \"script\""),
    ("early-modal.toml", "[provider] type = \"default\" → [provider] type = \"modal\""),
    ("current-pytest-local.toml", "[framework] command = \"uv run --with=pytest pytest\" → [discovery] python = "
                                  "[\"uv\", \"run\", \"--with=pytest\", \"python\"]"),
    ("current-pytest-local.toml", "[history] path = \"offload-history.jsonl\" → [history] import = "
                                  "[\"offload-history.jsonl\"]"),
    ("current-pytest-local.toml", "[offload] impatiently_requeue_batches = false → [offload] tail_hedging = false"),
    ("current-default.toml", "[offload] sandbox_init_cmd = \"true\" → [provider] prepare_command = "
                             "\"sh ./prepare.sh --copy-dir=data:/data --sandbox-init-cmd=true\""),
    ("current-modal.toml", "[offload] sandbox_repo_root = \"/app\" → [provider] workdir = \"/app\""),
    ("current-modal.toml", "[provider] memory_gb = 1 → [provider] memory = 1024"),
    ("current-default-modal.toml", "--include-cwd Dockerfile --copy-dir=data:/data\" → [provider] dockerfile = "
                                   "\"Dockerfile\""),
    ("current-nextest.toml", "[framework] type = \"nextest\" → [discovery] type = \"cargo\""),
    ("current-vitest.toml", "[framework] run_args = \"--silent\" → [discovery] extra_args = [\"--silent\"]"),
]


def bubblewrap_works():
    if shutil.which("bwrap") is None or shutil.which("nsenter") is None:
        return False
    probe = subprocess.run(["bwrap", "--unshare-pid", "--ro-bind", "/", "/", "true"], capture_output=True)
    return probe.returncode == 0


class RustOffloadTest(ProjectTest):
    maxDiff = None
    def setUp(self):
        super().setUp()
        shutil.copytree(FIXTURES / "project", self.project, dirs_exist_ok=True)
        for name in CONFIGS:
            shutil.copy(FIXTURES / name, self.project / name)
        self.bin = pathlib.Path(tempfile.mkdtemp(prefix="offload-uv-"))
        self.addCleanup(shutil.rmtree, self.bin, ignore_errors=True)
        shutil.copy(FIXTURES / "bin" / "uv", self.bin / "uv")
        (self.bin / "python3").symlink_to("/usr/bin/python3")
        self.uv_log = self.project / ".uv-calls"

    def env(self, extra=None):
        env = {"PATH": f"{self.bin}:{os.environ['PATH']}", "UV_SHIM_LOG": str(self.uv_log),
               "FLAKY_MARKER_DIR": str(self.project)}
        env.update(extra or {})
        return env

    def offload(self, *args, env=None, timeout=120):
        return self.run_offload(*args, env=self.env(env), timeout=timeout)

    @staticmethod
    def settings_of(validate_out):
        """The resolved settings `offload validate` prints, without the mapping and the file's path."""
        text = validate_out.split("# `offload migrate", 1)[-1]
        lines = [line for line in text.splitlines()[1:] if not line.startswith("# ")]
        text = "\n".join(line for line in lines if "with defaults filled in" not in line).strip()
        # Tables in a canonical order: the groups of a translated file have no position to order
        # them by (validate then lists them by name), those of the written file do.
        tables = [table.strip() for table in re.split(r"\n(?=\[)", text)]
        return "\n\n".join(sorted(tables))


class FixtureTest(RustOffloadTest):
    def test_the_fixtures_use_every_key_and_placeholder_of_both_forms(self):
        texts = {name: (FIXTURES / name).read_text() for name in CONFIGS}
        used = set()
        for name, text in texts.items():
            section = None
            for line in text.splitlines():
                header = re.match(r"\s*\[([a-z_]+)(?:\.[A-Za-z0-9_-]+)?\]", line)
                if header:
                    section = header.group(1)
                    continue
                key = re.match(r"\s*([a-z_]+)\s*=\s*(.*)", line)
                if key and section:
                    used.add((section, key.group(1)))
                    value = key.group(2).strip().strip('"')
                    if key.group(1) == "type":
                        used.add((section, "type=" + value))
        missing = [f"[{s}] {k}" for s, keys in KEYS.items() for k in keys if (s, k) not in used]
        missing += [f"[{s}] type = {t}" for s, types in TYPES.items() for t in types if (s, "type=" + t) not in used]
        all_text = "\n".join(texts.values())
        missing += [p for p in PLACEHOLDERS if p not in all_text]
        self.assertEqual(missing, [])


class ValidateTest(RustOffloadTest):
    def test_each_fixture_validates_and_says_what_each_key_became(self):
        for name in VALID:
            with self.subTest(name):
                result = self.offload("validate", "-c", name)
                self.assertEqual(result.code, 0, result)
                self.assertIn(f"{name} is in the Rust offload's", result.out)
                self.assertIn("offload migrate", result.err + result.out)
                # Every key of the file has its line.
                keys = sum(1 for line in (self.project / name).read_text().splitlines()
                           if re.match(r"\s*[a-z_]+\s*=", line))
                mapped = sum(1 for line in result.out.splitlines() if re.match(re.escape(name) + r":\d+:\d+: ", line))
                self.assertGreaterEqual(mapped, keys, result)
        for name, fragment in MAPPINGS:
            with self.subTest(name=name, fragment=fragment):
                result = self.offload("validate", "-c", name)
                self.assertIn(fragment, result.out)

    def test_what_offload_lacks_is_an_error_that_names_it(self):
        result = self.offload("validate", "-c", "error-unsupported.toml")
        self.assertEqual(result.code, 1, result)
        for fragment in ("error-unsupported.toml:4:1: error: [offload] post_patch_cmd = \"make setup\": not supported",
                         "[provider] experimental_options = { enable_gpu_snapshot = true }: not supported",
                         "[checkpoint]: not supported"):
            self.assertIn(fragment, result.err)

    def test_an_unknown_placeholder_is_an_error_listing_the_known_ones(self):
        result = self.offload("validate", "-c", "error-placeholder.toml")
        self.assertEqual(result.code, 1, result)
        self.assertIn("destroy_command", result.err)
        self.assertIn("{sandbox}", result.err)
        self.assertIn("{sandbox_ids}, {sandbox_id}", result.err)

    def test_variables_are_expanded_with_defaults_and_an_unset_one_is_located(self):
        result = self.offload("validate", "-c", "early-local.toml", env={"RESULTS_DIR": "elsewhere"})
        self.assertEqual(result.code, 0, result)
        self.assertIn(f"output_dir = '{self.project}/elsewhere'", result.out)
        result = self.offload("validate", "-c", "early-local.toml")
        self.assertIn(f"output_dir = '{self.project}/test-results'", result.out)
        (self.project / "ours.toml").write_text(
            '[provider]\ntype = "process"\n[discovery]\ntype = "pytest"\n'
            '[report]\noutput_dir = "out-${NO_SUCH_VARIABLE_HERE}"\njunit_file = "$${literal}.xml"\n')
        result = self.offload("validate", "-c", "ours.toml")
        self.assertEqual(result.code, 1, result)
        self.assertIn("ours.toml:6:14: error: environment variable NO_SUCH_VARIABLE_HERE is not set", result.err)
        (self.project / "ours.toml").write_text(
            '[provider]\ntype = "process"\n[discovery]\ntype = "pytest"\n'
            '[report]\noutput_dir = "out-${NO_SUCH_VARIABLE_HERE:-x}"\njunit_file = "$${literal}.xml"\n')
        result = self.offload("validate", "-c", "ours.toml")
        self.assertEqual(result.code, 0, result)
        self.assertIn("out-x/${literal}.xml", result.out)
        self.assertNotIn("Rust offload", result.out + result.err)


class MigrateTest(RustOffloadTest):
    def test_each_fixture_migrates_to_a_file_that_validates_and_means_the_same(self):
        for name in VALID:
            with self.subTest(name):
                target = "migrated-" + name
                result = self.offload("migrate", "-c", name, "-o", target)
                self.assertEqual(result.code, 0, result)
                original = self.offload("validate", "-c", name)
                migrated = self.offload("validate", "-c", target)
                self.assertEqual(migrated.code, 0, migrated)
                self.assertNotIn("Rust offload's", migrated.out + migrated.err)
                self.assertEqual(self.settings_of(migrated.out), self.settings_of(original.out))
                self.assertEqual((self.project / name).read_text(), (FIXTURES / name).read_text())

    def test_comments_are_kept_beside_their_keys(self):
        result = self.offload("migrate", "-c", "early-local.toml")
        self.assertEqual(result.code, 0, result)
        self.assertIn("# Every test but the slow ones.\nmarkers = \"not slow\"", result.out)
        self.assertIn("# no .pyc files\npython = [", result.out)
        self.assertIn("# Early form: one group holding a pytest framework", result.out)
        self.assertIn("# [offload] stream_output = true (Rust offload): no effect here", result.out)
        result = self.offload("migrate", "-c", "current-pytest-local.toml")
        self.assertIn("# The flaky test passes on its retry.\n[groups.flaky]", result.out)

    def test_migrate_never_overwrites_unless_asked_and_in_place_keeps_a_backup(self):
        original = (self.project / "early-local.toml").read_text()
        (self.project / "taken.toml").write_text("keep me\n")
        result = self.offload("migrate", "-c", "early-local.toml", "-o", "taken.toml")
        self.assertEqual(result.code, 1, result)
        self.assertIn("taken.toml exists", result.err)
        self.assertEqual((self.project / "taken.toml").read_text(), "keep me\n")
        result = self.offload("migrate", "-c", "early-local.toml", "-o", "early-local.toml")
        self.assertEqual(result.code, 1, result)
        self.assertEqual((self.project / "early-local.toml").read_text(), original)

        rewrite = self.offload("validate", "--rewrite", "-c", "early-local.toml")
        self.assertEqual(rewrite.code, 0, rewrite)
        self.assertEqual(rewrite.out, self.offload("migrate", "-c", "early-local.toml").out)

        result = self.offload("validate", "--rewrite", "--in-place", "-c", "early-local.toml")
        self.assertEqual(result.code, 0, result)
        self.assertEqual((self.project / "early-local.toml.bak").read_text(), original)
        self.assertEqual((self.project / "early-local.toml").read_text(), rewrite.out)
        result = self.offload("migrate", "--in-place", "-c", "early-local.toml")
        self.assertEqual(result.code, 1, result)
        self.assertIn("not in the Rust offload's form", result.err)

    def test_a_file_with_errors_is_not_migrated(self):
        result = self.offload("migrate", "-c", "error-unsupported.toml", "-o", "out.toml")
        self.assertEqual(result.code, 1, result)
        self.assertIn("post_patch_cmd", result.err)
        self.assertFalse((self.project / "out.toml").exists())


class LocalRunTest(RustOffloadTest):
    def require_groups(self, config):
        """Runs of several groups need offload's [groups.NAME] (per-group filters and retries)."""
        result = self.offload("validate", "-c", config)
        if "unknown section [groups]" in result.err:
            self.skipTest("this offload has no [groups.NAME] yet: it ignores them")

    def test_early_local_retries_the_flaky_test_and_passes(self):
        result = self.offload("run", "-c", "early-local.toml")
        self.assertEqual(result.code, 2, result)   # every test passed, one only on a retry
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["tests/test_flaky.py::test_flaky"][0], "passed")
        self.assertEqual(cases["tests/test_math.py::test_add"][0], "passed")
        self.assertNotIn("tests/test_slow.py::test_sleepy", cases)   # markers = "not slow"

    def test_local_retries_meet_their_first_attempt_through_the_shared_temporary_directory(self):
        # Their local provider leaves TMPDIR as it is, and their flaky example keeps its marker
        # there: translated, the retry (on another sandbox) finds it, as under the Rust offload.
        marker_dir = pathlib.Path(tempfile.gettempdir()) / (
            "offload-flaky-" + hashlib.sha1(str(self.project).encode()).hexdigest())
        self.addCleanup(shutil.rmtree, marker_dir, ignore_errors=True)
        env = self.env({"TMPDIR": tempfile.gettempdir()})
        del env["FLAKY_MARKER_DIR"]
        result = self.run_offload("run", "-c", "early-local.toml", env=env)
        self.assertEqual(result.code, 2, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["tests/test_flaky.py::test_flaky"][0], "passed")
        # Passed on its first retry, wherever that ran (not only once a retry came back to the
        # first attempt's sandbox).
        record = json.loads((self.project / "test-results" / "run.json").read_text())
        flaky = next(t for t in record["tests"] if t["id"] == "tests/test_flaky.py::test_flaky")
        self.assertEqual([a["outcome"] for a in flaky["attempts"]], ["failed", "passed"])
        self.assertIn("private_tmpdir = false", self.offload("validate", "-c", "early-local.toml").out)

    def test_current_failing_suite_fails_through_uv(self):
        result = self.offload("run", "-c", "current-fail-local.toml")
        self.assertEqual(result.code, 1, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["tests_fail/test_fail.py::test_fails"][0], "failed")
        self.assertEqual(cases["tests_fail/test_fail.py::test_passes"][0], "passed")
        self.assertIn("uv run --with=pytest python", self.uv_log.read_text())

    def test_current_groups_retry_each_group_as_configured(self):
        self.require_groups("current-pytest-local.toml")
        result = self.offload("run", "-c", "current-pytest-local.toml")
        self.assertEqual(result.code, 2, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["tests/test_flaky.py::test_flaky"][0], "passed")
        self.assertEqual(cases["tests/test_slow.py::test_sleepy"][0], "passed")
        self.assertEqual(len(cases), 5)
        self.assertIn("uv run --with=pytest python", self.uv_log.read_text())

    def test_early_groups_select_by_markers(self):
        self.require_groups("early-groups.toml")
        result = self.offload("run", "-c", "early-groups.toml")
        self.assertEqual(result.code, 2, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(len(cases), 5)

    def test_default_provider_commands_with_their_placeholders(self):
        result = self.offload("run", "-c", "current-default.toml")
        self.assertEqual(result.code, 0, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({k: v[0] for k, v in cases.items()}, {"alpha": "passed", "beta": "passed"})
        self.assertEqual((self.project / ".prepare-args").read_text().strip(),
                         "--copy-dir=data:/data --sandbox-init-cmd=true")
        # Every sandbox was destroyed, each by its own destroy_command with {sandbox_id}.
        self.assertEqual(list((self.project / "sandboxes").iterdir()), [])


class ModalRunTest(RustOffloadTest):
    def setUp(self):
        if not bubblewrap_works():
            self.skipTest("bubblewrap cannot make the fake Modal's sandboxes here (apt-get install bubblewrap)")
        super().setUp()
        self.state = pathlib.Path(tempfile.mkdtemp(prefix="offload-modal-state-"))
        self.addCleanup(shutil.rmtree, self.state, ignore_errors=True)

    def env(self, extra=None):
        return super().env({"MODAL_FAKE_STATE": str(self.state), "PYTHONPATH": str(MODAL_FAKE), **(extra or {})})

    def calls(self, name):
        lines = (self.state / "calls.jsonl").read_text().splitlines()
        return [c for c in map(json.loads, lines) if c["call"] == name]

    def run_modal(self, config):
        result = self.offload("run", "-c", config, timeout=300)
        self.assertEqual(result.code, 0, result)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(sorted(cases), ["tests/test_math.py::test_add", "tests/test_math.py::test_environment",
                                         "tests/test_math.py::test_sub", "tests/test_slow.py::test_sleepy"])
        self.assertTrue(all(outcome == "passed" for outcome, _ in cases.values()), cases)
        creates = self.calls("Sandbox.create")
        self.assertTrue(creates)
        self.assertEqual(len(self.calls("Sandbox.terminate")), len(creates))
        return creates

    def test_modal_provider_with_their_keys(self):
        creates = self.run_modal("current-modal.toml")
        self.assertEqual(creates[0]["kwargs"]["workdir"], "/app")
        self.assertEqual(creates[0]["kwargs"]["cpu"], 0.5)
        self.assertEqual(creates[0]["kwargs"]["memory"], 1024)
        self.assertEqual(self.calls("Image.run_commands")[0]["args"], ["pip install pytest"])
        self.assertIn("/data", [c["args"][1] for c in self.calls("Image.add_local_dir")])

    def test_their_bundled_modal_script_is_the_modal_provider(self):
        creates = self.run_modal("current-default-modal.toml")
        self.assertEqual(creates[0]["kwargs"]["memory"], 2048)
        self.assertEqual(creates[0]["kwargs"]["cpu"], 1.0)
        self.assertEqual(len(self.calls("Image.from_dockerfile")), 1)

    def test_the_early_bundled_modal_script(self):
        self.run_modal("early-modal.toml")


if __name__ == "__main__":
    main()
