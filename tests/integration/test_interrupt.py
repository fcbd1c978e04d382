"""Ctrl-C: running batches are stopped, every sandbox is destroyed, results so far are written,
offload exits 130 and no process of the run is left."""
import os
import pathlib
import signal
import subprocess
import time
import uuid

from harness import ProjectTest, seconds as stretched, clean_env, generic_config, install, junit, main, processes_with_env, wait_until

SLOW = '''if [ "$1" = quick ]; then exit 0; fi
sh -c 'trap "" TERM; exec sleep 300' &
sleep 300
'''


class InterruptTest(ProjectTest):
    def start(self, grace=1):
        marker = f"OFFLOAD_IT_MARKER={uuid.uuid4()}"
        self.write({
            "t.sh": SLOW,
            "offload.toml": generic_config(
                "printf 'quick\\ns1\\ns2\\ns3\\ns4\\n'", "sh ./t.sh {tests}", parallel=2,
                provider_extra=f'env = {{ OFFLOAD_IT_MARKER = "{marker.split("=", 1)[1]}" }}\n'
                               f'scratch_dir = "{self.project}/scratch"\n'
                               f'kill_grace_secs = {grace}').replace("kill_grace_secs = 1\n", "", 1),
        })
        # Its own session, like a shell job: the signal goes to the whole foreground group.
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        # Two slow tests and their grandchildren are running: per test, its sh and two sleeps carry
        # the marker. Both sandboxes are then busy with slow tests, so "quick" is done — once no
        # process of it is left (a slow build may still be ending it when the others have started),
        # and offload had a moment to take its result.
        def quick_running():
            for pid in processes_with_env(marker):
                try:
                    if b"quick" in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes():
                        return True
                except OSError:
                    pass
            return False
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 6 and not quick_running(), 15),
                        "tests never started")
        time.sleep(0.5)
        return process, marker

    def assert_clean_stop(self, process, marker, out, err, seconds, limit):
        self.assertEqual(process.returncode, 130, out + err)
        self.assertLess(seconds, stretched(limit), out + err)
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 2),
                        f"processes of the run survived: {processes_with_env(marker)}")
        self.assertEqual(list((self.project / "scratch").iterdir()), [], "a sandbox directory was left behind")
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(cases["quick"][0], "passed")
        for slow in ("s1", "s2", "s3", "s4"):
            self.assertEqual(cases[slow][0], "not run")
            self.assertIn("interrupted", cases[slow][1].find("error").get("message"))
        self.assertIn("INTERRUPTED after 5 tests", out)

    def test_ctrl_c_stops_everything_and_keeps_the_results(self):
        process, marker = self.start()
        start = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=stretched(30))
        self.assertIn("interrupted: stopping the running batches", err)
        # grace (1 s) for the grandchildren that ignore SIGTERM, then SIGKILL
        self.assert_clean_stop(process, marker, out, err, time.monotonic() - start, 6)

    def test_sigterm_behaves_like_ctrl_c(self):
        process, marker = self.start()
        start = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=stretched(30))
        self.assert_clean_stop(process, marker, out, err, time.monotonic() - start, 6)

    def test_second_ctrl_c_kills_at_once(self):
        process, marker = self.start(grace=60)
        start = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=stretched(30))
        # Without the second signal the 60 s grace would run out first.
        self.assert_clean_stop(process, marker, out, err, time.monotonic() - start, 5)


if __name__ == "__main__":
    main()
