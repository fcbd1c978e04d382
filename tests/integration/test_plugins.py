"""The plugin host: search path, listing, and refusing bad plugins without crashing."""
import shutil

from harness import FIXTURE_PLUGINS, ProjectTest, generic_config, install, junit, main

BAD = {
    "fixture_wrong_abi.so": "built for plugin ABI 2 (exports offload_plugin_entry_v2), but this offload loads ABI 1",
    "fixture_missing_entry.so": "not an offload plugin: it does not export offload_plugin_entry_v1",
    "fixture_undefined_symbol.so": "undefined symbol: offload_fixture_function_that_does_not_exist",
    "fixture_failing_init.so": "init failed: the license server fixture.example is unreachable",
}


class PluginTest(ProjectTest):
    def plugin_dir(self, name, *plugins):
        directory = self.project / name
        directory.mkdir(parents=True, exist_ok=True)
        for plugin in plugins:
            shutil.copy(FIXTURE_PLUGINS / plugin, directory / plugin)
        return directory

    def test_listing_shows_good_plugins_and_refuses_bad_ones_with_a_reason(self):
        directory = self.plugin_dir("plugins", "fixture_good.so", *BAD)
        r = self.run_offload("--plugin-path", directory, "plugins")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"fixture-good +framework +1\.2\.3 +1\.3 +\S+/fixture_good\.so")
        self.assertRegex(r.out, r"generic +framework")
        self.assertRegex(r.out, r"process +provider")
        for file, reason in BAD.items():
            self.assertIn(f"{directory / file}: ", r.out)
            self.assertIn(reason, r.out)
        self.assertIn(f"1. {directory}  (--plugin-path)", r.out)
        self.assertIn(f"{install().plugin_dir}  (installed with offload)", r.out)

    def test_a_c_plugin_runs_a_suite(self):
        directory = self.plugin_dir("plugins", "fixture_good.so")
        self.write({"offload.toml": '[provider]\ntype = "process"\n[discovery]\ntype = "fixture-good"\n'
                                    'tests = ["alpha", "beta", "gamma"]\n'})
        r = self.run_offload("--plugin-path", directory, "run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("3 passed, 0 failed\n"), r)
        self.assertEqual(sorted(junit(self.project / "test-results" / "junit.xml")), ["alpha", "beta", "gamma"])

    def test_search_path_sources_and_order(self):
        env_dir = self.plugin_dir("from-env", "fixture_good.so")
        project_dir = self.plugin_dir(".offload/plugins", "fixture_good.so")
        config_dir = self.plugin_dir("tools/plugins", "fixture_good.so")
        self.write({"offload.toml": '[offload]\nplugin_paths = ["tools/plugins"]\n'
                                    '[provider]\ntype = "process"\n[discovery]\ntype = "fixture-good"\n'})
        r = self.run_offload("plugins", env={"OFFLOAD_PLUGIN_PATH": str(env_dir)})
        self.assertEqual(r.code, 0, r)
        order = [r.out.index(f"{d}  (") for d in (env_dir, config_dir, project_dir)]
        self.assertEqual(order, sorted(order), r.out)
        self.assertIn(f"{env_dir}  (OFFLOAD_PLUGIN_PATH)", r.out)
        self.assertIn(f"{config_dir}  (plugin_paths in offload.toml)", r.out)
        self.assertIn(f"{project_dir}  (the project's .offload/plugins)", r.out)
        # The first one wins; the later copies are listed as shadowed.
        self.assertRegex(r.out, rf"fixture-good +framework +1\.2\.3 +1\.3 +{env_dir}/fixture_good\.so")
        self.assertIn(f"{project_dir}/fixture_good.so: shadowed", r.out)

    def test_a_refused_plugin_does_not_stop_a_run_that_does_not_need_it(self):
        directory = self.plugin_dir("plugins", *BAD)
        self.write({"offload.toml": generic_config("echo t", "true {tests}")})
        r = self.run_offload("--plugin-path", directory, "run")
        self.assertEqual(r.code, 0, r)

    def test_asking_for_a_refused_plugin_explains_why(self):
        directory = self.plugin_dir("plugins", "fixture_failing_init.so")
        self.write({"offload.toml": generic_config("echo t", "true {tests}").replace('type = "generic"',
                                                                             'type = "fixture-failing-init"')})
        r = self.run_offload("--plugin-path", directory, "run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('no framework plugin "fixture-failing-init" was found', r.err)
        self.assertIn("init failed: the license server fixture.example is unreachable", r.err)

    def test_script_providers_are_listed(self):
        self.write({"plugins/offload-provider-demo": "#!/bin/sh\nexit 0\n"})
        (self.project / "plugins/offload-provider-demo").chmod(0o755)
        r = self.run_offload("--plugin-path", self.project / "plugins", "plugins")
        self.assertEqual(r.code, 0, r)
        self.assertIn("demo  ", r.out)
        self.assertIn("offload-provider-demo", r.out)


if __name__ == "__main__":
    main()
