#include "report/github_actions.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace offload;

namespace {

Attempt attempt(Outcome outcome, std::string message = "", std::string output = "", double secs = 0.5)
{
    Attempt result;
    result.outcome = outcome;
    result.message = std::move(message);
    result.output = std::move(output);
    result.duration_secs = secs;
    result.log_path = "/work/proj/test-results/logs/batch-0001.log";
    return result;
}

TestReport test(std::string id, std::vector<Attempt> attempts)
{
    TestReport report;
    report.id = std::move(id);
    report.attempts = std::move(attempts);
    return report;
}

GithubContext context(std::filesystem::path workspace = {})
{
    return {"/work/proj", std::move(workspace),
            [](const std::string &path) { return path == "tests/test_x.py" || path == "src/lib.rs"; }};
}

RunOutcome every_kind()
{
    RunOutcome outcome;
    outcome.sandboxes_created = 2;
    outcome.report.wall_secs = 3.5;
    std::vector<TestReport> &tests = outcome.report.tests;
    tests.push_back(test("tests/test_x.py::test_ok", {attempt(Outcome::Passed, "", "", 2.0)}));
    tests.push_back(test("tests/test_x.py::test_fails",
                         {attempt(Outcome::Failed, "assert 1 == 2",
                                  "    def test_fails():\n>       assert 1 == 2\nE       assert 1 == 2\n\n"
                                  "tests/test_x.py:5: AssertionError")}));
    tests.push_back(test("tests/test_x.py::test_flaky",
                         {attempt(Outcome::Failed, "first try", "tests/test_x.py:9: in test_flaky"),
                          attempt(Outcome::Passed)}));
    tests.push_back(test("tests/test_x.py::test_skip", {attempt(Outcome::Skipped, "no gpu")}));
    TestReport missing = test("lone|test", {});
    missing.not_run_reason = "its sandbox failed";
    tests.push_back(missing);
    TestReport quarantined =
        test("lib::net",
             {attempt(Outcome::Error, "refused", "thread 'net' panicked at src/lib.rs:3:5:\nrefused")});
    quarantined.quarantined = "listed in [flaky] quarantine as \"lib::net\"";
    tests.push_back(quarantined);
    return outcome;
}

std::vector<std::string> lines_of(const std::string &text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool has_line(const std::string &text, const std::string &line)
{
    for (const std::string &candidate : lines_of(text))
        if (candidate == line)
            return true;
    return false;
}

} // namespace

TEST_CASE("github_reporting_on: the setting wins; auto means GITHUB_ACTIONS=true")
{
    CHECK(github_reporting_on(std::nullopt, "true"));
    CHECK_FALSE(github_reporting_on(std::nullopt, nullptr));
    CHECK_FALSE(github_reporting_on(std::nullopt, "false"));
    CHECK_FALSE(github_reporting_on(std::nullopt, ""));
    CHECK_FALSE(github_reporting_on(false, "true"));
    CHECK(github_reporting_on(true, nullptr));
}

TEST_CASE("workflow command escapes: data escapes % CR LF, properties also : and ,")
{
    CHECK(github_escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b");
    CHECK(github_escape_property("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext%3A a%2C b");
}

TEST_CASE("annotations: an error per failure and test not run, a warning per flaky or quarantined test")
{
    const std::vector<std::string> lines = lines_of(github_annotations(every_kind(), context()));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "::error file=tests/test_x.py,line=5,title=offload%3A tests/test_x.py%3A%3Atest_fails "
                      "failed::assert 1 == 2");
    CHECK(lines[1] == "::error title=offload%3A lone|test did not run::its sandbox failed");
    CHECK(lines[2] ==
          "::warning file=tests/test_x.py,line=9,title=offload%3A tests/test_x.py%3A%3Atest_flaky is "
          "flaky::passed on attempt 2 of 2 after failing: first try");
    CHECK(lines[3] ==
          "::warning file=src/lib.rs,line=3,title=offload%3A lib%3A%3Anet failed (quarantined)::refused "
          "(quarantined: listed in [flaky] quarantine as \"lib::net\"; this failure does not fail the "
          "run)");
}

TEST_CASE("annotations: paths relative to GITHUB_WORKSPACE when the project lies inside it")
{
    const std::string text = github_annotations(every_kind(), context("/work"));
    CHECK(text.find("::error file=proj/tests/test_x.py,line=5,") == 0);
    // A project outside the workspace keeps its own relative paths.
    CHECK(github_annotations(every_kind(), context("/elsewhere")).find("::error file=tests/test_x.py,") == 0);
}

TEST_CASE("annotations: a multi-line message stays one command, control characters visible")
{
    RunOutcome outcome;
    outcome.report.tests.push_back(test("t", {attempt(Outcome::Failed, "line 1\nline 2 100%\x1b[31m")}));
    CHECK(github_annotations(outcome, context()) ==
          "::error title=offload%3A t failed::line 1%0Aline 2 100%25\\x1B[31m\n");
}

TEST_CASE("annotations: 10 of each kind, then one notice with how many more")
{
    RunOutcome outcome;
    for (int i = 0; i < 13; ++i)
        outcome.report.tests.push_back(test("f" + std::to_string(i), {attempt(Outcome::Failed, "no")}));
    for (int i = 0; i < 11; ++i)
        outcome.report.tests.push_back(
            test("k" + std::to_string(i), {attempt(Outcome::Failed, "no"), attempt(Outcome::Passed)}));
    const std::vector<std::string> lines = lines_of(github_annotations(outcome, context()));
    REQUIRE(lines.size() == 21);
    CHECK(lines[9] == "::error title=offload%3A f9 failed::no");
    CHECK(lines[10].starts_with("::warning title=offload%3A k0 is flaky::"));
    CHECK(lines[19].starts_with("::warning title=offload%3A k9 is flaky::"));
    CHECK(lines[20] ==
          "::notice title=offload::3 more errors and 1 more warning than GitHub shows (10 of each "
          "kind) are in the job summary and the JUnit report");
}

TEST_CASE("annotations: none for a run where everything passed")
{
    RunOutcome outcome;
    outcome.report.tests.push_back(test("a", {attempt(Outcome::Passed)}));
    outcome.report.tests.push_back(test("b", {attempt(Outcome::Skipped, "later")}));
    CHECK(github_annotations(outcome, context()).empty());
}

TEST_CASE("job summary: headline, counts, failures with folded output, not run, flaky, quarantined, slowest")
{
    const std::string md = github_job_summary(every_kind(), context(), github_summary_max_bytes);
    const std::vector<std::string> lines = lines_of(md);
    CHECK(lines[0] == "## ❌ offload: 1 failed, 1 not run, 1 quarantined, 2 passed (1 flaky), 1 skipped");
    for (const char *row :
         {"| passed | 2 |", "| failed | 1 |", "| flaky | 1 |", "| quarantined | 1 |", "| skipped | 1 |",
          "| not run | 1 |", "| wall time | 3.50 s |", "| sandboxes | 2 |"})
        CHECK_MESSAGE(has_line(md, row), row);
    CHECK(has_line(md, "### Failed (1)"));
    CHECK(has_line(md, "**tests/test\\_x.py::test\\_fails** at `tests/test_x.py:5`: assert 1 == 2"));
    CHECK(has_line(md, "<details><summary>output</summary>"));
    CHECK(has_line(md, "tests/test_x.py:5: AssertionError"));
    CHECK(has_line(md, "### Not run (1)"));
    CHECK(has_line(md, "- **lone\\|test**: its sandbox failed"));
    CHECK(has_line(md, "### Flaky (1)"));
    CHECK(has_line(
        md, "- **tests/test\\_x.py::test\\_flaky**: passed on attempt 2 of 2; it failed before: first try"));
    CHECK(has_line(md, "### Quarantined: failed, but do not fail the run (1)"));
    CHECK(has_line(
        md, "- **lib::net**: refused (quarantined: listed in \\[flaky\\] quarantine as \"lib::net\")"));
    CHECK(has_line(md, "### Slowest"));
    CHECK(has_line(md, "| tests/test\\_x.py::test\\_ok | 2.00 s |"));
}

TEST_CASE("job summary: green only because of the quarantine says so")
{
    RunOutcome outcome;
    outcome.report.tests.push_back(test("a", {attempt(Outcome::Passed)}));
    TestReport quarantined = test("q", {attempt(Outcome::Failed, "boom")});
    quarantined.quarantined = "flaked in 3 of its last 10 runs";
    outcome.report.tests.push_back(quarantined);
    const std::vector<std::string> lines = lines_of(github_job_summary(outcome, context(), 100000));
    CHECK(lines[0] == "## ✅ offload: 1 quarantined, 1 passed");
    CHECK(lines[2] == "The run is green only because 1 test that failed is quarantined.");
}

TEST_CASE("job summary: output in a fence longer than its longest run of backticks; ids escaped")
{
    RunOutcome outcome;
    outcome.report.tests.push_back(test("t<b>`x`*", {attempt(Outcome::Failed, "m", "a ```` b\n</details>")}));
    const std::string md = github_job_summary(outcome, context(), 100000);
    CHECK(has_line(md, "**t\\<b\\>\\`x\\`\\***: m"));
    CHECK(has_line(md, "`````text"));
    CHECK(has_line(md, "a ```` b"));
    CHECK(has_line(md, "</details>"));
    CHECK(has_line(md, "`````"));
}

TEST_CASE("job summary: stays within its size, cutting lists with \"…and N more\"")
{
    RunOutcome outcome;
    for (int i = 0; i < 3000; ++i)
        outcome.report.tests.push_back(
            test("t" + std::to_string(i), {attempt(Outcome::Failed, "m", std::string(2000, 'o'))}));
    for (int i = 0; i < 3000; ++i)
        outcome.report.tests.push_back(test("n" + std::to_string(i), {}));
    const size_t limit = 200000;
    const std::string md = github_job_summary(outcome, context(), limit);
    CHECK(md.size() <= limit);
    const size_t failed = md.find("### Failed (3000)");
    const size_t not_run = md.find("### Not run (3000)");
    REQUIRE(failed != std::string::npos);
    REQUIRE(not_run != std::string::npos);
    CHECK(md.find("more (see the JUnit report)", failed) < not_run);
    CHECK(md.find("more (see the JUnit report)", not_run) != std::string::npos);
}

TEST_CASE("job summary: at most 100 failures with their output, however much room is left")
{
    RunOutcome outcome;
    for (int i = 0; i < 300; ++i)
        outcome.report.tests.push_back(test("t" + std::to_string(i), {attempt(Outcome::Failed, "m", "out")}));
    const std::string md = github_job_summary(outcome, context(), github_summary_max_bytes);
    CHECK(has_line(md, "**t99**: m"));
    CHECK_FALSE(has_line(md, "**t100**: m"));
    CHECK(has_line(md, "…and 200 more (see the JUnit report)"));
}

TEST_CASE("append_github_job_summary: appends, keeps what the file held, and refuses what it cannot write")
{
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("offload-gh-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "summary.md").string();
    std::ofstream(path) << "# earlier step\n";
    REQUIRE(append_github_job_summary(path, every_kind(), context()));
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().starts_with("# earlier step\n\n## ❌ offload:"));

    const Expected<void> directory = append_github_job_summary(dir.string(), every_kind(), context());
    REQUIRE_FALSE(directory);
    CHECK(directory.error().find("the job summary was not written to " + dir.string()) == 0);
    const Expected<void> missing =
        append_github_job_summary((dir / "no/such/file").string(), every_kind(), context());
    REQUIRE_FALSE(missing);
    CHECK(missing.error().find("No such file or directory") != std::string::npos);
    std::filesystem::remove_all(dir);
}
