"""Bad configuration: every message names file:line:column and the key, and says what to do."""
from harness import ProjectTest, generic_config, main


class ConfigErrorTest(ProjectTest):
    def test_wrong_type_in_a_core_section(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}").replace("max_parallel = 2", "max_parallel = \"2\"")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("offload.toml:2:16: error: [offload] max_parallel must be an integer from 1 to 4096, not a string",
                      r.err)
        self.assertIn("offload.toml has 1 error", r.err)

    def test_wrong_type_in_a_plugin_section_is_located_by_the_host(self):
        config = generic_config("echo t", "true {tests}", provider_extra="shell = 5")
        self.write({"offload.toml": config})
        line = config.splitlines().index("shell = 5") + 1
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"offload.toml:{line}:9: error: [provider] shell must be a string, not an integer", r.err)

    def test_plugin_checks_values_with_a_location(self):
        config = generic_config("echo t", "no placeholder here")
        self.write({"offload.toml": config})
        line = next(i for i, l in enumerate(config.splitlines(), 1) if l.startswith("run_command"))
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn(f"offload.toml:{line}:15: error: [discovery] run_command: must contain {{tests}}", r.err)

    def test_unknown_keys_warn_but_run(self):
        config = generic_config("echo t", "true {tests}", provider_extra="shel = \"bash\"").replace(
            "retry_count = 0", "retry_count = 0\nretries = 3")
        self.write({"offload.toml": config})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn("warning: unknown key [offload] retries is ignored", r.err)
        self.assertIn("warning: unknown key [provider] shel (the process provider does not read it; it is ignored)",
                      r.err)

    def test_unknown_provider_lists_what_exists(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}").replace('type = "process"', 'type = "nomad"')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('no provider plugin "nomad" was found. Available: process, script', r.err)
        self.assertIn("searched:", r.err)
        self.assertIn("[provider] type in", r.err)

    def test_invalid_toml(self):
        self.write({"offload.toml": "[offload]\nmax_parallel = = 2\n"})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"offload\.toml:2:\d+: error: not valid TOML")

    def test_missing_file_says_how_to_start(self):
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn("no config file offload.toml", r.err)
        self.assertIn("offload init", r.err)

    def test_every_problem_is_reported_at_once(self):
        self.write({"offload.toml": "[offload]\nmax_parallel = 0\nretry_count = \"x\"\n[discovery]\ntype = 1\n"})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("max_parallel must be from 1 to 4096, not 0", r.err)
        self.assertIn("retry_count must be an integer", r.err)
        self.assertIn("section [provider] is missing", r.err)
        self.assertIn("[discovery] type must be a string", r.err)
        self.assertIn("has 4 errors", r.err)

    def test_the_problems_of_both_plugin_tables_are_reported_at_once(self):
        # An unknown provider hid the errors of the [discovery] table, and the other way round.
        config = generic_config("echo t", "no placeholder here").replace('type = "process"', 'type = "nomad"')
        self.write({"offload.toml": config})
        line = next(i for i, l in enumerate(config.splitlines(), 1) if l.startswith("run_command"))
        for command in ("run", "validate"):
            with self.subTest(command=command):
                r = self.run_offload(command)
                self.assertEqual(r.code, 1, r)
                self.assertIn(f"offload.toml:{line}:15: error: [discovery] run_command: must contain {{tests}}", r.err)
                self.assertIn('no provider plugin "nomad" was found', r.err)


if __name__ == "__main__":
    main()
