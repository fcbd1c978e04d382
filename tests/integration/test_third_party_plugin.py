"""A provider plugin built outside the tree (examples/plugin-provider) against the installed SDK
through pkg-config only, found through OFFLOAD_PLUGIN_PATH, runs a suite."""
import os
import shutil
import socket
import subprocess
import sys
import threading

from harness import SOURCE_DIR, ProjectTest, install, junit, main, offload, skip_module


def bwrap_works():
    if not shutil.which("bwrap"):
        return "bwrap is not installed (tools/bootstrap --tests installs bubblewrap)"
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-all", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"bwrap cannot create namespaces here: {probe.stderr.strip()}"


class ThirdPartyPluginTest(ProjectTest):
    @classmethod
    def setUpClass(cls):
        tree = install()
        pc_dir = next(tree.prefix.rglob("pkgconfig/offload-sdk.pc")).parent
        cls.source = SOURCE_DIR / "examples" / "plugin-provider"
        cls.build = tree.root / "plugin-provider-build"
        # The staged install lives under DESTDIR: the sysroot makes pkg-config's paths point there.
        env = {**os.environ, "PKG_CONFIG_PATH": str(pc_dir), "PKG_CONFIG_SYSROOT_DIR": str(tree.root)}
        setup = subprocess.run(["meson", "setup", str(cls.build), str(cls.source)], env=env, capture_output=True,
                               text=True)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        # No path into offload's source tree: only the staged install's include directory.
        flags = subprocess.run(["pkg-config", "--cflags", "offload-sdk"], env=env, capture_output=True,
                               text=True).stdout
        assert str(tree.root) in flags and str(SOURCE_DIR) not in flags, flags
        compiled = subprocess.run(["meson", "compile", "-C", str(cls.build)], capture_output=True, text=True)
        assert compiled.returncode == 0, compiled.stdout + compiled.stderr

    def test_it_is_found_through_the_plugin_path_and_passes_its_check(self):
        env = {"OFFLOAD_PLUGIN_PATH": str(self.build)}
        r = offload("plugins", cwd=self.project, env=env)
        self.assertEqual(r.code, 0, r)
        self.assertRegex(r.out, rf"bwrap +provider +1\.0\.0 +1\.3 +{self.build}/offload-bwrap\.so")
        r = offload("plugins", "check", self.build / "offload-bwrap.so", cwd=self.project)
        self.assertEqual(r.code, 0, r)
        self.assertIn("The plugin is usable.", r.out)

    def test_it_runs_a_suite_without_network(self):
        # A server on loopback: reachable from the host, not from inside a bwrap sandbox.
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        self.addCleanup(server.close)
        threading.Thread(target=lambda: [server.accept()[0].close() for _ in range(100)], daemon=True).start()
        self.write({
            "probe.py": "import socket, sys\ntry:\n    socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2)\n"
                        "    print('reached')\nexcept OSError as e:\n    print('isolated', e)\n    sys.exit(3)\n",
            "offload.toml": f"""[provider]
type = "bwrap"
[discovery]
type = "generic"
discover_command = "printf 'isolated\\\\nwrites\\\\n'"
run_command = "sh ./t.sh {{tests}}"
""",
            "t.sh": f'case $1 in\n  isolated) ! {sys.executable} probe.py {port} ;;\n'
                    '  writes) echo ok > "$OFFLOAD_SANDBOX_DIR/out" && ! touch /usr/offload-denied 2>/dev/null ;;\n'
                    'esac\n',
        })
        r = offload("run", cwd=self.project, env={"OFFLOAD_PLUGIN_PATH": str(self.build)})
        self.assertEqual(r.code, 0, r)
        self.assertEqual({k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()},
                         {"isolated": "passed", "writes": "passed"})
        # The same probe from the host reaches the server: the isolation came from the plugin.
        reached = subprocess.run([sys.executable, str(self.project / "probe.py"), str(port)], capture_output=True,
                                 text=True)
        self.assertEqual(reached.stdout.strip(), "reached")


def setUpModule():
    why = bwrap_works()
    if why:
        skip_module(why)


if __name__ == "__main__":
    main()
