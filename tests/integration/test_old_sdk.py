"""Plugins built against the SDK headers of ABI 1.0 and 1.1, as published (tests/fixtures/sdk-1.0,
sdk-1.1; the plugin is tests/fixtures/plugins/old_sdk.c), keep loading and running unchanged in
this offload: the ABI grows without breaking them."""
import shutil

from harness import FIXTURE_PLUGINS, ProjectTest, junit, main

OLD_PLUGINS = {"fixture-sdk10": "fixture_sdk10.so", "fixture-sdk11": "fixture_sdk11.so"}
TESTS = ["alpha", "beta", "fail_gamma", "delta"]


class OldSdkTest(ProjectTest):
    def setUp(self):
        super().setUp()
        self.plugins = self.project / "plugins"
        self.plugins.mkdir()
        for file in OLD_PLUGINS.values():
            shutil.copy(FIXTURE_PLUGINS / file, self.plugins / file)
        self.sandboxes = self.project / "sandboxes"
        self.sandboxes.mkdir()

    def configure(self, framework, provider, parallel=2, provider_extra=""):
        tests = ", ".join(f'"{t}"' for t in TESTS)
        provider_keys = f'root = "{self.sandboxes}"\n{provider_extra}' if provider.startswith("fixture") else ""
        self.write({"offload.toml": f'[offload]\nmax_parallel = {parallel}\n'
                                    f'[provider]\ntype = "{provider}"\n{provider_keys}\n'
                                    f'[discovery]\ntype = "{framework}"\ntests = [{tests}]\n'})

    def run_suite(self):
        r = self.run_offload("--plugin-path", self.plugins, "run")
        self.assertEqual(r.code, 1, r)   # one test fails, as it should
        self.assertTrue(r.out.endswith("3 passed, 1 failed\n"), r)
        cases = junit(self.project / "test-results" / "junit.xml")
        self.assertEqual({name: outcome for name, (outcome, _) in cases.items()},
                         {"alpha": "passed", "beta": "passed", "fail_gamma": "failed", "delta": "passed"})
        self.assertIn("failed, as its name says", cases["fail_gamma"][1].find("failure").get("message"))
        return r

    def test_offload_plugins_lists_them_with_the_abi_they_were_built_for(self):
        r = self.run_offload("--plugin-path", self.plugins, "plugins")
        self.assertEqual(r.code, 0, r)
        for minor, (plugin_id, file) in enumerate(OLD_PLUGINS.items()):
            self.assertRegex(r.out, rf"{plugin_id} +framework, provider +1\.0\.0 +1\.{minor} +\S+/{file}")
        self.assertNotIn("Refused", r.out)

    def test_each_runs_a_suite_as_framework_and_provider(self):
        for plugin_id in OLD_PLUGINS:
            with self.subTest(plugin_id):
                self.configure(plugin_id, plugin_id)
                self.run_suite()
                # Every sandbox the old provider made was destroyed.
                self.assertEqual(list(self.sandboxes.iterdir()), [])

    def test_they_mix_with_each_other_and_with_the_shipped_plugins(self):
        for framework, provider in [("fixture-sdk10", "fixture-sdk11"), ("fixture-sdk11", "fixture-sdk10"),
                                    ("fixture-sdk10", "process")]:
            with self.subTest(framework=framework, provider=provider):
                self.configure(framework, provider)
                self.run_suite()

    def test_sandbox_capacity_is_asked_of_a_1_1_provider_only(self):
        self.configure("fixture-sdk11", "fixture-sdk11", parallel=3, provider_extra="capacity = 1")
        r = self.run_suite()
        self.assertIn("the fixture-sdk11 provider has room for 1 sandbox: running 1 at once, not 3", r.err)
        # A 1.0 provider has no sandbox_capacity: its struct ends before it, and the host reads no further.
        self.configure("fixture-sdk10", "fixture-sdk10", parallel=3, provider_extra="capacity = 1")
        r = self.run_suite()
        self.assertNotIn("has room for", r.err)


if __name__ == "__main__":
    main()
