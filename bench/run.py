#!/usr/bin/env python3
"""offload's scheduling benchmark: generates suites, runs offload and what users would pick
instead on the same machine in the same run, and prints one table per scenario.

    bench/run.py [skewed] [generic-skew] [light] [scale] [--build BUILD_DIR] [--out DIR]

skewed  ~300 pytest tests with log-normally distributed durations (sum ~100 s, a few of 5-8 s),
        8 at a time: offload (first run, then with its timing history), pytest-xdist -n 8,
        ctest -j 8 (second run, with its cost data), serial pytest. Also writes skewed.png.
generic-skew  the same durations as plain sleeping processes (generic framework): one process per
        test and workers fed live, first run and with a history, against xargs -P 8.
light   ~2000 trivial pytest tests, 2 at a time: offload vs pytest -n 2 vs serial pytest.
scale   generic tests with a trivial run command at 10k, 30k and 100k tests: offload's own CPU
        time and peak RSS (children excluded), to show that they grow linearly.

Every time is wall-clock time of the whole command, discovery included. The lower bound of a
scenario is max(sum of test durations / P, longest test). Needs: /usr/bin/python3 with pytest and
pytest-xdist, cmake (ctest), gnuplot (for the chart); `tools/bootstrap --tests` plus
`apt-get install gnuplot-nox`.
"""
import argparse
import math
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"   # Debian's, which has pytest; `python3` on PATH may not
ROOT = pathlib.Path(__file__).resolve().parent.parent


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", default=["skewed", "generic-skew", "light", "scale"])
    parser.add_argument("--build", default=str(ROOT / "build"), help="offload's build directory")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="where the chart goes")
    args = parser.parse_args()
    offload = str(pathlib.Path(args.build) / "offload")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"offload benchmark, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}")
    for scenario in args.scenarios:
        {"skewed": skewed, "generic-skew": generic_skew, "light": light, "scale": scale}[scenario](offload, out)


if __name__ == "__main__":
    main()
