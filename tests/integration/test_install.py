"""meson install: the layout, a moved tree that still finds its plugins, and an SDK that is
enough, through pkg-config alone, to build a plugin."""
import os
import shutil
import subprocess
import tempfile

from harness import SOURCE_DIR, ProjectTest, generic_config, install, main, offload


class InstallTest(ProjectTest):
    def test_layout(self):
        tree = install(str(self.project / "stage"))
        prefix = tree.prefix
        self.assertTrue(os.access(tree.offload, os.X_OK))
        for plugin in ("offload-process.so", "offload-generic.so"):
            self.assertTrue((tree.plugin_dir / plugin).is_file(), plugin)
        for header in ("abi.h", "host.h", "plugin.h", "framework.h", "provider.h", "offload.h", "plugin.hpp"):
            self.assertTrue((prefix / "include" / "offload" / header).is_file(), header)
        self.assertTrue(list(prefix.rglob("pkgconfig/offload-sdk.pc")))

    def test_a_moved_tree_finds_its_plugins(self):
        tree = install(str(self.project / "stage"))
        moved = self.project / "elsewhere"
        shutil.move(str(tree.prefix), str(moved))
        binary = moved / "bin" / "offload"
        r = subprocess.run([str(binary), "plugins"], cwd=self.project, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, rf"process +provider +\S+ +1\.3 +{moved}/\S+/offload-process\.so")
        self.write({"offload.toml": generic_config("printf 'a\\nb\\n'", "true {tests}")})
        r = subprocess.run([str(binary), "run"], cwd=self.project, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_plugin_builds_against_the_installed_sdk_alone(self):
        tree = install(str(self.project / "stage"))
        pc_dir = next(tree.prefix.rglob("pkgconfig/offload-sdk.pc")).parent
        flags = subprocess.run(["pkg-config", f"--define-variable=prefix={tree.prefix}", "--cflags", "offload-sdk"], capture_output=True,
                               text=True, env={**os.environ, "PKG_CONFIG_PATH": str(pc_dir)}, check=True).stdout.split()
        self.assertIn(f"-I{tree.prefix}/include", flags)
        plugins = self.project / "third-party"
        plugins.mkdir()
        # Only the installed headers: no include path into the source tree.
        subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", *flags,
                        str(SOURCE_DIR / "tests/fixtures/plugins/good.c"), "-o", str(plugins / "third_party.so")],
                       check=True)
        r = offload("--plugin-path", plugins, "plugins", cwd=self.project)
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, r"fixture-good +framework +1\.2\.3")


if __name__ == "__main__":
    main()
