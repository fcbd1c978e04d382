"""The slurm provider script (plugins/scripts/offload-provider-slurm) on a real Slurm 22.05 cluster.

The module starts its own cluster (/work/shared/ENGINES.md): a munged with its own key and
socket, a slurmctld and two slurmd nodes (n1, n2) on this machine with their own ports, every
state, spool, log and pid path in a temporary directory, SLURM_CONF pointing at its slurm.conf.
Every daemon is stopped by PID at the end. Without the Slurm packages, root or a cgroup filesystem
(a chroot), the module exits
77 (skipped) with the reason.

OFFLOAD_SLURM_BENCH=1 also runs test_zz_benchmark, which prints the per-batch overhead of the
provider next to the process provider's (the numbers of plugins/scripts/README-slurm.md).
"""
import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (skip_module, SOURCE_DIR, ProjectTest, clean_env, generic_config, install, junit, main, processes_with_env,
                     toml_string, wait_until)

SCRIPT = SOURCE_DIR / "plugins" / "scripts" / "offload-provider-slurm"
DAEMONS = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd"]
CLIENTS = ["mungekey", "setpriv", "salloc", "srun", "squeue", "scancel", "scontrol", "sinfo"]
NODES = ["n1", "n2"]


def missing_requirements():
    """Why this machine cannot start a Slurm cluster, or None."""
    if os.geteuid() != 0:
        return "needs root (slurmd runs jobs as their user; munged runs as the munge user)"
    missing = [path for path in DAEMONS if not os.access(path, os.X_OK)]
    missing += [name for name in CLIENTS if shutil.which(name) is None]
    if missing:
        return "missing " + ", ".join(missing) + " (apt-get install slurmctld slurmd slurm-client munge util-linux)"
    try:
        import pwd
        pwd.getpwnam("munge")
    except KeyError:
        return "no munge user (apt-get install munge)"
    with open("/proc/mounts") as mounts:
        if not any(line.split()[1].startswith("/sys/fs/cgroup") for line in mounts if len(line.split()) > 1):
            # slurmd 22.05 initialises its cgroup plugin whatever the config says (a chroot has none).
            return "no cgroup filesystem under /sys/fs/cgroup, which slurmd needs to start"
    return None


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Cluster:
    """munged + slurmctld + slurmd n1, n2, all in one temporary directory."""

    def __init__(self):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="offload-slurm-cluster-"))
        self.dir.chmod(0o755)   # munged (as munge) must reach its socket directory
        self.conf = self.dir / "slurm.conf"
        self.processes = {}     # name: Popen, in start order

    @property
    def env(self):
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def run(self, *args, check=True, timeout=30):
        result = subprocess.run(list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed with {result.returncode}: {result.stdout}{result.stderr}")
        return result

    def spawn(self, name, argv, **kwargs):
        log = open(self.dir / f"{name}.out", "wb")
        self.processes[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                                start_new_session=True, **kwargs)
        log.close()

    def start(self):
        munge = self.dir / "munge"
        munge.mkdir(mode=0o755)
        shutil.chown(munge, "munge", "munge")
        key = munge / "munge.key"
        subprocess.run(["mungekey", "--create", f"--keyfile={key}"], check=True, capture_output=True)
        shutil.chown(key, "munge", "munge")
        key.chmod(0o400)
        self.socket = munge / "munge.socket"
        self.spawn("munged", ["setpriv", "--reuid=munge", "--regid=munge", "--init-groups", "/usr/sbin/munged", "-F",
                              f"--socket={self.socket}", f"--key-file={key}", f"--pid-file={munge}/munged.pid",
                              f"--log-file={munge}/munged.log", f"--seed-file={munge}/munged.seed"])
        if not wait_until(self.socket.exists, 10):
            raise RuntimeError("munged did not start:\n" + self.log("munged"))

        ctld_port, *node_ports = free_ports(1 + len(NODES))
        for sub in ["state", "log"] + [f"spool/{node}" for node in NODES]:
            (self.dir / sub).mkdir(parents=True)
        nodes = "\n".join(f"NodeName={node} NodeHostname=localhost NodeAddr=127.0.0.1 Port={port} CPUs=2"
                          for node, port in zip(NODES, node_ports))
        d = self.dir
        self.conf.write_text(f"""ClusterName=offloadtest
SlurmctldHost=localhost
SlurmctldPort={ctld_port}
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket={self.socket}
CredType=cred/munge
StateSaveLocation={d}/state
SlurmdSpoolDir={d}/spool/%n
SlurmctldPidFile={d}/slurmctld.pid
SlurmdPidFile={d}/slurmd-%n.pid
SlurmctldLogFile={d}/log/slurmctld.log
SlurmdLogFile={d}/log/slurmd-%n.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_min_interval=0,batch_sched_delay=0
# A node set down by hand stays down until it is resumed (the node-failure test relies on it).
ReturnToService=1
KillWait=2
{nodes}
PartitionName=debug Nodes={",".join(NODES)} Default=YES MaxTime=INFINITE State=UP
""")
        self.spawn("slurmctld", ["/usr/sbin/slurmctld", "-D", "-i", "-f", str(self.conf)])
        for node in NODES:
            self.spawn(f"slurmd-{node}", ["/usr/sbin/slurmd", "-D", "-N", node, "-f", str(self.conf)])
        if not self.wait_idle(30):
            raise RuntimeError("the cluster never became idle: " + self.run("sinfo", "-N", check=False).stdout +
                               "\n".join(self.log(name) for name in self.processes))

    def wait_idle(self, timeout):
        def idle():
            states = self.run("sinfo", "-h", "-N", "-o", "%T", check=False).stdout.split()
            return states == ["idle"] * len(NODES)
        return wait_until(idle, timeout, interval=0.1)

    def log(self, name):
        path = self.dir / f"{name}.out"
        return f"--- {name}\n" + (path.read_text(errors="replace")[-3000:] if path.exists() else "(no output)")

    def diagnostics(self):
        """The ends of the daemons' logs and the processes of the nodes, for failure messages."""
        text = ""
        for log in sorted((self.dir / "log").glob("*.log")):
            text += f"\n--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        ps = subprocess.run(["ps", "-eo", "pid,ppid,stat,etime,cmd"], capture_output=True, text=True).stdout
        return text + "\n--- processes\n" + "\n".join(l for l in ps.splitlines() if "slurmstepd" in l or "sleep" in l)

    def wait_empty(self, timeout):
        return wait_until(lambda: not self.jobs(), timeout, interval=0.1)

    def jobs(self):
        """squeue's lines for every job of the cluster (running, pending, completing)."""
        return self.run("squeue", "-h", "-o", "%i %T %j %N").stdout.splitlines()

    def steps(self):
        return self.run("squeue", "-h", "-s", "-o", "%i").stdout.split()

    def stop(self):
        try:
            if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
                self.run("scancel", "--user=root", check=False)
                wait_until(lambda: not self.run("squeue", "-h", check=False).stdout.strip(), 10)
        finally:
            # Nodes first, then the controller, munged last: the others need it to shut down.
            for name in reversed(list(self.processes)):
                process = self.processes[name]
                if process.poll() is None:
                    process.terminate()
                    try:
                        process.wait(5)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(5)
            # What outlived the daemons (a slurmstepd that hung, a step's process) still has this
            # cluster's SLURM_CONF in its environment.
            for pid in processes_with_env(f"SLURM_CONF={self.conf}"):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            shutil.rmtree(self.dir, ignore_errors=True)


cluster = None
started = []   # offload processes the tests started in sessions of their own


def setUpModule():
    global cluster
    reason = missing_requirements()
    if reason:
        skip_module(reason)
    cluster = Cluster()
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise


def tearDownModule():
    if cluster is not None:
        cluster.stop()


class SlurmTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.project.chmod(0o755)
        # A test starts on an empty cluster, whatever the one before left behind (it failed then).
        if not cluster.wait_empty(30):
            self.fail(f"the cluster is not empty: {cluster.jobs()}{cluster.diagnostics()}")
        self.addCleanup(self.assert_cluster_empty)

    def assert_cluster_empty(self):
        # Every run cancels its allocations, and destroy waits (up to 5 s) until they have left
        # squeue. A job Slurm cancelled by itself may stay COMPLETING for up to KillWait (2 s
        # here) after its processes got SIGTERM, and longer on a loaded machine.
        self.assertTrue(cluster.wait_empty(15), f"jobs still in squeue: {cluster.jobs()}{cluster.diagnostics()}")

    def hold_cpus(self, tasks):
        """Takes `tasks` CPUs of the cluster as another user would; returns the job id."""
        holder = cluster.run("salloc", "--no-shell", "--immediate=20", "--nodes=2", f"--ntasks={tasks}",
                             "--job-name=holder").stderr
        holder_id = re.search(r"Granted job allocation (\d+)", holder).group(1)
        self.addCleanup(cluster.wait_empty, 10)
        self.addCleanup(cluster.run, "scancel", holder_id, check=False)
        return holder_id

    def configure(self, ids, run, *, parallel=2, timeout=60, retries=0, provider="", discovery=""):
        (self.project / "ids.txt").write_text("".join(f"{i}\n" for i in ids))
        self.write({"offload.toml": generic_config("cat ids.txt", run, parallel=parallel, timeout=timeout,
                                                   retries=retries, provider="slurm",
                                                   provider_extra="call_timeout_secs = 60\n" + provider,
                                                   discovery_extra=discovery)})

    def offload_env(self, extra=None):
        return {"SLURM_CONF": str(cluster.conf), **(extra or {})}

    def run_offload(self, *args, env=None, **kwargs):
        return super().run_offload(*args, env=self.offload_env(env), **kwargs)

    def start_offload(self, *args):
        process = subprocess.Popen([str(install().offload), *args], cwd=self.project, env=clean_env(self.offload_env()),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and (process.kill(), process.communicate()))
        started.append(process)
        return process

    def logs(self):
        return "".join(p.read_text(errors="replace") for p in sorted((self.project / "test-results" / "logs").glob("*.log")))

    def outcomes(self):
        return {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}

    def assert_state_clean(self):
        state = self.project / ".offload" / "slurm"
        self.assertEqual(sorted(p.name for p in state.iterdir()), [".gitignore"], "the run left state behind")

    # --- a suite -----------------------------------------------------------------------------

    def test_a_suite_runs_as_steps_on_both_nodes_with_the_configured_allocation(self):
        ids = [f"t{i:02}" for i in range(1, 13)]
        self.write({"run.sh": r"""#!/bin/sh
# run.sh RESULT_FILE ID...: JUnit for the ids; t07 fails.
out=$1; shift
alloc=$(squeue -h -j "$SLURM_JOB_ID" -o '%j|%a|%l|%k|%P')
{
  echo '<testsuite name="s">'
  for id in "$@"; do
    echo "$id on node=$SLURMD_NODENAME step=$SLURM_JOB_ID.$SLURM_STEP_ID cpus=$SLURM_CPUS_PER_TASK alloc=$alloc srun_args=${FROM_SRUN_ARGS:-no} dir=$(pwd)" >&2
    sleep 0.2
    if [ "$id" = t07 ]; then
      echo "  <testcase name=\"$id\"><failure message=\"t07 is broken\"/></testcase>"
    else
      echo "  <testcase name=\"$id\"/>"
    fi
  done
  echo '</testsuite>'
} > "$out"
"""})
        self.configure(ids, "./run.sh {result_file} {tests}", parallel=2,
                       provider='partition = "debug"\ncpus_per_task = 2\naccount = "physics"\njob_name = "offload-it"\ntime_limit = "10"\n'
                                'salloc_args = ["--comment=from-salloc-args"]\n'
                                'srun_args = ["--export=ALL,FROM_SRUN_ARGS=yes"]',
                       discovery="batch_size = 2")
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.out.endswith("11 passed, 1 failed\n"), r)
        self.assertNotIn("Incidents", r.out, "a failing test was taken for an infrastructure failure")
        self.assertEqual(self.outcomes(), {i: "failed" if i == "t07" else "passed" for i in ids})
        logs = self.logs()
        for node in NODES:
            self.assertIn(f"on node={node} ", logs, f"no batch ran on {node}")
        self.assertIn("cpus=2 alloc=offload-it|physics|10:00|from-salloc-args|debug srun_args=yes", logs)
        self.assertIn(f"dir={self.project}\n", logs)
        # Each batch is a step of one of the two sandboxes' allocations.
        batches = int(re.search(r"on 2 sandboxes \((\d+) batches\)", r.out).group(1))
        steps = {line.split("step=")[1].split()[0] for line in logs.splitlines() if "step=" in line}
        self.assertEqual(len(steps), batches, steps)
        self.assertEqual(len({s.split(".")[0] for s in steps}), 2, steps)
        self.assert_state_clean()

    def test_hostile_test_ids_and_values_reach_the_command_intact_and_are_never_run(self):
        ids = ["plain", "with space", "it's", 'dq"x', "$(touch pwned-dollar)", "`touch pwned-tick`",
               "a;touch pwned-semi", "b|touch pwned-pipe", "back\\slash", "*", "$HOME", "-n", "--help"]
        self.write({"t.sh": 'for id in "$@"; do printf "%s\\n" "$id" >> ran.txt; done\n'
                            'squeue -h -j "$SLURM_JOB_ID" -o "%j|%k" > allocation.txt\n'
                            'printf "%s" "$HOSTILE" > srun-arg.txt\n'})
        job_name = "x'; touch pwned-name; '"
        comment = "it's $(touch pwned-salloc) `touch pwned-tick2` \\ \"q\""
        self.configure(ids, "sh ./t.sh {tests}", parallel=2,
                       provider=f"job_name = {toml_string(job_name)}\n"
                                f"salloc_args = [{toml_string('--comment=' + comment)}]\n"
                                "srun_args = [\"--export=ALL,HOSTILE=a b $(touch pwned-arg)\"]")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(sorted((self.project / "ran.txt").read_text().splitlines()), sorted(ids))
        self.assertEqual((self.project / "allocation.txt").read_text(), f"{job_name}|{comment}\n")
        self.assertEqual((self.project / "srun-arg.txt").read_text(), "a b $(touch pwned-arg)")
        self.assertEqual(sorted(p.name for p in self.project.glob("pwned*")), [])
        self.assertEqual(list(pathlib.Path.cwd().glob("pwned*")), [])

    def test_pytest_workers_get_their_tests_on_stdin_and_a_crash_and_a_hang_fail_alone(self):
        marker = f"OFFLOAD_SLURM_MARKER={os.getpid()}-{time.monotonic_ns()}"
        name, value = marker.split("=")
        passing = [f"test_{i:02}" for i in range(16)]
        self.write({
            "test_suite.py": "import os, subprocess\n" + "".join(f"def {t}():\n    pass\n" for t in passing) +
                             "def test_crashes():\n    os._exit(0)\n"
                             "def test_hangs():\n"
                             f"    subprocess.run(['sleep', '300'], env=dict(os.environ, {name}='{value}'))\n",
            "offload.toml": f"""[offload]
max_parallel = 2
test_timeout_secs = 3

[provider]
type = "slurm"
kill_grace_secs = 1
call_timeout_secs = 60

[discovery]
type = "pytest"
python = "/usr/bin/python3"
""",
        })
        r = self.run_offload("run", "-v", timeout=120)
        self.assertEqual(r.code, 1, r.out[-3000:] + r.err[-3000:])
        expected = {f"test_suite.py::{t}": "passed" for t in passing}
        expected.update({"test_suite.py::test_crashes": "failed", "test_suite.py::test_hangs": "failed"})
        self.assertEqual(self.outcomes(), expected)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertIn("crashed: the worker running it ended",
                      cases["test_suite.py::test_crashes"][1].find("failure").get("message"))
        self.assertEqual("timeout: still running after 3 s, killed",
                         cases["test_suite.py::test_hangs"][1].find("failure").get("message"))
        self.assertNotIn("Incidents", r.out, "a crash or a timeout was taken for an infrastructure failure")
        # Workers took their tests on stdin as they went: none had them in its command line.
        self.assertTrue("tests to start with) on sandbox" in r.err, "no worker was fed on stdin")
        self.assertFalse("<<'OFFLOAD_INPUT_" in r.err, "a worker got its tests in a here-document")
        # The hanging test's step was killed on its node.
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 3),
                        f"the hanging test survived: {processes_with_env(marker)}")
        self.assert_state_clean()

    # --- failures of Slurm, of the configuration and of tests ------------------------------

    def test_a_partition_that_does_not_exist_is_named_and_the_run_fails_at_once(self):
        for name in ["nosuchpartition", "nope'; touch pwned; '"]:
            with self.subTest(partition=name):
                self.configure(["a", "b"], "true {tests}", provider=f"partition = {toml_string(name)}")
                r = self.run_offload("run", timeout=60)
                self.assertEqual(r.code, 1, r)
                self.assertIn(f"partition '{name}' (from [provider] partition) does not exist on this Slurm cluster; "
                              "its partitions: debug", r.err + r.out)
                self.assertLess(r.seconds, 20, r)
                self.assertFalse((self.project / "pwned").exists())

    def test_an_allocation_slurm_would_refuse_fails_the_run_at_once_with_slurms_reason(self):
        for provider, reason in [('time_limit = "soon"', "Invalid --time specification"),
                                 ("cpus_per_task = 64", "Requested node configuration is not available")]:
            with self.subTest(provider=provider):
                self.configure(["a"], "true {tests}", provider=provider)
                r = self.run_offload("run", timeout=60)
                self.assertEqual(r.code, 1, r)
                self.assertIn("Slurm would refuse the sandboxes' allocation (salloc --nodes=1 --ntasks=1", r.err)
                self.assertIn(reason, r.err)
                self.assertLess(r.seconds, 20, r)
        self.configure(["a"], "true {tests}", provider="cpus_per_task = 0")
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("cpus_per_task must be a whole number of CPUs from 1 to 9999, not '0'", r.err)

    def test_a_node_that_goes_down_mid_batch_loses_nothing_its_batch_reruns_on_the_other_node(self):
        ids = [f"n{i}" for i in range(1, 7)]
        # The first test to start holds its node until the node is gone (30 s at most), so that the node
        # goes down under it however slow this machine is; the others take 1.5 s.
        self.write({"t.sh": 'touch "started-$1-$SLURMD_NODENAME"\n'
                            'if mkdir first 2>/dev/null; then\n'
                            '  echo "$1 $SLURMD_NODENAME" > first/who.tmp && mv first/who.tmp first/who\n'
                            '  i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n'
                            'else sleep 1.5; fi\n'
                            'echo "$1 finished on $SLURMD_NODENAME"\n'})
        self.configure(ids, "sh ./t.sh {tests}", parallel=2, provider="cpus_per_task = 1")
        process = self.start_offload("run")
        started = lambda: sorted(p.name for p in self.project.glob("started-*"))
        who = self.project / "first" / "who"
        self.assertTrue(wait_until(who.exists, 20), "no batch started")
        victim_test, victim = who.read_text().split()
        cluster.run("scontrol", "update", f"nodename={victim}", "state=down", "reason=offload-test")
        self.addCleanup(cluster.wait_idle, 20)
        self.addCleanup(cluster.run, "scontrol", "update", f"nodename={victim}", "state=resume", check=False)
        out, err = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 0, out + err)
        self.assertTrue(out.endswith("6 passed, 0 failed\n"), out + err)
        self.assertRegex(out, rf"Incidents \(\d\):\n  sandbox \d failed under batch \d+: .*slurm job \d+ on {victim} "
                              r"ended: NODE_FAIL")
        self.assertEqual(self.outcomes(), {i: "passed" for i in ids})
        other = [n for n in NODES if n != victim][0]
        self.assertIn(f"started-{victim_test}-{other}", started(), "the lost batch did not run again on the other node")
        self.assertIn(f"{victim_test} finished on {other}", self.logs())
        self.assertNotIn(f"{victim_test} finished on {victim}", self.logs())

    def test_a_test_timeout_cancels_the_step_and_the_sandbox_serves_the_next_batch(self):
        marker = f"OFFLOAD_SLURM_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.write({"t.sh": r"""case $1 in
slow) echo $$ > slow.pid; exec sleep 300 ;;
after)
  # The timed-out step is gone, from squeue and from the node, before the next batch runs.
  echo "steps: $(squeue -h -s -j "$SLURM_JOB_ID" -o %i | tr '\n' ' ')(this one: $SLURM_JOB_ID.$SLURM_STEP_ID)"
  [ "$(squeue -h -s -j "$SLURM_JOB_ID" -o %i)" = "$SLURM_JOB_ID.$SLURM_STEP_ID" ] || exit 1
  state=$(cut -d' ' -f3 "/proc/$(cat slow.pid)/stat" 2>/dev/null)   # a zombie (Z) is dead
  if [ -n "$state" ] && [ "$state" != Z ]; then echo "the slow test still runs"; exit 1; fi ;;
esac
"""})
        self.configure(["slow", "after"], f"export {marker}; sh ./t.sh {{tests}}", parallel=1, timeout=2)
        r = self.run_offload("run", timeout=90)
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.out.endswith("1 passed, 1 failed\n"), r)
        outcomes = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(outcomes["slow"][0], "failed", r)
        self.assertIn("timeout", outcomes["slow"][1].find("failure").get("message"))
        self.assertEqual(outcomes["after"][0], "passed", self.logs())
        self.assertNotIn("Incidents", r.out)
        self.assertEqual(processes_with_env(marker), [])

    def test_ctrl_c_leaves_nothing_in_squeue_or_on_the_nodes(self):
        marker = f"OFFLOAD_SLURM_MARKER={os.getpid()}-{time.monotonic_ns()}"
        self.write({"t.sh": "sleep 300\n"})
        self.configure(["s1", "s2", "s3", "s4"], f"export {marker}; sh ./t.sh {{tests}}", parallel=2)
        process = self.start_offload("run")
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 2, 30), "batches never started")
        self.assertEqual(len([s for s in cluster.steps() if s.split(".")[1].isdigit()]), 2)
        start = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertLess(time.monotonic() - start, 15, out + err)
        # When offload returns, its allocations are cancelled, and destroy waited (up to 5 s) until
        # they left squeue; on an overloaded machine one may still be COMPLETING a moment longer.
        self.assertEqual([j for j in cluster.jobs() if " COMPLETING " not in j], [], out + err)
        self.assertTrue(cluster.wait_empty(10), f"{cluster.jobs()}\n{out}{err}{cluster.diagnostics()}")
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 3),
                        f"step processes survived: {processes_with_env(marker)}")
        self.assertEqual(set(self.outcomes().values()), {"not run"})
        self.assert_state_clean()

    def test_ctrl_c_while_waiting_in_the_queue_withdraws_the_request(self):
        # Someone else holds every CPU: offload's allocations wait in the queue.
        holder_id = self.hold_cpus(4)
        self.configure(["q1", "q2"], "true {tests}", parallel=2)
        process = self.start_offload("run")
        self.assertTrue(wait_until(lambda: len([j for j in cluster.jobs() if " PENDING " in j]) == 2, 20),
                        cluster.jobs())
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual([j.split()[0] for j in cluster.jobs()], [holder_id])
        self.assertEqual(set(self.outcomes().values()), {"not run"})

    def test_on_a_full_cluster_an_extra_sandbox_gives_up_and_the_run_goes_on_with_the_others(self):
        # Someone else holds 3 of the 4 CPUs: one sandbox fits, the second waits in the queue while
        # offload holds a batch for it. It gives up after queue_wait_secs, and its batch runs on
        # the first sandbox (else the first would keep its CPU until that batch was done, and the
        # run would stall until call_timeout_secs).
        holder_id = self.hold_cpus(3)
        ids = ["f1", "f2", "f3", "f4"]
        self.configure(ids, "sleep 0.2; echo {tests} ran", parallel=2, provider="queue_wait_secs = 1")
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("4 passed, 0 failed\n"), r)
        self.assertIn("no allocation within queue_wait_secs (1 s), Slurm says: Resources; this run has other "
                      "sandboxes and goes on with those", r.out + r.err)
        self.assertLess(r.seconds, 30, r)
        self.assertEqual([j.split()[0] for j in cluster.jobs()], [holder_id])

    # --- the script's verbs, called directly -------------------------------------------------

    def script(self, *args, env=None):
        environment = {**cluster.env, "OFFLOAD_PROTOCOL": "1", "OFFLOAD_PROJECT_DIR": str(self.project),
                       **(env or {})}
        return subprocess.run([str(SCRIPT), *args], cwd=self.project, env=environment, capture_output=True,
                              text=True, timeout=60)

    def test_verbs_tell_test_failures_from_lost_allocations(self):
        described = self.script("describe").stdout.splitlines()
        self.assertEqual(described[0], "protocol 1")
        self.assertIn("capabilities prepare stop template stdin", described)
        prepared = self.script("prepare").stdout.strip()
        self.assertRegex(prepared, r"^prepared /.*/\.offload/slurm/run-")
        env = {"OFFLOAD_PREPARED": prepared.split(" ", 1)[1]}
        created = self.script("create", "0", env=env)
        self.assertEqual(created.returncode, 0, created)
        job = created.stdout.split()[1]
        self.addCleanup(cluster.run, "scancel", job, check=False)
        status = self.project / "status"
        env["OFFLOAD_STATUS_FILE"] = str(status)

        # A failing command: its exit code, its output, no infra-error.
        status.write_text("")
        r = self.script("exec", job, "echo out; echo err >&2; exit 7", env=env)
        self.assertEqual((r.returncode, r.stdout, r.stderr, status.read_text()), (7, "out\n", "err\n", ""))
        # Nothing runs: stop is quick and does not fail; destroy of unknown ids neither.
        self.assertEqual(self.script("stop", job, env=env).returncode, 0)
        self.assertEqual(self.script("destroy", "999999", "not-a-job", env=env).returncode, 0)

        # The allocation is cancelled under a running batch: infra-error with the job's state.
        marker = f"OFFLOAD_SLURM_MARKER={os.getpid()}-{time.monotonic_ns()}"
        exec_call = subprocess.Popen([str(SCRIPT), "exec", job, f"export {marker}; sleep 300"], cwd=self.project,
                                     env={**cluster.env, "OFFLOAD_PROJECT_DIR": str(self.project), **env},
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: exec_call.poll() is None and exec_call.kill())
        self.assertTrue(wait_until(lambda: processes_with_env(marker), 10), "the step never started")
        self.assertEqual(cluster.steps(), [f"{job}.1"])
        cluster.run("scancel", job)
        exec_call.communicate(timeout=30)
        self.assertNotEqual(exec_call.returncode, 0)
        self.assertRegex(status.read_text(), rf"^infra-error slurm job {job} on n\d ended: (CANCELLED|it is COMPLETING)")
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 10), "the step's processes survived")

        # A later exec on the gone allocation is an infra failure too, and destroy still succeeds.
        status.write_text("")
        r = self.script("exec", job, "true", env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertRegex(status.read_text(), rf"^infra-error slurm job {job} (no longer exists|on n\d ended: (CANCELLED|it is COMPLETING))")
        self.assertEqual(self.script("destroy", job, env=env).returncode, 0, r)

        # A controller that does not answer: prepare fails, exec is an infra-error, destroy fails
        # (it cannot know the jobs are gone). MessageTimeout=2 keeps the clients' retries short.
        conf = self.project / "unreachable.conf"
        port = free_ports(1)[0]
        conf.write_text("".join(f"SlurmctldPort={port}\n" if line.startswith("SlurmctldPort=") else line + "\n"
                                for line in cluster.conf.read_text().splitlines()) + "MessageTimeout=2\n")
        env["SLURM_CONF"] = str(conf)
        r = self.script("prepare", env=env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"cannot reach the Slurm controller (SLURM_CONF={conf})", r.stderr)
        status.write_text("")
        r = self.script("exec", job, "true", env=env)
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn(f"infra-error slurm job {job}: srun failed (exit code 1) and the controller does not answer",
                      status.read_text())
        r = self.script("destroy", job, env=env)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn(f"could not reach the Slurm controller to stop the steps of jobs {job}", r.stderr)

    def test_exec_forwards_stdin_as_it_comes_and_ends_with_the_command(self):
        env = {"OFFLOAD_PREPARED": self.script("prepare").stdout.split()[1],
               "OFFLOAD_STATUS_FILE": str(self.project / "status")}
        created = self.script("create", "0", env=env)
        self.assertEqual(created.returncode, 0, created)
        job = created.stdout.split()[1]
        self.addCleanup(self.script, "destroy", job, env=env)
        # In order, to its end.
        data = "a\n\nb ' $(x)\n" + "c" * 100000 + "\n"
        r = subprocess.run([str(SCRIPT), "exec", job, "cat; echo END"], cwd=self.project, input=data,
                           env={**cluster.env, "OFFLOAD_PROJECT_DIR": str(self.project), **env},
                           capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout), (0, data + "END\n"), r.stderr)
        # Live: the command answers the first line before the second is written.
        def start(command, stdout):
            process = subprocess.Popen([str(SCRIPT), "exec", job, command], cwd=self.project,
                                       env={**cluster.env, "OFFLOAD_PROJECT_DIR": str(self.project), **env},
                                       stdin=subprocess.PIPE, stdout=stdout)
            self.addCleanup(lambda: process.poll() is None and (process.kill(), process.wait()))
            return process
        process = start('while read -r l; do echo "got $l"; done; echo eof', subprocess.PIPE)
        process.stdin.write(b"one\n")
        process.stdin.flush()
        self.assertEqual(process.stdout.readline(), b"got one\n")
        process.stdin.write(b"two\n")
        process.stdin.close()
        self.assertEqual(process.stdout.read(), b"got two\neof\n")
        process.stdout.close()
        self.assertEqual(process.wait(timeout=30), 0)
        # A command that ends while its stdin is still open ends the call with its exit code.
        process = start("read -r l; exit 7", subprocess.DEVNULL)
        self.addCleanup(process.stdin.close)
        process.stdin.write(b"x\n")
        process.stdin.flush()
        self.assertEqual(process.wait(timeout=30), 7)
        self.assertEqual((self.project / "status").read_text() if (self.project / "status").exists() else "", "")

    # --- numbers for README-slurm.md ---------------------------------------------------------

    @unittest.skipUnless(os.environ.get("OFFLOAD_SLURM_BENCH"), "set OFFLOAD_SLURM_BENCH=1 to measure")
    def test_zz_benchmark(self):
        """Median wall time of `offload run` with 1 and 41 trivial one-test batches on one sandbox,
        slurm against process (the per-run and per-batch overheads are the differences; offload
        ends a run on a 250 ms tick, which blurs the one-batch difference), then each verb."""
        self.write({"t.sh": "true\n"})
        rounds = int(os.environ.get("OFFLOAD_SLURM_BENCH_ROUNDS", "7"))
        results = {}
        for provider in ["process", "slurm"]:
            for count in [1, 41]:
                self.configure([f"t{i}" for i in range(count)], "sh ./t.sh {tests}", parallel=1)
                toml = (self.project / "offload.toml").read_text()
                (self.project / "offload.toml").write_text(toml.replace('type = "slurm"', f'type = "{provider}"'))
                times = []
                for _ in range(rounds):
                    r = self.run_offload("run", "-q")
                    self.assertEqual(r.code, 0, r)
                    times.append(r.seconds)
                results[provider, count] = statistics.median(times)
        lines = [f"{p:8} {n:3} batches: {results[p, n]:.3f} s" for p, n in results]
        run_overhead = results["slurm", 1] - results["process", 1]
        per_batch = ((results["slurm", 41] - results["slurm", 1]) - (results["process", 41] - results["process", 1])) / 40
        lines.append(f"one-batch run, slurm minus process: {run_overhead:.3f} s")
        lines.append(f"each further batch, slurm minus process: {per_batch:.3f} s")

        # The verbs one by one, and a bare srun step for comparison.
        def timed(*args, env=None):
            start = time.monotonic()
            r = self.script(*args, env=env)
            self.assertEqual(r.returncode, 0, r)
            return time.monotonic() - start, r.stdout
        verbs = {name: [] for name in ["describe", "prepare", "create", "exec true", "srun true (bare)", "stop",
                                       "destroy"]}
        for _ in range(rounds):
            seconds, _ = timed("describe")
            verbs["describe"].append(seconds)
            seconds, out = timed("prepare")
            verbs["prepare"].append(seconds)
            env = {"OFFLOAD_PREPARED": out.split()[1], "OFFLOAD_STATUS_FILE": os.devnull}
            seconds, out = timed("create", "0", env=env)
            verbs["create"].append(seconds)
            job = out.split()[1]
            verbs["exec true"].append(timed("exec", job, "true", env=env)[0])
            start = time.monotonic()
            cluster.run("srun", f"--jobid={job}", "--overlap", "-N1", "-n1", "--input=none", "true")
            verbs["srun true (bare)"].append(time.monotonic() - start)
            verbs["stop"].append(timed("stop", job, env=env)[0])
            verbs["destroy"].append(timed("destroy", job, env=env)[0])
        lines += [f"{name:18} {statistics.median(times) * 1000:5.0f} ms" for name, times in verbs.items()]
        print("\n" + "\n".join(lines), file=sys.stderr)


def terminated(signum, frame):
    """meson's timeout (SIGTERM): offload runs started with Popen and the daemons are in sessions
    of their own, so interrupt those runs (they cancel their jobs) and stop the daemons here."""
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    for process in started:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    if cluster is not None:
        cluster.stop()
    os._exit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, terminated)
    main()
