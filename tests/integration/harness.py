"""Shared helpers of offload's integration tests.

The tests drive the offload binary as a user would: a staged `meson install` of the build tree
(so the installed layout, relative plugin lookup and all, is what is tested), small projects
written into temporary directories, and assertions on exit codes, messages and JUnit reports.
Only the Python standard library is used.
"""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

BUILD_DIR = pathlib.Path(os.environ["OFFLOAD_BUILD_DIR"])
SOURCE_DIR = pathlib.Path(os.environ["OFFLOAD_SOURCE_DIR"])
FIXTURE_PLUGINS = pathlib.Path(os.environ["OFFLOAD_FIXTURE_PLUGINS"])

_installed = None

# Slower builds (the sanitizer build) stretch every time limit of the tests by this factor.
TIME_FACTOR = float(os.environ.get("OFFLOAD_TEST_TIME_FACTOR", "1"))


def seconds(limit):
    """A time limit of a test, stretched for slow builds."""
    return limit * TIME_FACTOR


class Installed:
    """A staged install of the build tree: DESTDIR/<prefix>/bin/offload and friends."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        self.offload = next(self.root.rglob("bin/offload"))
        self.prefix = self.offload.parent.parent
        self.plugin_dir = next(self.prefix.rglob("offload/plugins"))


def install(destdir=None):
    """Installs the build tree into destdir (a fresh temporary directory by default)."""
    global _installed
    if destdir is None and _installed is not None:
        return _installed
    root = destdir or tempfile.mkdtemp(prefix="offload-install-")
    subprocess.run(["meson", "install", "-C", str(BUILD_DIR), "--no-rebuild", "--quiet", "--destdir", str(root)],
                   check=True, stdout=subprocess.DEVNULL)
    installed = Installed(root)
    if destdir is None:
        _installed = installed
    return installed


class Result:
    def __init__(self, completed, seconds):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr
        self.seconds = seconds

    def __repr__(self):
        return f"exit {self.code} after {self.seconds:.2f}s\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFLOAD_")}
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env


def offload(*args, cwd, env=None, timeout=120, stdin=subprocess.DEVNULL):
    """Runs the installed offload with args in cwd and returns a Result."""
    start = time.monotonic()
    completed = subprocess.run([str(install().offload), *map(str, args)], cwd=cwd, env=clean_env(env),
                               stdin=stdin, capture_output=True, text=True, errors="replace",
                               timeout=seconds(timeout))
    return Result(completed, time.monotonic() - start)


def write_files(root, files):
    """Writes {relative path: text}; paths ending in .sh are made executable."""
    root = pathlib.Path(root)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if name.endswith(".sh"):
            path.chmod(0o755)


def toml_string(text):
    """A TOML basic string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def generic_config(discover, run, *, parallel=2, timeout=60, retries=0, provider="process", provider_extra="",
                   discovery_extra=""):
    """offload.toml for the generic framework on `provider` (a 1 s kill grace), plus extra keys."""
    return f"""[offload]
max_parallel = {parallel}
test_timeout_secs = {timeout}
retry_count = {retries}

[provider]
type = "{provider}"
kill_grace_secs = 1
{provider_extra}

[discovery]
type = "generic"
discover_command = {toml_string(discover)}
run_command = {toml_string(run)}
{discovery_extra}
"""


def pytest_config(python, *, parallel=2, discovery_extra=""):
    """offload.toml for the pytest framework with `python` on local processes, plus [discovery] keys."""
    return f"""[offload]
max_parallel = {parallel}
[provider]
type = "process"
[discovery]
type = "pytest"
python = {toml_string(python)}
{discovery_extra}
"""


def junit(path):
    """{test id: (outcome, element)} of offload's JUnit report; outcome is passed, failed,
    error, skipped, or not run. The file must be well-formed XML."""
    tree = ET.parse(path)
    cases = {}
    for case in tree.getroot().iter("testcase"):
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "skipped"):
                outcome = "failed" if child.tag == "failure" else "skipped"
            elif child.tag == "error":
                outcome = "not run" if child.get("type") == "not-run" else "error"
        cases[case.get("name")] = (outcome, case)
    return cases


def processes_with_env(entry):
    """Pids of live processes whose environment contains entry ("NAME=value")."""
    needle = entry.encode() + b"\0"
    pids = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and needle in environ + b"\0":
            pids.append(int(proc.name))
    return pids


def wait_until(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + seconds(timeout)
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class ProjectTest(unittest.TestCase):
    """A test with its own project directory (self.project), removed afterwards."""

    def setUp(self):
        self.project = pathlib.Path(tempfile.mkdtemp(prefix="offload-it-"))
        self.addCleanup(shutil.rmtree, self.project, ignore_errors=True)

    def write(self, files):
        write_files(self.project, files)

    def run_offload(self, *args, **kwargs):
        return offload(*args, cwd=self.project, **kwargs)


# Why the module's tests cannot run on this machine (skip_module), None when they can.
_module_skipped = None


def skip_module(reason):
    """Skips every test of the calling module, from its setUpModule: a machine without the engine
    the module needs (sshd, Slurm, podman...). Run as a script (meson), the module then exits 77,
    which meson counts as skipped; under pytest (offload's own run) its tests are skipped with the
    reason. Never exits the process: a pytest worker runs other modules' tests too."""
    global _module_skipped
    _module_skipped = reason
    print(f"SKIP: {reason}", file=sys.stderr, flush=True)
    raise unittest.SkipTest(reason)


def main():
    program = unittest.main(module="__main__", verbosity=2, exit=False)
    result = program.result
    if _module_skipped is not None and result.wasSuccessful():
        sys.exit(77)
    sys.exit(0 if result.wasSuccessful() else 1)
