"""Faults: sandboxes that die mid-batch cost no results; runs where nothing works end with a
clear error, not a hang; every signal that ends a terminal session stops the run cleanly."""
import os
import signal
import subprocess
import time
import uuid

from harness import ProjectTest, clean_env, generic_config, install, junit, main, processes_with_env, seconds, wait_until


class FaultTest(ProjectTest):
    def marker(self):
        token = str(uuid.uuid4())
        return f"OFFLOAD_ROBUST={token}", f'env = {{ OFFLOAD_ROBUST = "{token}" }}\nscratch_dir = "{self.project}/scratch"'

    def assert_nothing_left(self, marker):
        self.assertTrue(wait_until(lambda: not processes_with_env(marker), 3),
                        f"processes of the run survived: {processes_with_env(marker)}")
        scratch = self.project / "scratch"
        self.assertEqual(list(scratch.iterdir()) if scratch.exists() else [], [], "a sandbox directory was left")

    def test_a_batch_killed_from_outside_is_rerun_on_another_sandbox(self):
        marker, provider = self.marker()
        # The first run of "victim" SIGKILLs its own shell, as the OOM killer would.
        self.write({
            "offload.toml": generic_config("printf 'a\\nvictim\\nb\\n'", "sh ./t.sh {tests}", provider_extra=provider),
            "t.sh": 'if [ "$1" = victim ] && [ ! -e killed ]; then touch killed; kill -KILL $PPID; sleep 5; fi\n'
                    'echo "$1 ok"\n',
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
        self.assertIn("Incidents (1):", r.out)
        self.assertIn("killed by SIGKILL from outside offload", r.out)
        self.assert_nothing_left(marker)

    def test_a_shell_that_does_not_exist_is_one_clear_error(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}", provider_extra='shell = "/no/such/sh"')})
        r = self.run_offload("run", timeout=30)
        self.assertEqual(r.code, 1, r)
        self.assertIn('[provider] shell: "/no/such/sh" is not an executable file, nor found in PATH', r.err)

    def test_when_every_sandbox_fails_the_run_ends_with_the_reason(self):
        self.write({"offload.toml": generic_config("printf '1\\n2\\n3\\n'", "true {tests}",
                                                   provider_extra=f'scratch_dir = "{self.project}/not-a-dir"')})
        (self.project / "not-a-dir").write_text("a file where the scratch directory should go")
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertIn("could not prepare the run", r.err)

    def test_sighup_behaves_like_ctrl_c(self):
        marker, provider = self.marker()
        self.write({"offload.toml": generic_config("printf 'a\\nb\\n'", "sleep 60; : {tests}",
                                                   provider_extra=provider)})
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        self.assertTrue(wait_until(lambda: len(processes_with_env(marker)) >= 2, 15), "tests never started")
        process.send_signal(signal.SIGHUP)   # the terminal went away
        out, err = process.communicate(timeout=seconds(30))
        self.assertEqual(process.returncode, 130, out + err)
        self.assertEqual({v[0] for v in junit(self.project / "test-results" / "junit.xml").values()}, {"not run"})
        self.assert_nothing_left(marker)

    def interrupt_run(self, marker, started):
        process = subprocess.Popen([str(install().offload), "run"], cwd=self.project, env=clean_env(),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        self.assertTrue(wait_until(started, 15), "tests never started")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=seconds(30))
        self.assertEqual(process.returncode, 130, out + err)
        self.assert_nothing_left(marker)
        return {test: case.find("error").get("message")
                for test, (outcome, case) in junit(self.project / "test-results" / "junit.xml").items()}

    def test_ctrl_c_says_which_tests_were_running(self):
        # Tests that report their start: those running when Ctrl-C came say so.
        marker, provider = self.marker()
        self.write({"offload.toml": generic_config("printf 'a\\nb\\nc\\nd\\ne\\n'", "sh ./t.sh {tests}", parallel=2,
                                                   discovery_extra="events = true", provider_extra=provider),
                    "t.sh": 'for id; do echo "$OFFLOAD_EVENT_MARK start id=$id"; touch "started-$id"; sleep 60; done\n'})
        messages = self.interrupt_run(marker, lambda: len(list(self.project.glob("started-*"))) == 2)
        running = {p.name[len("started-"):] for p in self.project.glob("started-*")}
        self.assertEqual({t: m for t, m in messages.items() if t in running},
                         dict.fromkeys(running, "not run: the run was interrupted while it ran"))
        self.assertEqual({t: m for t, m in messages.items() if t not in running},
                         dict.fromkeys(set("abcde") - running, "not run: the run was interrupted before it ran"))

        # A batch that reports nothing may have been running any of its tests.
        # (Each batch says it started: two processes with the marker may be one batch's sh and sleep.)
        self.write({"offload.toml": generic_config("printf 'a\\nb\\nc\\n'", 'touch "batch.$$"; sleep 60; : {tests}',
                                                   parallel=2, discovery_extra="batch_size = 1",
                                                   provider_extra=provider)})
        messages = self.interrupt_run(marker, lambda: len(list(self.project.glob("batch.*"))) >= 2)
        self.assertEqual(sorted(messages.values()), ["not run: the run was interrupted before it ran"] +
                         ["not run: the run was interrupted while its batch ran"] * 2)

    def test_a_crash_of_the_test_tool_is_a_failure_with_its_signal(self):
        self.write({"offload.toml": generic_config("echo segv", "kill -SEGV $$; : {tests}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("segv: exit code 139", r.out)


if __name__ == "__main__":
    main()
