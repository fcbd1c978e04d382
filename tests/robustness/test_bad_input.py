"""Bad input never crashes offload: odd configs, result files and test output, strange
discovery. Each gets a clear message and the right exit code."""
import os
import re
import stat
import sys
import uuid

from harness import ProjectTest, generic_config, junit, main, processes_with_env, wait_until


class BadInputTest(ProjectTest):
    def test_a_huge_config_is_refused_without_reading_it(self):
        with open(self.project / "offload.toml", "wb") as f:
            f.truncate(64 << 20)   # sparse: 64 MiB of NUL bytes
        r = self.run_offload("validate")
        self.assertEqual(r.code, 1, r)
        self.assertIn("a configuration file is at most", r.err)

    def test_binary_and_deeply_nested_toml(self):
        # Dotted keys and table headers 100,000 levels deep overflowed the stack inside toml++.
        for text in ("\x00\xff\xfe garbage", "a = " + "[" * 5000 + "]" * 5000, "[a]\n" * 3 + "x = 1\n",
                     "x = 1\nx = 2\n", "a" + ".a" * 100_000 + " = 1\n", "[a" + ".a" * 100_000 + "]\n",
                     "[provider]\ntype = \"process\"\nx = " + "{y = " * 100_000 + "1" + "}" * 100_000):
            with self.subTest(text=text[:20]):
                (self.project / "offload.toml").write_bytes(text.encode("latin-1"))
                r = self.run_offload("validate")
                self.assertEqual(r.code, 1, r)
                self.assertRegex(r.err, r"offload\.toml(:\d+:\d+)?: error: ")

    def test_limits_beyond_a_year_are_refused_not_overflowed(self):
        # 1e10 s overflowed the milliseconds of a deadline (undefined behaviour): discovery "did not
        # finish within 10000000000 s" at once.
        for key in ("test_timeout_secs", "slow_timeout_secs"):
            with self.subTest(key=key):
                config = (generic_config("echo t", "true {tests}", timeout="1e10") if key == "test_timeout_secs"
                          else generic_config("echo t", "true {tests}").replace(
                              "max_parallel = 2\n", f"max_parallel = 2\n{key} = 1e10\n"))
                self.write({"offload.toml": config})
                r = self.run_offload("run")
                self.assertEqual(r.code, 1, r)
                column = len(key) + 4
                self.assertIn(f"offload.toml:3:{column}: error: [offload] {key} must be at most 31536000 seconds "
                              "(a year), not 10000000000", r.err)
                self.assertNotIn("did not finish", r.err)

    def test_result_files_that_are_truncated_not_xml_or_name_strangers(self):
        writer = ("import sys\npath, ids = sys.argv[1], sys.argv[2:]\nkind = ids[0]\n"
                  "text = {'truncated': '<testsuite><testcase name=\"truncated\"><failure>',\n"
                  "        'notxml': 'this is not XML at all',\n"
                  "        'strangers': '<testsuite><testcase name=\"someone-else\"/></testsuite>',\n"
                  "        'empty': ''}[kind]\nopen(path, 'w').write(text)\n")
        self.write({
            "writer.py": writer,
            "offload.toml": generic_config("printf 'truncated\\nnotxml\\nstrangers\\nempty\\n'",
                                           f"{sys.executable} writer.py {{result_file}} {{tests}}",
                                           discovery_extra="batch_size = 1"),
        })
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"could not read the results: \S+batch-\d+\.junit\.xml: not well-formed XML at line 1")
        self.assertIn('has 1 test case(s) that match no test id of the batch (e.g. "someone-else")', r.err)
        outcomes = {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}
        self.assertEqual(set(outcomes.values()), {"not run"})
        self.assertEqual(sorted(outcomes), ["empty", "notxml", "strangers", "truncated"])

    def test_a_result_file_nested_100000_deep_is_refused_and_the_run_ends_cleanly(self):
        # RapidXML recursed once per level: offload died of a stack overflow, leaving no report, its
        # scratch directories and the other running batch behind.
        token = str(uuid.uuid4())
        writer = ("import sys, time\npath, test = sys.argv[1], sys.argv[2]\n"
                  "if test == 'deep':\n"
                  "    text = '<testsuite>\\n' + '<testsuite>\\n' * 100000 + '</testsuite>' * 100001\n"
                  "else:\n"
                  "    time.sleep(2)\n"
                  "    text = '<testsuite><testcase name=\"' + test + '\"/></testsuite>'\n"
                  "open(path, 'w').write(text)\n")
        self.write({"writer.py": writer,
                    "offload.toml": generic_config(
                        "printf 'deep\\nslow\\n'", f"{sys.executable} writer.py {{result_file}} {{tests}}",
                        discovery_extra="batch_size = 1",
                        provider_extra=f'env = {{ OFFLOAD_ROBUST = "{token}" }}\n'
                                       f'scratch_dir = "{self.project}/scratch"')})
        r = self.run_offload("run", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertRegex(r.err, r"could not read the results: \S+batch-\d+\.junit\.xml: elements nest deeper than "
                                r"256 levels at line 257")
        outcomes = {k: v[0] for k, v in junit(self.project / "test-results" / "junit.xml").items()}
        self.assertEqual(outcomes, {"deep": "not run", "slow": "passed"})
        self.assertTrue(wait_until(lambda: not processes_with_env(f"OFFLOAD_ROBUST={token}"), 3))
        self.assertEqual(list((self.project / "scratch").iterdir()), [])

        # The same file as the last run's report, for `offload logs` and `--rerun-failed` (which
        # reads the report only when the run's rerun-list is gone).
        report = self.project / "test-results" / "junit.xml"
        (self.project / "test-results" / "rerun-list").unlink()
        report.write_text("<testsuites>\n" + "<testsuite>\n" * 100000 + "</testsuite>" * 100000 + "</testsuites>")
        for args in (["logs"], ["run", "--rerun-failed"]):
            with self.subTest(args=args):
                r = self.run_offload(*args)
                self.assertEqual(r.code, 1, r)
                self.assertIn(f"{report}: elements nest deeper than 256 levels at line 257", r.err)

    def test_binary_and_huge_test_output_stays_on_disk_not_in_memory(self):
        # 300 MB of random bytes, most of it not UTF-8 and full of control characters.
        self.write({"offload.toml": generic_config("echo noisy", "head -c 300000000 /dev/urandom; exit 1; : {tests}")})
        r = self.run_offload("-v", "run", timeout=180)
        self.assertEqual(r.code, 1, r)
        rss = float(re.search(r"([\d.]+) MB peak RSS", r.err).group(1))
        self.assertLess(rss, 200, "offload kept the output in memory")
        log = self.project / "test-results" / "logs" / "batch-0001.log"
        self.assertEqual(log.stat().st_size, 300_000_000)
        failure = junit(self.project / "test-results" / "junit.xml")["noisy"][1].find("failure")
        self.assertLess(len(failure.text), 300_000)   # the tail, sanitized: the report stays valid XML

    def test_discovery_oddities(self):
        long_id = "x" * (1 << 20)
        self.write({"ids.txt": f"dup\ndup\n\n\r\n{long_id}\nfine\n",
                    "offload.toml": generic_config("cat ids.txt", "true {tests}")})
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertIn('discovery listed 1 test id more than once (e.g. "dup")', r.err)
        self.assertEqual(sorted(len(k) for k in junit(self.project / "test-results" / "junit.xml")),
                         [3, 4, 1 << 20])

    def test_regexes_run_in_linear_time_on_huge_ids_and_output(self):
        # std::regex recursed once per character of the text: a 20-40 KB id through --filter or
        # --exclude, or a 30 KB line of output through `logs --grep`, overflowed the stack (exit 139).
        long_id = "x" * ((1 << 20) - 1) + "y"   # 1 MiB, the longest id offload keeps
        ids = ["short", "a" * 20_000 + "b", "c" * 40_000, long_id]
        self.write({"ids.txt": "\n".join(ids) + "\n",
                    "t.sh": 'case "$1" in a*) printf "%30000s end\\n" ""; exit 1;; esac\n',
                    "offload.toml": generic_config("cat ids.txt", "sh ./t.sh {tests}",
                                                   discovery_extra="batch_size = 1")})
        for command, pattern, selected in [
                ("collect", "x.*y", [long_id]), ("collect", "^(x|y)+$", [long_id]),
                ("collect", "(a|c)*b", [ids[1]]), ("collect", "[a-z]+", ids)]:
            with self.subTest(command=command, pattern=pattern):
                r = self.run_offload(command, "--filter", pattern, timeout=30)
                self.assertEqual(r.code, 0, r)
                self.assertEqual(r.out.splitlines(), selected)
        r = self.run_offload("collect", "--exclude", "(a|c)+", "--exclude", "x+y$", timeout=30)
        self.assertEqual((r.code, r.out.splitlines()), (0, ["short"]), r)

        r = self.run_offload("run", "--filter", "^a.*b$", "--exclude", "c+$", timeout=60)
        self.assertEqual(r.code, 1, r)
        self.assertTrue(r.out.endswith("0 passed, 1 failed\n"), r)
        # The report keeps the last 16 KiB of the line: still thousands of spaces for " +end".
        r = self.run_offload("logs", "--grep", " +end", timeout=30)
        self.assertEqual(r.code, 0, r)
        self.assertIn("=== FAIL " + ids[1], r.out)
        self.assertIn("1 of 1 tests shown", r.out)

    def test_an_invalid_regex_says_which_option_what_is_wrong_and_what_offload_supports(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}")})
        r = self.run_offload("collect", "--exclude", "(ab")
        self.assertEqual(r.code, 64, r)
        self.assertIn('--exclude "(ab" is not a valid regular expression: missing ): (ab', r.err)
        r = self.run_offload("run", "--filter", "^(?!slow)")
        self.assertEqual(r.code, 64, r)
        self.assertIn('--filter "^(?!slow)" is not a valid regular expression: invalid perl operator: (?!', r.err)
        self.assertIn("no lookahead, lookbehind or backreferences; --exclude REGEX leaves tests out", r.err)
        r = self.run_offload("logs", "--grep", "a{2,1}")
        self.assertEqual(r.code, 64, r)
        self.assertIn('--grep "a{2,1}" is not a valid regular expression', r.err)

    def test_commas_in_patterns_and_ids_are_kept(self):
        # The command-line parser used to split every list value at commas.
        self.write({"offload.toml": generic_config("printf 't[1,2]\\nt[3]\\naa\\n'", "true {tests}")})
        r = self.run_offload("collect", "t[1,2]")
        self.assertEqual((r.code, r.out), (0, "t[1,2]\n"), r)
        r = self.run_offload("collect", "--filter", "^a{1,2}$")
        self.assertEqual((r.code, r.out), (0, "aa\n"), r)

    def test_unknown_framework_type(self):
        self.write({"offload.toml": generic_config("echo t", "true {tests}").replace('type = "generic"',
                                                                                     'type = "nosuchtool"')})
        r = self.run_offload("run")
        self.assertEqual(r.code, 1, r)
        self.assertIn('no framework plugin "nosuchtool" was found. Available:', r.err)

    def make_device(self, path):
        """A character device like /dev/null (1, 3) where offload may make one (root), else a FIFO:
        neither may ever be replaced by a report."""
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            return stat.S_ISCHR, "a character device"
        except PermissionError:
            os.mkfifo(path)
            return stat.S_ISFIFO, "a FIFO"

    def test_reports_never_replace_a_device(self):
        # `[history] path = "/dev/null"` as root used to write /dev/null.tmp and rename it over
        # /dev/null; junit_file did the same to any device file. A device of the test's own stands
        # in for /dev/null.
        for key in ("history", "junit"):
            with self.subTest(key=key):
                device = self.project / f"device-{key}"
                is_kind, kind = self.make_device(device)
                section = (f'[history]\npath = "{device}"\n' if key == "history"
                           else f'[report]\njunit_file = "{device}"\n')
                self.write({"offload.toml": generic_config("echo t", "true {tests}") + section})
                r = self.run_offload("run")
                self.assertTrue(is_kind(os.lstat(device).st_mode), f"{device} was replaced")
                self.assertIn(f"will not replace {device}: it is {kind}, not a regular file", r.err)
                if key == "history":
                    self.assertEqual(r.code, 0, r)
                    self.assertIn("the timing history was not saved", r.err)
                else:
                    self.assertEqual(r.code, 1, r)
                    self.assertIn("cannot write the JUnit report", r.err)
                self.assertEqual([p.name for p in self.project.iterdir() if ".tmp" in p.name], [])

    def test_a_symlink_planted_at_the_old_temporary_name_is_never_written_through(self):
        # The report and the history used to be written to "<file>.tmp" whatever was there: a
        # symlink planted under that name had its target overwritten.
        self.write({"offload.toml": generic_config("echo t", "true {tests}"),
                    "victim-report": "precious\n", "victim-history": "precious\n"})
        (self.project / "test-results").mkdir()
        (self.project / ".offload").mkdir()
        os.symlink(self.project / "victim-report", self.project / "test-results" / "junit.xml.tmp")
        os.symlink(self.project / "victim-history", self.project / ".offload" / "history.tmp")
        r = self.run_offload("run")
        self.assertEqual(r.code, 0, r)
        self.assertEqual((self.project / "victim-report").read_text(), "precious\n")
        self.assertEqual((self.project / "victim-history").read_text(), "precious\n")
        self.assertIn("t", junit(self.project / "test-results" / "junit.xml"))
        self.assertFalse((self.project / "test-results" / "junit.xml").is_symlink())
        self.assertTrue((self.project / ".offload" / "history").read_text().startswith("offload-history 2\n"))


if __name__ == "__main__":
    main()
