#!/usr/bin/env python3
"""offload's scheduling benchmark: generates suites, runs offload and what users would pick
instead on the same machine in the same run, and prints one table per scenario.

    bench/run.py [skewed] [generic-skew] [light] [scale] [real DIR...] [cargo]
                 [--build BUILD_DIR] [--out DIR] [--repeat N]

skewed  ~300 pytest tests with log-normally distributed durations (sum ~100 s, a few of 5-8 s),
        8 at a time: offload (first run, then with its timing history), pytest-xdist -n 8,
        ctest -j 8 (second run, with its cost data), serial pytest. Also writes skewed.png.
generic-skew  the same durations as plain sleeping processes (generic framework): one process per
        test and workers fed live, first run and with a history, against xargs -P 8.
light   ~2000 trivial pytest tests, 2 at a time: offload vs pytest -n 2 vs serial pytest.
scale   generic tests with a trivial run command at 10k, 30k and 100k tests: offload's own CPU
        time and peak RSS (children excluded), to show that they grow linearly.
real DIR...  real, public pytest suites (bench/suites.toml; `bench/get-suites DIR` fetches them),
        2 at a time, each --repeat times, medians: offload first run (no history) and with its
        history vs pytest -n 2 and serial pytest, with their pass/fail counts checked against each
        other, and where offload's time goes (discovery, worker start-up, the tests themselves).
cargo   examples/cargo, 2 at a time, after one warm-up build: offload first run and with its
        history vs cargo test (its own threads) and cargo test -- --test-threads=1.

`real` and `cargo` are not run by default: `bench/run.py real ~/suites/* cargo`. A DIR of `real`
is never written to: each suite runs in a temporary copy, which gets the offload.toml.

Every time is wall-clock time of the whole command, discovery included. The lower bound of a
scenario is max(sum of test durations / P, longest test). Needs: /usr/bin/python3 with pytest and
pytest-xdist, cmake (ctest), gnuplot (for the chart); `tools/bootstrap --tests` plus
`apt-get install gnuplot-nox`; for `real`, the packages `bench/get-suites --apt` prints; for
`cargo`, cargo. Python 3.11 or later runs this script (tomllib).
"""
import argparse
import json
import math
import os
import pathlib
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib

PYTHON = "/usr/bin/python3"   # Debian's, which has pytest; `python3` on PATH may not
ROOT = pathlib.Path(__file__).resolve().parent.parent
SUITES = ROOT / "bench" / "suites.toml"   # the real suites of the `real` scenario


def run(command, cwd, env=None, quiet=True):
    """Runs command; returns (wall seconds, completed process)."""
    start = time.monotonic()
    completed = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=quiet,
                               text=True)
    return time.monotonic() - start, completed


def durations_for_skewed(count=300, total=100.0, seed=7):
    """Log-normal durations scaled to `total` seconds, with a few long ones of 5-8 s."""
    rng = random.Random(seed)
    raw = [rng.lognormvariate(0, 1.0) for _ in range(count)]
    long_ones = [5.0, 6.0, 7.0, 8.0]
    scale = (total - sum(long_ones)) / sum(raw[len(long_ones):])
    values = long_ones + [r * scale for r in raw[len(long_ones):]]
    values = [min(v, 4.5) if i >= len(long_ones) else v for i, v in enumerate(values)]
    rng.shuffle(values)
    return values


def write_pytest_suite(directory, durations, files=30):
    """Test modules whose tests sleep for the given durations; returns the node ids."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    ids = []
    per_file = math.ceil(len(durations) / files)
    for f in range(files):
        chunk = durations[f * per_file:(f + 1) * per_file]
        if not chunk:
            break
        lines = ["import time", ""]
        for i, seconds in enumerate(chunk):
            lines += [f"def test_{i:03d}():", f"    time.sleep({seconds:.4f})", ""]
            ids.append(f"test_m{f:02d}.py::test_{i:03d}")
        (directory / f"test_m{f:02d}.py").write_text("\n".join(lines))
    return ids


def offload_config(directory, parallel, extra=""):
    (directory / "offload.toml").write_text(f"""[offload]
max_parallel = {parallel}
test_timeout_secs = 600
[report]
output_dir = "offload-report"
[provider]
type = "process"
[discovery]
type = "pytest"
python = "{PYTHON}"
{extra}
""")


def write_ctest_project(directory, ids):
    """The same tests registered one by one with ctest."""
    lines = ["cmake_minimum_required(VERSION 3.16)", "project(bench NONE)", "enable_testing()"]
    for node in ids:
        name = node.replace(".py::", "__")
        lines.append(f'add_test(NAME {name} COMMAND {PYTHON} -m pytest -q -p no:cacheprovider "{node}" '
                     f'WORKING_DIRECTORY "{directory}")')
    (directory / "CMakeLists.txt").write_text("\n".join(lines) + "\n")


def table(title, lower_bound, rows):
    print(f"\n{title}")
    print(f"  lower bound max(sum/P, longest): {lower_bound:.2f} s")
    print(f"  {'contender':<44} {'wall (s)':>9} {'ratio':>7}")
    for name, seconds in rows:
        ratio = f"{seconds / lower_bound:.3f}" if seconds is not None else "-"
        wall = f"{seconds:.2f}" if seconds is not None else "n/a"
        print(f"  {name:<44} {wall:>9} {ratio:>7}")
    sys.stdout.flush()


def check(completed, what):
    if completed.returncode != 0:
        print(f"  ! {what} exited with {completed.returncode}:\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}")


def skewed(offload, out):
    work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-skewed-"))
    durations = durations_for_skewed()
    ids = write_pytest_suite(work / "suite", durations)
    parallel = 8
    lower = max(sum(durations) / parallel, max(durations))
    rows = []
    suite = work / "suite"
    offload_config(suite, parallel)
    seconds, completed = run([offload, "run"], suite)
    check(completed, "offload (first run)")
    rows.append(("offload, first run (no history)", seconds))
    seconds, completed = run([offload, "run"], suite)
    check(completed, "offload (with history)")
    rows.append(("offload, with timing history", seconds))
    seconds, completed = run([PYTHON, "-m", "pytest", "-q", "-n", str(parallel), "--dist", "load"], suite)
    check(completed, "pytest -n 8 --dist load")
    rows.append((f"pytest -n {parallel} --dist load (xdist)", seconds))
    probe = subprocess.run([PYTHON, "-m", "pytest", "--help"], capture_output=True, text=True).stdout
    if "worksteal" in probe:
        seconds, completed = run([PYTHON, "-m", "pytest", "-q", "-n", str(parallel), "--dist", "worksteal"], suite)
        check(completed, "pytest --dist worksteal")
        rows.append((f"pytest -n {parallel} --dist worksteal (xdist)", seconds))
    else:
        rows.append(("pytest --dist worksteal (not in this xdist)", None))
    if shutil.which("ctest"):
        ctest_dir = work / "ctest"
        ctest_dir.mkdir()
        write_ctest_project(suite, ids)
        run(["cmake", "-S", str(suite), "-B", str(ctest_dir)], work)
        run(["ctest", "-j", str(parallel)], ctest_dir)   # first run: ctest learns the costs
        seconds, completed = run(["ctest", "-j", str(parallel)], ctest_dir)
        check(completed, "ctest")
        rows.append((f"ctest -j {parallel} (second run, with cost data)", seconds))
    seconds, completed = run([PYTHON, "-m", "pytest", "-q"], suite)
    check(completed, "serial pytest")
    rows.append(("serial pytest", seconds))
    table(f"skewed: {len(durations)} pytest tests, sum {sum(durations):.1f} s, longest {max(durations):.1f} s, "
          f"P = {parallel}", lower, rows)
    chart(out / "skewed.png", lower, rows)
    shutil.rmtree(work, ignore_errors=True)


def chart(path, lower, rows):
    if not shutil.which("gnuplot"):
        print(f"  (no gnuplot: {path} not written; apt-get install gnuplot-nox)")
        return
    data = path.with_suffix(".dat")
    with open(data, "w") as f:
        for name, seconds in rows:
            if seconds is not None:
                f.write(f'"{name}" {seconds:.3f}\n')
    script = f"""set terminal pngcairo size 1000,520 noenhanced
set output '{path}'
set title 'skewed suite: wall time per contender (lower bound {lower:.1f} s)'
set style fill solid 0.8
set boxwidth 0.6
set ylabel 'seconds'
set xtics rotate by -25
set grid ytics
set yrange [0:*]
set arrow from graph 0, first {lower:.3f} to graph 1, first {lower:.3f} nohead dashtype 2 lw 2 lc rgb 'red'
plot '{data}' using 0:2:xtic(1) with boxes notitle lc rgb '#3b6ea5', \\
     '' using 0:2:(sprintf('%.1f', $2)) with labels offset 0,1 notitle
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=False)
    data.unlink()
    print(f"  chart: {path}")


def generic_skew(offload, out):
    """The skewed durations as plain processes (generic framework, no interpreter to start): what
    scheduling alone achieves, first run and with a history, one process per test and in workers."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-generic-"))
    durations = durations_for_skewed()
    parallel = 8
    lower = max(sum(durations) / parallel, max(durations))
    (work / "t").mkdir()
    for i, seconds in enumerate(durations):
        (work / "t" / f"t{i:03d}").write_text(f"{seconds:.4f}\n")
    (work / "worker.sh").write_text(r"""mark=$OFFLOAD_EVENT_MARK; unset OFFLOAD_EVENT_MARK
while printf '%s next\n' "$mark" && IFS= read -r line; do
    id=${line#run id=}
    printf '%s start id=%s\n' "$mark" "$id"
    sleep "$(cat "t/$id")"
    printf '%s end id=%s outcome=passed\n' "$mark" "$id"
done
printf '%s done\n' "$mark"
""")
    rows = []
    for name, discovery in [("one process per test", 'run_command = "sleep $(cat t/{tests})"'),
                            ("workers fed live", 'worker_command = "sh worker.sh"')]:
        (work / "offload.toml").write_text(f"""[offload]
max_parallel = {parallel}
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "ls t"
{discovery}
""")
        shutil.rmtree(work / ".offload", ignore_errors=True)
        seconds, completed = run([offload, "run"], work)
        check(completed, f"offload generic ({name}, first run)")
        rows.append((f"offload, {name}, first run", seconds))
        seconds, completed = run([offload, "run"], work)
        check(completed, f"offload generic ({name}, with history)")
        rows.append((f"offload, {name}, with history", seconds))
    ids = " ".join(f"t{i:03d}" for i in range(len(durations)))
    seconds, completed = run(["sh", "-c", f"for t in {ids}; do echo $t; done | xargs -P {parallel} -I{{}} "
                                          f"sh -c 'sleep $(cat t/{{}})'"], work)
    check(completed, "xargs -P 8")
    rows.append((f"xargs -P {parallel} (discovery order)", seconds))
    table(f"generic skew: {len(durations)} sleeping processes, sum {sum(durations):.1f} s, longest "
          f"{max(durations):.1f} s, P = {parallel}", lower, rows)
    shutil.rmtree(work, ignore_errors=True)


def light(offload, out):
    work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-light-"))
    durations = [0.0] * 2000
    write_pytest_suite(work / "suite", durations, files=40)
    suite = work / "suite"
    parallel = 2
    offload_config(suite, parallel)
    rows = []
    seconds, completed = run([offload, "run"], suite)
    check(completed, "offload (first run)")
    rows.append(("offload, first run", seconds))
    seconds, completed = run([offload, "run"], suite)
    check(completed, "offload (with history)")
    rows.append(("offload, with timing history", seconds))
    seconds, completed = run([PYTHON, "-m", "pytest", "-q", "-n", str(parallel)], suite)
    check(completed, "pytest -n 2")
    rows.append((f"pytest -n {parallel} (xdist)", seconds))
    seconds, completed = run([PYTHON, "-m", "pytest", "-q"], suite)
    check(completed, "serial pytest")
    rows.append(("serial pytest", seconds))
    serial = rows[-1][1]
    table(f"light: {len(durations)} trivial pytest tests, P = {parallel} (ratio to serial pytest)", serial, rows)
    shutil.rmtree(work, ignore_errors=True)


JUNIT_WRITER = r"""
import sys
path, ids = sys.argv[1], sys.argv[2:]
with open(path, "w") as f:
    f.write('<testsuite name="scale">')
    for i in ids:
        f.write(f'<testcase name="{i}" time="0.001"/>')
    f.write("</testsuite>")
"""


def scale(offload, out):
    print("\nscale: generic tests with a trivial run command; offload's own cost, children excluded")
    print(f"  {'tests':>8} {'wall (s)':>9} {'offload CPU (s)':>16} {'peak RSS (MB)':>14} {'CPU per 1k tests (ms)':>22}")
    for count in (10_000, 30_000, 100_000):
        work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-scale-"))
        (work / "ids.txt").write_text("".join(f"suite/test_{i:06d}\n" for i in range(count)))
        (work / "writer.py").write_text(JUNIT_WRITER)
        (work / "offload.toml").write_text(f"""[offload]
max_parallel = 8
[history]
enabled = false
[provider]
type = "process"
[discovery]
type = "generic"
discover_command = "cat ids.txt"
run_command = "{PYTHON} writer.py {{result_file}} {{tests}}"
""")
        seconds, completed = run([offload, "-v", "run"], work)
        check(completed, f"offload with {count} tests")
        match = re.search(r"resource use of offload itself: ([\d.]+) s CPU .* ([\d.]+) MB peak RSS", completed.stderr)
        cpu, rss = (float(match.group(1)), float(match.group(2))) if match else (float("nan"), float("nan"))
        print(f"  {count:>8} {seconds:>9.2f} {cpu:>16.2f} {rss:>14.1f} {1000 * cpu / count * 1000:>22.2f}")
        sys.stdout.flush()
        shutil.rmtree(work, ignore_errors=True)

# The `real` and `cargo` scenarios: real suites, each run `repeat` times, medians reported.

PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def seconds_text(value, width=7):
    return f"{value:>{width}.2f}" if value is not None else f"{'n/a':>{width}}"


def timed(command, cwd, env=None):
    """Runs command; returns {wall, cpu, completed}: cpu is the user + system time of the command
    and of every descendant that was waited for (offload's workers, xdist's), which the other
    jobs of a busy machine inflate less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, completed = run(command, cwd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"wall": seconds, "cpu": cpu, "completed": completed}


def ms(seconds):
    return seconds * 1000 if seconds is not None else None


def collected_in(output):
    """The collection time pytest --collect-only -q reports ("2096 tests collected in 0.53s")."""
    match = re.search(r"collected.* in ([\d.]+)s\b", ANSI.sub("", output))
    return float(match.group(1)) if match else None


def pytest_counts(output):
    """pytest's closing line ("40 failed, 1992 passed, 47 skipped, 17 xfailed in 22.85s") as a
    dict, plus its session time under "seconds"; None when there is no such line (pytest crashed)."""
    for line in reversed(ANSI.sub("", output).splitlines()):
        session = re.search(r" in ([\d.]+)s\b", line)
        if session and PYTEST_COUNT.search(line):
            counts = {"seconds": float(session.group(1))}
            for number, word in PYTEST_COUNT.findall(line):
                counts["errors" if word == "error" else word] = int(number)
            return counts
    return None


def as_offload_counts(counts):
    """The counts offload should report for pytest's: an xpass passes, an error fails, an xfail is
    skipped (offload counts each test once; pytest counts a failed test whose teardown errs twice)."""
    if counts is None:
        return None
    return {"passed": counts.get("passed", 0) + counts.get("xpassed", 0),
            "failed": counts.get("failed", 0) + counts.get("errors", 0),
            "skipped": counts.get("skipped", 0) + counts.get("xfailed", 0)}


def counts_text(counts):
    if counts is None:
        return "no counts"
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"


def offload_json_run(offload, directory, env):
    """`offload run --message-format json` (the human output goes to stderr), as timed() with what
    the events tell: counts (not run counts as failed), the run phase (discovery's end to the
    last result), worker start-up (each worker's start to its first test, median), the tests' own
    durations summed (setup + call + teardown), each test's final outcome, the workers' time outside
    both per test; and discovery's time from "found N tests in X s" (or the discovery cache's check)."""
    result = timed([offload, "run", "--message-format", "json"], directory, env)
    completed = result["completed"]
    result.update(counts=None, flaky=0, run_phase=None, startup=None, workers=0, test_sum=0.0, outcomes={},
                  discovery=None, found=None, per_test_overhead=None, cached=False, listed=False)
    found = re.search(r"found (\d+) tests? in ([\d.]+)s", completed.stderr)
    # An offload with a discovery cache says instead: "found N tests in the discovery cache (K files
    # checked in M ms; ...)"; discovery's time is then the check's.
    cached = re.search(r"found (\d+) tests? in the discovery cache \(\d+ files? checked in ([\d.]+) ms",
                       completed.stderr)
    # An offload whose workers list the tests on a first run says "listing the tests in the workers";
    # "found N tests in X s" is then a worker's collection, inside the run phase, not before it.
    result["listed"] = "listing the tests in the workers" in completed.stderr
    if found:
        result["found"], result["discovery"] = int(found.group(1)), float(found.group(2))
        if result["listed"]:
            result["listing"], result["discovery"] = result["discovery"], 0.0
    elif cached:
        result["found"], result["discovery"] = int(cached.group(1)), float(cached.group(2)) / 1000
        result["cached"] = True
    batch_start, first_test, busy = {}, {}, 0.0
    for line in completed.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        kind = event.get("type")
        if kind == "batch-started":
            batch_start[event["batch"]] = event["time"]
        elif kind == "test-started":
            first_test.setdefault(event["batch"], event["time"])
        elif kind == "batch-finished":
            busy += event.get("duration") or 0.0
        elif kind == "test-finished":
            result["test_sum"] += event.get("duration") or 0.0
            result["outcomes"][event["id"]] = event["outcome"]
        elif kind == "run-finished":
            result["counts"] = {"passed": event["passed"], "failed": event["failed"] + event["not_run"],
                                "skipped": event["skipped"]}
            result["flaky"], result["run_phase"] = event["flaky"], event["duration"]
    result["workers"] = len(batch_start)
    startups = [first_test[b] - t for b, t in batch_start.items() if b in first_test]
    result["startup"] = median(startups)
    # What the workers spent outside their start-up and the tests' setup, call and teardown:
    # pytest's own work per test, offload's protocol, and what contention with each other adds.
    if result["found"]:
        result["per_test_overhead"] = (busy - sum(startups) - result["test_sum"]) / result["found"]
    return result


def serial_outcomes(directory, args, env):
    """Each test's outcome in a serial `pytest -v` run, in offload's words, to name the tests behind
    a count mismatch. A test reported twice (passed, then an error in teardown) keeps the worst."""
    _, completed = run([PYTHON, "-m", "pytest", "-v", "-p", "no:cacheprovider", *args], directory, env)
    words = {"PASSED": "passed", "XPASS": "passed", "SKIPPED": "skipped", "XFAIL": "skipped",
             "FAILED": "failed", "ERROR": "failed"}
    severity = {"passed": 0, "skipped": 1, "failed": 2}
    outcomes = {}
    for line in ANSI.sub("", completed.stdout).splitlines():
        match = re.match(r"^(\S.*?::.*?) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)(?: |$)", line)
        if match:
            test, outcome = match.group(1), words[match.group(2)]
            if severity[outcome] >= severity[outcomes.get(test, "passed")]:
                outcomes[test] = outcome
    return outcomes


def differing_tests(offload_outcomes, serial, limit=10):
    """Lines naming the tests whose outcome differs between offload's run and serial pytest -v's."""
    offload_words = {"error": "failed", "not-run": "failed"}
    lines = []
    for test in sorted(set(serial) | set(offload_outcomes)):
        mine = offload_words.get(offload_outcomes.get(test), offload_outcomes.get(test))
        if mine != serial.get(test):
            lines.append(f"      {test}: offload {mine or 'absent'}, serial pytest {serial.get(test) or 'absent'}")
    return lines[:limit] + ([f"      ... and {len(lines) - limit} more"] if len(lines) > limit else [])


REAL_CONTENDERS = {"first": "offload, first run (no history)", "history": "offload, with timing history",
                   "xdist": "pytest -n 2 (xdist)", "serial": "serial pytest"}


def real_suite_once(offload, directory, args, env, round_number):
    """One round of every contender on one suite, then the probes of where the time goes. The
    contenders take turns at going first (offload's two runs stay together, in their order), so
    that a burst of load from elsewhere does not always hit the same one."""
    pytest = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"]

    def offload_pair():
        shutil.rmtree(directory / ".offload", ignore_errors=True)     # no history
        shutil.rmtree(directory / "offload-report", ignore_errors=True)
        return {"first": offload_json_run(offload, directory, env),
                "history": offload_json_run(offload, directory, env)}
    groups = [offload_pair,
              lambda: {"xdist": timed(pytest + ["-n", "2", *args], directory, env)},
              lambda: {"serial": timed(pytest + args, directory, env)}]
    rounds = {}
    for index in range(len(groups)):
        rounds.update(groups[(index + round_number) % len(groups)]())
    rounds["python"] = timed([PYTHON, "-c", "pass"], directory, env)
    rounds["collect"] = timed(pytest + ["--collect-only", *args], directory, env)
    return rounds


def check_real_round(rounds, expected_tests, directory, args, env, warnings):
    """Exit codes and counts of one round against serial pytest's; appends warning lines."""
    serial_detail = None
    serial = rounds["serial"]["completed"]
    reference = as_offload_counts(pytest_counts(serial.stdout))
    if serial.returncode not in (0, 1) or reference is None:
        warnings.append(f"serial pytest exited with {serial.returncode}: {serial.stdout[-300:]}{serial.stderr[-300:]}")
    xdist = rounds["xdist"]["completed"]
    xdist_counts = as_offload_counts(pytest_counts(xdist.stdout))
    if xdist.returncode != serial.returncode:
        warnings.append(f"pytest -n 2 exited with {xdist.returncode}, serial pytest with {serial.returncode}")
    if xdist_counts != reference:
        warnings.append(f"pytest -n 2 counts {counts_text(xdist_counts)}; serial pytest {counts_text(reference)}")
    for key in ("first", "history"):
        result, label = rounds[key], REAL_CONTENDERS[key]
        code = result["completed"].returncode
        if code != (0 if serial.returncode == 0 else 1):
            warnings.append(f"{label} exited with {code} (serial pytest: {serial.returncode})"
                            + (f", {result['flaky']} flaky" if result["flaky"] else "")
                            + (f": {result['completed'].stderr[-400:]}" if code not in (0, 1, 2) else ""))
        if result["counts"] != reference:
            # pytest's closing line counts a test twice when its teardown errs after the call
            # (passed or failed, and an error): a serial pytest -v names each test's outcome.
            if serial_detail is None:
                serial_detail = serial_outcomes(directory, args, env)
            lines = differing_tests(result["outcomes"], serial_detail)
            if lines:
                warnings.append(f"{label} counts {counts_text(result['counts'])}; serial pytest "
                                f"{counts_text(reference)}\n" + "\n".join(lines))
            else:
                warnings.append(f"pytest's closing line ({counts_text(reference)}) counts tests twice that err in "
                                f"teardown; per test, {label} agrees with a serial pytest -v")
        if expected_tests and result["found"] is not None and result["found"] != expected_tests:
            warnings.append(f"{label} found {result['found']} tests; bench/suites.toml says {expected_tests}")


def real_table(name, settings, samples, warnings):
    """The medians of one suite: contenders side by side, then where offload's time goes."""
    def med(key, field):
        return median([s[key][field] for s in samples])
    walls = {key: med(key, "wall") for key in REAL_CONTENDERS}
    serial_counts = pytest_counts(samples[-1]["serial"]["completed"].stdout) or {}
    commit = f" @ {settings['commit'][:12]}" if "commit" in settings else ""
    print(f"\nreal: {name} ({settings.get('url', 'not in bench/suites.toml')}{commit}), P = 2, "
          f"median of {len(samples)}")
    found = med("first", "found")
    print(f"  {found:.0f} tests" if found is not None else "  ? tests", end="")
    print("; serial pytest: "
          f"{counts_text(as_offload_counts(serial_counts) if serial_counts else None)}"
          + (f" ({serial_counts['xfailed']} xfailed among the skipped)" if serial_counts.get("xfailed") else "")
          + (f"; {serial_counts['deselected']} deselected" if serial_counts.get("deselected") else ""))
    print(f"  {'contender':<34} {'wall (s)':>8} {'/ -n 2':>7} {'/ serial':>8} {'CPU (s)':>8}   wall of each run (s)")
    for key, label in REAL_CONTENDERS.items():
        wall = walls[key]
        over_xdist = f"{wall / walls['xdist']:.2f}" if wall and walls["xdist"] else "-"
        over_serial = f"{wall / walls['serial']:.2f}" if wall and walls["serial"] else "-"
        runs = " ".join(f"{s[key]['wall']:.2f}" for s in samples)
        print(f"  {label:<34} {seconds_text(wall, 8)} {over_xdist:>7} {over_serial:>8} "
              f"{seconds_text(med(key, 'cpu'), 8)}   {runs}")

    def rest(key):
        return median([s[key]["wall"] - (s[key]["discovery"] or 0) - (s[key]["run_phase"] or 0) for s in samples])
    rows = [("offload: discovery (or the discovery cache's check)", med("first", "discovery"),
             med("history", "discovery")),
            ("offload: a worker's listing of the tests (inside the run phase)",
             median([s["first"].get("listing") for s in samples]), None),
            ("offload: run phase (discovery's end to the last test)", med("first", "run_phase"),
             med("history", "run_phase")),
            ("offload: the rest (start, plugins, report, exit)", rest("first"), rest("history")),
            ("offload: a worker's start to its first test", med("first", "startup"), med("history", "startup")),
            ("offload: workers started", med("first", "workers"), med("history", "workers")),
            ("the tests' own durations, summed (offload's events)", med("first", "test_sum"),
             med("history", "test_sum")),
            ("offload: workers' time outside start-up and tests (ms/test)", ms(med("first", "per_test_overhead")),
             ms(med("history", "per_test_overhead")))]
    session = median([(pytest_counts(s["serial"]["completed"].stdout) or {}).get("seconds") for s in samples])
    collection = median([collected_in(s["collect"]["completed"].stdout) for s in samples])
    rows += [(f"{PYTHON} -c pass (interpreter start)", med("python", "wall"), None),
             ("pytest --collect-only (one start + the whole collection)", med("collect", "wall"), None),
             ("pytest --collect-only's own \"collected in X s\"", collection, None),
             ("serial pytest's own \"in X s\" (collection + tests)", session, None)]
    print(f"  {'where the time goes (medians, s)':<62} {'first run':>9}  {'with history':>12}")
    for label, first, history in rows:
        line = f"    {label:<60} {seconds_text(first, 9)}  {seconds_text(history, 12) if history is not None else ''}"
        print(line.rstrip())
    hits = {key: sum(s[key]["cached"] for s in samples) for key in ("first", "history")}
    if any(hits.values()):
        print(f"  offload took the test list from its discovery cache in {hits['first']} first runs and "
              f"{hits['history']} second runs of {len(samples)}")
    listed = sum(s["first"]["listed"] for s in samples)
    if listed:
        print(f"  the workers listed the tests (no discovery of its own) in {listed} first runs of {len(samples)}")
    for text in dict.fromkeys(warnings):
        print(f"  ! warning ({warnings.count(text)} of {len(samples)} runs): {text}")
    sys.stdout.flush()


def real(offload, out, paths, repeat):
    """Real pytest suites: each DIR is copied to a temporary directory (the copy gets offload.toml
    and the reports), warmed up once with a --collect-only (so that every contender finds the
    bytecode compiled), then the contenders run side by side, round after round over the suites."""
    with open(SUITES, "rb") as f:
        known = tomllib.load(f)
    work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-real-"))
    suites = []
    for path in paths:
        source = pathlib.Path(path).resolve()
        name = source.name
        settings = known.get(name, {})
        if not settings:
            print(f"\nreal: {name} is not in {SUITES}: pytest's own settings, PYTHONPATH={source}")
        directory = work / name
        shutil.copytree(source, directory, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", ".offload", "offload-report", "__pycache__",
                                                      ".pytest_cache", ".tox", ".nox"))
        args = list(settings.get("pytest_args", []))
        # json.dumps writes each argument as a TOML basic string.
        offload_config(directory, 2, f"extra_args = [{', '.join(json.dumps(a) for a in args)}]" if args else "")
        # The checkout's own code first, ahead of a copy Debian may have installed. Every
        # contender gets it from the environment (offload passes it on to discovery and workers).
        pythonpath = [str(directory / settings.get("pythonpath", "."))] + \
            ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])
        env = {"PYTHONPATH": os.pathsep.join(pythonpath)}
        run([PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only", *args], directory, env)
        suites.append((name, settings, directory, args, env))
    samples = {name: [] for name, *_ in suites}
    warnings = {name: [] for name, *_ in suites}
    loads = [os.getloadavg()[0]]
    for round_number in range(1, repeat + 1):
        for name, settings, directory, args, env in suites:
            rounds = real_suite_once(offload, directory, args, env, round_number)
            check_real_round(rounds, settings.get("tests"), directory, args, env, warnings[name])
            samples[name].append(rounds)
            loads.append(os.getloadavg()[0])
            print(f"  (round {round_number}/{repeat}, {name}: "
                  + ", ".join(f"{key} {rounds[key]['wall']:.2f} s" for key in REAL_CONTENDERS)
                  + f"; load {loads[-1]:.1f})",
                  file=sys.stderr, flush=True)
    print("\n" + textwrap.fill(
        f"real suites: P = 2, {repeat} rounds; in each round, per suite and one after the other, taking "
        f"turns at going first: offload (first run: no .offload/, so no history, no discovery cache, and no "
        f"report dir) then offload again (with them), pytest -n 2, serial pytest, all with "
        f"-p no:cacheprovider, after one warm-up --collect-only per suite (bytecode compiled). Ratios are "
        f"of medians. CPU: user + system time of the command and its descendants. 1-minute load average "
        f"during the rounds: {min(loads):.1f} to {max(loads):.1f}.", 100))
    for name, settings, *_ in suites:
        real_table(name, settings, samples[name], warnings[name])
    shutil.rmtree(work, ignore_errors=True)


CARGO_RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")


def cargo_counts(output):
    """The sum of libtest's "test result:" lines of a `cargo test` run, in offload's words."""
    lines = CARGO_RESULT.findall(output)
    if not lines:
        return None
    passed, failed, ignored = (sum(int(line[i]) for line in lines) for i in range(3))
    return {"passed": passed, "failed": failed, "skipped": ignored}


CARGO_CONTENDERS = {"first": "offload, first run (no history)", "history": "offload, with timing history",
                    "cargo": "cargo test (libtest: 2 threads)", "serial": "cargo test -- --test-threads=1"}


def cargo(offload, out, repeat):
    """examples/cargo in a temporary copy: one warm-up `cargo test` builds every test target, so that
    no contender pays the compilation (doc tests are still compiled by rustdoc each time they run, by
    offload and by cargo test alike)."""
    if not shutil.which("cargo"):
        print("\ncargo: no cargo on PATH (tools/bootstrap --tests installs one); skipped")
        return
    work = pathlib.Path(tempfile.mkdtemp(prefix="offload-bench-cargo-"))
    directory = work / "tally"
    shutil.copytree(ROOT / "examples" / "cargo", directory,
                    ignore=shutil.ignore_patterns("target", "test-results", ".offload", "offload-report"))
    (directory / "offload.toml").write_text("""[offload]
max_parallel = 2
test_timeout_secs = 600
[report]
output_dir = "offload-report"
[provider]
type = "process"
[discovery]
type = "cargo"
""")
    warm_up, completed = run(["cargo", "test"], directory)
    check(completed, "cargo test (warm-up build)")
    samples, warnings = [], []
    loads = [os.getloadavg()[0]]
    for round_number in range(1, repeat + 1):
        def offload_pair():
            shutil.rmtree(directory / ".offload", ignore_errors=True)
            shutil.rmtree(directory / "offload-report", ignore_errors=True)
            return {"first": offload_json_run(offload, directory, {}),
                    "history": offload_json_run(offload, directory, {})}
        groups = [offload_pair, lambda: {"cargo": timed(["cargo", "test"], directory)},
                  lambda: {"serial": timed(["cargo", "test", "--", "--test-threads=1"], directory)}]
        results = {}
        for index in range(len(groups)):     # taking turns at going first, as in `real`
            results.update(groups[(index + round_number) % len(groups)]())
        results = {key: results[key] for key in CARGO_CONTENDERS}
        for key in ("cargo", "serial"):
            results[key]["counts"] = cargo_counts(results[key]["completed"].stdout)
        reference = results["cargo"]["counts"]
        for key, result in results.items():
            if result["completed"].returncode != 0:
                warnings.append(f"{CARGO_CONTENDERS[key]} exited with {result['completed'].returncode}")
            if result["counts"] != reference:
                warnings.append(f"{CARGO_CONTENDERS[key]} counts {counts_text(result['counts'])}; "
                                f"cargo test {counts_text(reference)}")
        samples.append(results)
        loads.append(os.getloadavg()[0])
        print(f"  (round {round_number}/{repeat}: "
              + ", ".join(f"{key} {results[key]['wall']:.2f} s" for key in CARGO_CONTENDERS)
              + f"; load {loads[-1]:.1f})",
              file=sys.stderr, flush=True)
    version = subprocess.run(["cargo", "--version"], capture_output=True, text=True).stdout.strip()
    print("\n" + textwrap.fill(
        f"cargo: examples/cargo (tally), P = 2, median of {repeat} rounds ({version}). One warm-up "
        f"`cargo test` built every target first ({warm_up:.1f} s, excluded): no contender compiles the "
        f"crate; rustdoc still compiles the doc tests in each run of each contender. 1-minute load "
        f"average: {min(loads):.1f} to {max(loads):.1f}.", 100))
    print(f"  cargo test: {counts_text(samples[-1]['cargo']['counts'])} (skipped: the #[ignore]d test)")
    print(f"  {'contender':<34} {'wall (s)':>8} {'/ cargo test':>12} {'CPU (s)':>8}   wall of each run (s)")
    walls = {key: median([s[key]["wall"] for s in samples]) for key in CARGO_CONTENDERS}
    for key, label in CARGO_CONTENDERS.items():
        cpu = median([s[key]["cpu"] for s in samples])
        runs = " ".join(f"{s[key]['wall']:.2f}" for s in samples)
        print(f"  {label:<34} {seconds_text(walls[key], 8)} {walls[key] / walls['cargo']:>12.2f} "
              f"{seconds_text(cpu, 8)}   {runs}")
    hits = sum(s["history"]["cached"] for s in samples)
    if hits:
        print(f"  offload took the test list from its discovery cache in {hits} second runs of {repeat}")
    print(f"  offload: discovery {seconds_text(median([s['history']['discovery'] for s in samples]), 0)} s, "
          f"a worker's start to its first test {seconds_text(median([s['history']['startup'] for s in samples]), 0)} s "
          f"(with history, medians)")
    for text in dict.fromkeys(warnings):
        print(f"  ! warning ({warnings.count(text)} of {repeat} runs): {text}")
    sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("words", nargs="*", metavar="SCENARIO",
                        help="scenarios, each `real` followed by its checkout directories "
                             "(default: skewed generic-skew light scale)")
    parser.add_argument("--build", default=str(ROOT / "build"), help="offload's build directory")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where the chart goes")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of `real` and `cargo` (default 3)")
    args = parser.parse_args()
    scenarios = {"skewed": skewed, "generic-skew": generic_skew, "light": light, "scale": scale,
                 "real": real, "cargo": cargo}
    # A word that names no scenario is a directory of the `real` before it.
    plan = []
    for word in args.words or ["skewed", "generic-skew", "light", "scale"]:
        if word in scenarios:
            plan.append((word, []))
        elif plan and plan[-1][0] == "real":
            plan[-1][1].append(word)
        else:
            parser.error(f"no scenario {word!r} (one of {', '.join(scenarios)}; directories follow `real`)")
    for scenario, paths in plan:
        if scenario == "real" and not paths:
            parser.error("real needs the suites' directories: bench/run.py real DIR... (bench/get-suites DIR)")
        for path in paths:
            if not pathlib.Path(path).is_dir():
                parser.error(f"real: {path} is not a directory")
    offload = str(pathlib.Path(args.build) / "offload")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"offload benchmark, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    for scenario, paths in plan:
        if scenario == "real":
            real(offload, out, paths, args.repeat)
        elif scenario == "cargo":
            cargo(offload, out, args.repeat)
        else:
            scenarios[scenario](offload, out)

if __name__ == "__main__":
    main()
