"""The command line: help, version, usage errors, init."""
import re

from harness import SOURCE_DIR, ProjectTest, generic_config, main

COMMANDS = ["run", "collect", "validate", "init", "plugins", "logs", "history", "completions", "man"]


class CliTest(ProjectTest):
    def test_help_lists_every_command_and_matches_the_readme(self):
        r = self.run_offload("--help")
        self.assertEqual(r.code, 0, r)
        readme = (SOURCE_DIR / "README.md").read_text()
        for command in COMMANDS:
            self.assertRegex(r.out, rf"\n  {command} +\S", command)
            self.assertIn(f"offload {command}", readme, f"README does not show `offload {command}`")
        for option in ("--config", "--plugin-path", "--verbose", "--quiet", "--version"):
            self.assertIn(option, r.out)
            self.assertIn(option, readme, f"README does not mention {option}")

    def test_command_help_shows_its_options(self):
        r = self.run_offload("run", "--help")
        self.assertEqual(r.code, 0, r)
        self.assertIn("--parallel N", r.out)
        self.assertIn("--retries N", r.out)
        self.assertIn("--config FILE", r.out)
        r = self.run_offload("init", "--help")
        self.assertIn("--provider P", r.out)
        self.assertIn("--framework F", r.out)

    def test_version(self):
        r = self.run_offload("--version")
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"^offload \d+\.\d+\.\d+ \(plugin ABI 1\.3\)\n$")

    def test_usage_errors_exit_64_and_point_to_help(self):
        for args, message in [
            (["frobnicate"], 'unknown command "frobnicate"'),
            (["run", "--parallel", "0"], "--parallel takes a number from 1 to 4096"),
            (["run", "--parallel", "many"], "many"),
            (["run", "--bogus"], "bogus"),
            (["collect", "--format", "yaml"], '--format takes text|json, not "yaml"'),
            (["validate", "extra"], 'unexpected argument "extra"'),
            (["run", "--partition", "3/2"], "--partition takes K/N with 1 <= K <= N"),
            (["run", "--fail-fast", "--max-fail", "2"], "exclude each other"),
            (["run", "--kill-running"], "--kill-running goes with --fail-fast or --max-fail N"),
            (["completions", "tcsh"], 'no completions for "tcsh"'),
            (["run", "--parallel", "1", "--parallel", "2"], "--parallel was given 2 times"),
        ]:
            with self.subTest(args=args):
                r = self.run_offload(*args)
                self.assertEqual(r.code, 64, r)
                self.assertIn(message, r.err)
                self.assertIn("--help", r.err)

    def test_no_command_prints_help_and_fails(self):
        r = self.run_offload()
        self.assertEqual(r.code, 64, r)
        self.assertIn("Commands:", r.out)

    def test_init_writes_a_working_config_and_never_overwrites(self):
        self.write({"tests/test_one.sh": "exit 0\n", "tests/test_two.sh": "exit 0\n"})
        r = self.run_offload("init", "--provider", "process", "--framework", "generic")
        self.assertEqual(r.code, 0, r)
        text = (self.project / "offload.toml").read_text()
        self.assertIn('type = "process"', text)
        self.assertIn('type = "generic"', text)
        self.assertIn("# ", text)
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertEqual(r.err.count("warning"), 0, r)
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertTrue(r.out.endswith("2 passed, 0 failed\n"), r)

        r = self.run_offload("init")
        self.assertEqual(r.code, 1, r)
        self.assertIn("already exists", r.err)
        self.assertEqual((self.project / "offload.toml").read_text(), text)

    def test_the_example_configs_are_what_init_writes_and_validate(self):
        configs = sorted((SOURCE_DIR / "examples" / "configs").glob("offload-*-*.toml"))
        pairs = {c.stem.split("-", 2)[1:] and tuple(c.stem.split("-", 2)[1:]) for c in configs}
        providers = {p for p, _ in pairs}
        self.assertTrue({"process", "script", "ssh", "slurm", "podman", "docker", "modal"} <= providers, providers)
        for config in configs:
            provider, framework = config.stem.split("-", 2)[1:]
            with self.subTest(config=config.name):
                target = self.project / f"{config.stem}.toml"
                r = self.run_offload("init", "--provider", provider, "--framework", framework, "-c", target)
                self.assertEqual(r.code, 0, r)
                written = re.sub(r"(?m)^max_parallel = \d+$", "max_parallel = 4", target.read_text())
                self.assertEqual(written, config.read_text(), f"{config.name} differs from what init writes")
                r = self.run_offload("-c", config, "validate")
                self.assertEqual(r.code, 0, r)

    def test_init_with_an_unknown_plugin_names_the_available_ones(self):
        r = self.run_offload("init", "--provider", "kubernetes")
        self.assertEqual(r.code, 1, r)
        self.assertIn('no provider plugin "kubernetes" was found', r.err)
        self.assertIn("Available: process", r.err)
        self.assertFalse((self.project / "offload.toml").exists())

    def test_config_option_before_or_after_the_command(self):
        self.write({"sub/x.toml": generic_config("echo t", "true {tests}")})
        for args in (["-c", "sub/x.toml", "collect"], ["collect", "--config", "sub/x.toml"]):
            r = self.run_offload(*args)
            self.assertEqual(r.code, 0, r)
            self.assertEqual(r.out, "t\n")

    def test_validate_prints_resolved_settings(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}", parallel=3)})
        r = self.run_offload("validate")
        self.assertEqual(r.code, 0, r)
        self.assertIn("max_parallel = 3", r.out)
        self.assertIn("test_timeout_secs = 60", r.out)
        self.assertRegex(r.out, r'# provider "process": \S+offload-process\.so')
        self.assertIn("is valid", r.out)


if __name__ == "__main__":
    main()
