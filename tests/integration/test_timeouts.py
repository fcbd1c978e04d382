"""Timeouts kill the whole process tree of a batch, and cost the batch's other tests nothing."""
import os

from harness import ProjectTest, generic_config, junit, main, seconds, wait_until

# A test that hangs, with a grandchild that ignores SIGTERM (only SIGKILL ends it).
HANG = '''if [ "$1" = hang ]; then
  sh -c 'trap "" TERM; echo $$ > grandchild.pid; exec sleep 300' &
  sleep 300
fi
echo "$1 done"
'''


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


class TimeoutTest(ProjectTest):
    def test_hanging_test_is_killed_with_its_grandchild(self):
        self.write({"t.sh": HANG, "offload.toml": generic_config("echo hang", "sh ./t.sh {tests}", timeout=1)})
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        # timeout (1 s) + SIGTERM grace (1 s) + start-up; nowhere near the 300 s of the sleeps
        self.assertLess(r.seconds, seconds(8), r)
        self.assertIn("hang: timeout: still running after 1 s, killed", r.out)
        case = junit(self.project / "test-results" / "junit.xml")["hang"]
        self.assertEqual(case[0], "failed")
        pid = int((self.project / "grandchild.pid").read_text())
        self.assertTrue(wait_until(lambda: not alive(pid), 2), f"grandchild {pid} survived the timeout")

    def test_a_timed_out_batch_reruns_its_other_tests_alone(self):
        self.write({
            "t.sh": 'for t in "$@"; do sh ./one.sh "$t" || exit 1; done\n',
            "one.sh": HANG,
            "offload.toml": generic_config("printf 'first\\nhang\\nlast\\n'", "sh ./t.sh {tests}", timeout=1,
                                           parallel=1, discovery_extra="batch_size = 3"),
        })
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        # The first batch holds "first" and "hang" (the last batch is the smallest): both go again alone.
        self.assertIn("its 2 unfinished tests ran again one by one", r.err)
        outcomes = {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}
        self.assertEqual(outcomes, {"first": "passed", "hang": "failed", "last": "passed"})

    def test_discovery_may_take_longer_than_a_test(self):
        # Discovery that builds first (cargo test --no-run...) outlasts a short per-test limit; it
        # was killed at test_timeout_secs, so the run ended without a report.
        self.write({"offload.toml": generic_config("sleep 3; echo one", "echo {tests}", timeout=1)})
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(junit(self.project / "test-results" / "junit.xml")["one"][0], "passed")


if __name__ == "__main__":
    main()
