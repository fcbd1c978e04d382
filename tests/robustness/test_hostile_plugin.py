"""A plugin that hands back NULLs, empty and 1 MiB ids, duplicates, wrong struct sizes, unknown
outcomes and statuses, results for tests it was not asked about: offload warns, keeps what is
sound, reports the rest as not run with a reason, and never crashes."""
import shutil

from harness import FIXTURE_PLUGINS, ProjectTest, generic_config, junit, main

CRASHING = {"fixture_crashing_init.so": "crashed while being loaded (signal 11)",
            "fixture_exiting_init.so": "exited with status 0 while being loaded"}


class HostilePluginTest(ProjectTest):
    def setUp(self):
        super().setUp()
        (self.project / "plugins").mkdir()
        shutil.copy(FIXTURE_PLUGINS / "fixture_hostile.so", self.project / "plugins")

    def config(self, provider_type="process", provider_mode="", framework_mode=""):
        self.write({"offload.toml": f"""[offload]
max_parallel = 2
[provider]
type = "{provider_type}"
{f'mode = "{provider_mode}"' if provider_mode else ""}
[discovery]
type = "fixture-hostile"
mode = "{framework_mode}"
"""})

    def test_a_framework_that_breaks_the_rules(self):
        self.config()
        r = self.run_offload("--plugin-path", self.project / "plugins", "run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("reported 4 tests without an id; ignored", r.err)   # NULL, "", a short struct, no struct
        self.assertIn('discovery listed 1 test id more than once (e.g. "good-1")', r.err)
        self.assertIn("reported 1 result for tests not in the batch (e.g. \"never-discovered\")", r.err)
        self.assertRegex(r.err, r"reported \d+ malformed results?; ignored")
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual(sorted(len(k) for k in cases), [6, 6, 1 << 20])
        self.assertEqual(cases["good-1"][0], "not run")   # its only result had no valid outcome
        self.assertEqual(cases["good-2"][0], "failed")
        message = cases["good-2"][1].find("failure").get("message")
        self.assertLess(len(message), 20_000)             # the 10 MiB message was bounded

    def test_an_empty_batch_command_is_an_error_of_its_tests(self):
        self.config(framework_mode="empty-command")
        r = self.run_offload("--plugin-path", self.project / "plugins", "run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("the framework could not build the command: the batch command is empty", r.out)

    def test_a_provider_that_returns_no_sandbox_or_unknown_statuses(self):
        for mode, message in [("null-sandbox", "create_sandbox returned OK without a sandbox"),
                              ("", "not a status this ABI knows")]:
            with self.subTest(mode=mode):
                self.config(provider_type="fixture-hostile", provider_mode=mode)
                r = self.run_offload("--plugin-path", self.project / "plugins", "run", timeout=60)
                self.assertEqual(r.code, 1, r)
                self.assertIn(message, r.out + r.err)
                self.assertEqual({v[0] for v in junit(self.project / "test-results" / "junit.xml").values()},
                                 {"not run"})


class PluginThatKillsItsHostTest(ProjectTest):
    """A .so in .offload/plugins whose init() crashes or calls exit(0). Every command used to load
    every plugin file it found: each such file took down run, collect, validate and even plugins,
    the command meant to diagnose it, and exit(0) made `run` exit 0 having run nothing."""

    def setUp(self):
        super().setUp()
        plugins = self.project / ".offload" / "plugins"
        plugins.mkdir(parents=True)
        for name in CRASHING:
            shutil.copy(FIXTURE_PLUGINS / name, plugins)
        self.plugins = plugins

    def test_commands_that_do_not_name_it_never_load_it(self):
        self.write({"offload.toml": generic_config("printf 'a\\nb\\n'", "true {tests}")})
        for name in CRASHING:
            with self.subTest(plugin=name):
                for other in CRASHING:
                    (self.plugins / other).unlink(missing_ok=True)
                shutil.copy(FIXTURE_PLUGINS / name, self.plugins)
                r = self.run_offload("run")
                self.assertEqual(r.code, 0, r)
                self.assertTrue(r.out.endswith("2 passed, 0 failed\n"), r)
                r = self.run_offload("collect")
                self.assertEqual((r.code, r.out), (0, "a\nb\n"), r)
                r = self.run_offload("validate")
                self.assertEqual(r.code, 0, r)
                self.assertIn("offload.toml is valid", r.out)

    def test_plugins_lists_them_as_refused_with_the_reason(self):
        r = self.run_offload("plugins")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"process +provider")
        for name, reason in CRASHING.items():
            self.assertIn(f"{self.plugins / name}: {reason}", r.out)

    def test_plugins_check_reports_the_crash(self):
        for name, reason in CRASHING.items():
            with self.subTest(plugin=name):
                r = self.run_offload("plugins", "check", self.plugins / name)
                self.assertEqual(r.code, 1, r)
                self.assertIn(f"Checking {self.plugins / name}\n", r.out)
                self.assertIn("  FAIL  " + reason.replace("loaded", "checked"), r.out)
                self.assertTrue(r.out.endswith("The plugin has problems (see above).\n"), r)

    def test_naming_it_is_an_error_that_says_why(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}").replace(
            'type = "generic"', 'type = "fixture-crashing-init"')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('no framework plugin "fixture-crashing-init" was found', r.err)
        self.assertIn(f"refused {self.plugins / 'fixture_crashing_init.so'}: crashed while being loaded (signal 11)",
                      r.err)


if __name__ == "__main__":
    main()
