#!/usr/bin/python3
"""What a run leaves behind (issue 12), measured with a given offload binary: processes still
running after RUNS runs of a suite of daemonizing tests, and the zombies offload has while a test
orphans 300 short-lived helpers. Prints numbers; not a test (tests/robustness/test_nothing_left.py
is). Kills what it finds left at the end.

    bench/leftovers.py [--runs 20] [--binary build/offload] [--mode default|subreaper]
"""
import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

SUITE = r"""case $1 in
setsid*) setsid sleep 300 </dev/null >/dev/null 2>&1 & ;;
setpgid*) perl -e 'setpgrp(0, 0); sleep 300' </dev/null >/dev/null 2>&1 & ;;
daemon*) perl -MPOSIX -e 'exit 0 if fork; POSIX::setsid(); exit 0 if fork; sleep 300' </dev/null >/dev/null 2>&1 ;;
background*) sleep 300 & ;;
esac
echo "$1 ok"
"""

ORPHANS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "scripts" / "orphans.py"


def marked(entry):
    needle = entry.encode() + b"\0"
    pids = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and needle in (proc / "environ").read_bytes() + b"\0":
                if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                    pids.append(int(proc.name))
        except OSError:
            pass
    return pids


def config(discover, run, token):
    return f"""[offload]
max_parallel = 4
[provider]
type = "process"
kill_grace_secs = 1
env = {{ OFFLOAD_LEFTOVERS = "{token}" }}
[discovery]
type = "generic"
discover_command = "{discover}"
run_command = "{run}"
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--binary", default="build/offload")
    parser.add_argument("--mode", choices=["default", "subreaper"], default="default")
    args = parser.parse_args()
    binary = str(pathlib.Path(args.binary).resolve())
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFLOAD_")}
    if args.mode == "subreaper":
        env["OFFLOAD_PROCESS_TRACKING"] = "subreaper"
    project = pathlib.Path(tempfile.mkdtemp(prefix="offload-leftovers-"))
    token = str(uuid.uuid4())
    entry = f"OFFLOAD_LEFTOVERS={token}"
    try:
        ids = " ".join(f"{kind}{i}" for kind in ("setsid", "setpgid", "daemon", "background") for i in (1, 2))
        (project / "offload.toml").write_text(config(f"printf '%s\\\\n' {ids}", "sh ./t.sh {tests}", token))
        (project / "t.sh").write_text(SUITE)
        for _ in range(args.runs):
            subprocess.run([binary, "run"], cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        left = marked(entry)
        print(f"{binary} ({args.mode}): {len(left)} processes left running after {args.runs} runs of 8 "
              f"daemonizing tests")
        for pid in left:
            os.kill(pid, signal.SIGKILL)

        (project / "offload.toml").write_text(
            config("echo orphans", f"{sys.executable} {ORPHANS}; : {{tests}}", token))
        subprocess.run([binary, "run"], cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log = "".join(p.read_text() for p in (project / "test-results" / "logs").glob("batch-*.log"))
        figure = [line for line in log.splitlines() if line.startswith("zombies of offload")]
        if figure:
            print(f"{binary} ({args.mode}): {figure[0]}")
        for pid in marked(entry):
            os.kill(pid, signal.SIGKILL)
    finally:
        shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
