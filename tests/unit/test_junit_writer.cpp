#include "report/junit_writer.hpp"
#include "results/junit_reader.hpp"
#include "util/xml_text.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace std::string_literals;
using offload::Attempt;
using offload::JunitCase;
using offload::Outcome;
using offload::RunReport;
using offload::TestReport;

namespace {

Attempt attempt(Outcome outcome, std::string message = "", std::string output = "", double duration = 0.5)
{
    Attempt result;
    result.outcome = outcome;
    result.message = std::move(message);
    result.output = std::move(output);
    result.duration_secs = duration;
    return result;
}

TestReport test(std::string id, std::vector<Attempt> attempts, std::string file = "")
{
    TestReport result;
    result.id = std::move(id);
    result.file = std::move(file);
    result.attempts = std::move(attempts);
    return result;
}

// One test of every kind the report can hold.
RunReport every_outcome()
{
    RunReport report;
    report.name = "nightly";
    report.started_at = "2024-05-01T12:00:00Z";
    report.wall_secs = 12.3456;
    report.tests.push_back(test("t_pass", {attempt(Outcome::Passed, "", "chatter", 1.5)}, "tests/test_a.py"));
    report.tests.push_back(test("t_flaky", {attempt(Outcome::Failed, "assert 1 == 2", "out1"),
                                            attempt(Outcome::Error, "timeout after 30s"),
                                            attempt(Outcome::Passed, "", "ok output", 0.25)}));
    report.tests.push_back(test("t_fail", {attempt(Outcome::Failed, "first", "trace1"),
                                           attempt(Outcome::Error, "crashed", "core dumped"),
                                           attempt(Outcome::Failed, "second", "trace2", -1)}));
    report.tests.push_back(
        test("t_error", {attempt(Outcome::Failed, "wrong", "w"), attempt(Outcome::Error, "segfault", "bt")}));
    report.tests.push_back(test("t_skip", {attempt(Outcome::Skipped, "no gpu")}));
    TestReport not_run = test("t_notrun", {});
    not_run.not_run_reason = "batch crashed before it started";
    report.tests.push_back(not_run);
    return report;
}

std::string to_xml(const RunReport &report)
{
    std::ostringstream out;
    offload::write_junit(out, report);
    REQUIRE(out.good());
    return out.str();
}

std::vector<JunitCase> read_back(const std::string &xml)
{
    std::vector<JunitCase> cases;
    const offload::Expected<size_t> result =
        offload::parse_junit(xml, [&](const JunitCase &c) { cases.push_back(c); });
    REQUIRE_MESSAGE(result.has_value(), result.error());
    return cases;
}

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

// A directory of its own under the system's temporary directory, removed with its contents.
struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        static int counter = 0;
        path = std::filesystem::temp_directory_path() /
               ("offload-junit-writer-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

} // namespace

TEST_CASE("write_junit: declaration, suite counts and one testcase per test in report order")
{
    const std::string xml = to_xml(every_outcome());
    CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    const std::string counts = "name=\"nightly\" tests=\"6\" failures=\"1\" errors=\"2\" skipped=\"1\" "
                               "time=\"12.346\" timestamp=\"2024-05-01T12:00:00Z\"";
    CHECK(contains(xml, "<testsuites " + counts + ">"));
    CHECK(contains(xml, "<testsuite " + counts + ">"));

    const std::vector<JunitCase> cases = read_back(xml);
    REQUIRE(cases.size() == 6);
    const char *ids[] = {"t_pass", "t_flaky", "t_fail", "t_error", "t_skip", "t_notrun"};
    for (size_t i = 0; i < cases.size(); ++i) {
        CHECK(cases[i].name == ids[i]);
        CHECK(cases[i].suite == "nightly");
    }
    CHECK(cases[0].classname == "tests/test_a.py");
    CHECK(cases[0].file == "tests/test_a.py");
    CHECK(cases[1].classname == "nightly");
    CHECK(contains(xml, "<testcase name=\"t_pass\" classname=\"tests/test_a.py\" file=\"tests/test_a.py\" "
                        "time=\"1.500\"/>"));
    CHECK(contains(xml, "<testcase name=\"t_fail\" classname=\"nightly\" time=\"0.000\">"));
    CHECK(contains(xml, "<testcase name=\"t_notrun\" classname=\"nightly\" time=\"0.000\">"));
}

TEST_CASE("write_junit: a plain pass has nothing inside, not even its output")
{
    const std::string xml = to_xml(every_outcome());
    CHECK_FALSE(contains(xml, "chatter"));
}

TEST_CASE("write_junit: a flaky test passes, with flakyFailure/flakyError per failed attempt and its output")
{
    const std::string xml = to_xml(every_outcome());
    CHECK(contains(xml, "<testcase name=\"t_flaky\" classname=\"nightly\" time=\"0.250\">\n"
                        "      <flakyFailure message=\"assert 1 == 2\" type=\"failure\">"
                        "<stackTrace>out1</stackTrace></flakyFailure>\n"
                        "      <flakyError message=\"timeout after 30s\" type=\"error\"/>\n"
                        "      <system-out>ok output</system-out>\n"
                        "    </testcase>"));
    const std::vector<JunitCase> cases = read_back(xml);
    CHECK(cases[1].outcome == Outcome::Passed);
    CHECK(cases[1].earlier_failures == 2);
    CHECK(cases[1].details.rfind("ok output\n\nearlier attempt: assert 1 == 2", 0) == 0);
}

TEST_CASE("write_junit: failed after retries is a failure with the last output, and a rerun per earlier try")
{
    const std::string xml = to_xml(every_outcome());
    CHECK(contains(xml, "<testcase name=\"t_fail\" classname=\"nightly\" time=\"0.000\">\n"
                        "      <failure message=\"second\" type=\"failure\">second\n\ntrace2</failure>\n"
                        "      <rerunFailure message=\"first\" type=\"failure\">"
                        "<stackTrace>trace1</stackTrace></rerunFailure>\n"
                        "      <rerunError message=\"crashed\" type=\"error\">"
                        "<stackTrace>core dumped</stackTrace></rerunError>\n"
                        "    </testcase>"));
    CHECK(contains(xml, "<error message=\"segfault\" type=\"error\">segfault\n\nbt</error>\n"
                        "      <rerunFailure message=\"wrong\" type=\"failure\"><stackTrace>w</stackTrace>"
                        "</rerunFailure>\n"));

    const std::vector<JunitCase> cases = read_back(xml);
    CHECK(cases[2].outcome == Outcome::Failed);
    CHECK(cases[2].message == "second");
    CHECK(cases[2].details.rfind("second\n\ntrace2\n\nearlier attempt: first", 0) == 0);
    CHECK(cases[3].outcome == Outcome::Error);
    CHECK(cases[3].message == "segfault");
}

TEST_CASE("write_junit: skipped carries its reason; not run is an error CI shows red, with the reason")
{
    const std::string xml = to_xml(every_outcome());
    CHECK(contains(xml, "<skipped message=\"no gpu\"/>"));
    CHECK(contains(xml, "<error message=\"not run: batch crashed before it started\" type=\"not-run\">"
                        "not run: batch crashed before it started</error>"));

    const std::vector<JunitCase> cases = read_back(xml);
    CHECK(cases[4].outcome == Outcome::Skipped);
    CHECK(cases[4].message == "no gpu");
    CHECK(cases[5].outcome == Outcome::Error);
    CHECK(cases[5].message == "not run: batch crashed before it started");
}

TEST_CASE("write_junit: a not-run attempt gives its own reason; without any reason it is still red")
{
    RunReport report;
    report.tests.push_back(test("interrupted", {attempt(Outcome::NotRun, "interrupted by Ctrl-C")}));
    report.tests.push_back(test("silent", {}));
    const std::string xml = to_xml(report);
    CHECK(contains(xml, "<error message=\"not run: interrupted by Ctrl-C\" type=\"not-run\">"
                        "not run: interrupted by Ctrl-C</error>"));
    CHECK(contains(xml, "<error message=\"not run\" type=\"not-run\">not run</error>"));
    CHECK(contains(xml, "errors=\"2\""));
}

TEST_CASE("write_junit: GitLab shows a failure's text: the message leads it, once; system-out names the log")
{
    RunReport report;
    Attempt failed = attempt(Outcome::Failed, "assert 1 == 2", "assert 1 == 2\ntraceback");
    failed.log_path = "/ci/project/test-results/logs/batch-0003.log";
    report.tests.push_back(test("starts_with_message", {failed}));
    report.tests.push_back(test("no_output", {attempt(Outcome::Failed, "exit code 1")}));
    Attempt outside = attempt(Outcome::Error, "crashed");
    outside.log_path = "/elsewhere/batch-0004.log";
    report.tests.push_back(test("log_outside", {outside}));

    const std::string plain = to_xml(report);
    CHECK(contains(plain, ">assert 1 == 2\ntraceback</failure>\n"
                          "      <system-out>offload: the whole output of the batch it ran in: "
                          "/ci/project/test-results/logs/batch-0003.log</system-out>\n"));
    CHECK(contains(
        plain, "<failure message=\"exit code 1\" type=\"failure\">exit code 1</failure>\n    </testcase>"));
    CHECK_FALSE(contains(plain, "ATTACHMENT"));

    std::ostringstream gitlab;
    offload::write_junit(gitlab, report, {"/ci/project"});
    CHECK(contains(gitlab.str(), "/ci/project/test-results/logs/batch-0003.log\n"
                                 "[[ATTACHMENT|test-results/logs/batch-0003.log]]</system-out>"));
    // A log outside the project directory is no artifact GitLab could link.
    CHECK(contains(gitlab.str(), "/elsewhere/batch-0004.log</system-out>"));
}

TEST_CASE("write_junit: an empty report is still a valid document")
{
    RunReport report;
    const std::string xml = to_xml(report);
    CHECK(contains(xml, "<testsuites name=\"offload\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" "
                        "time=\"0.000\">"));
    CHECK(read_back(xml).empty());
}

TEST_CASE("write_junit round trip: control characters and invalid UTF-8 still give a readable document")
{
    const std::string nasty =
        "\x1B[31mred\x1B[0m \x00 \xFF\xC3 \xED\xA0\x80 <&>\"' ]]> \r\n\ttab \xF0\x9F\x98\x80"s;
    RunReport report;
    report.name = "suite <&> \x01"s;
    report.tests.push_back(
        test("id[<" + nasty + ">]", {attempt(Outcome::Failed, "msg\n" + nasty, nasty)}, nasty));
    report.tests.push_back(
        test("flaky\x02", {attempt(Outcome::Error, nasty, nasty), attempt(Outcome::Passed)}));
    report.tests.push_back(test("skip", {attempt(Outcome::Skipped, "why: " + nasty)}));
    TestReport not_run = test("never", {});
    not_run.not_run_reason = nasty;
    report.tests.push_back(not_run);

    const std::string xml = to_xml(report);
    CHECK(offload::sanitize_text(xml) == xml); // valid UTF-8 without forbidden characters

    const std::vector<JunitCase> cases = read_back(xml);
    REQUIRE(cases.size() == 4);
    const std::string safe = offload::sanitize_text(nasty);
    CHECK(cases[0].name == "id[<" + safe + ">]");
    CHECK(cases[0].suite == offload::sanitize_text(report.name));
    CHECK(cases[0].file == safe);
    CHECK(cases[0].outcome == Outcome::Failed);
    CHECK(cases[0].message == "msg\n" + safe);
    CHECK(cases[0].details == "msg\n" + safe + "\n\n" + safe.substr(0, safe.find_last_not_of(" \t\r\n") + 1));
    CHECK(cases[1].name == "flaky\\x02");
    CHECK(cases[1].outcome == Outcome::Passed);
    CHECK(cases[2].outcome == Outcome::Skipped);
    CHECK(cases[2].message == "why: " + safe);
    CHECK(cases[3].outcome == Outcome::Error);
    CHECK(cases[3].message == "not run: " + safe);
}

TEST_CASE("write_junit: large output survives whole, escaped, next to small tests")
{
    std::string big;
    while (big.size() < 40'000)
        big += "line <" + std::to_string(big.size()) + "> & \"q\" \x1B[0m \xC3\xA9\n";
    RunReport report;
    report.tests.push_back(test("before", {attempt(Outcome::Passed)}));
    report.tests.push_back(test("big", {attempt(Outcome::Failed, "m", big)}));
    report.tests.push_back(test("after", {attempt(Outcome::Skipped, "s")}));

    const std::vector<JunitCase> cases = read_back(to_xml(report));
    REQUIRE(cases.size() == 3);
    CHECK(cases[0].name == "before");
    CHECK(cases[1].details == "m\n\n" + offload::sanitize_text(big.substr(0, big.size() - 1)));
    CHECK(cases[2].name == "after");
    CHECK(cases[2].outcome == Outcome::Skipped);
}

namespace {
// The names in dir, sorted.
std::vector<std::string> names_in(const std::filesystem::path &dir)
{
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
} // namespace

TEST_CASE(
    "write_junit_file creates parent directories, replaces the file and leaves no temporary file behind")
{
    const TempDir dir;
    const std::filesystem::path path = dir.path / "a" / "b" / "junit.xml";
    REQUIRE(offload::write_junit_file(path.string(), every_outcome()));
    CHECK(std::filesystem::exists(path));

    RunReport smaller;
    smaller.tests.push_back(test("only", {attempt(Outcome::Passed)}));
    REQUIRE(offload::write_junit_file(path.string(), smaller));
    std::vector<JunitCase> cases;
    const offload::Expected<std::optional<size_t>> result =
        offload::read_junit(path, [&](const JunitCase &c) { cases.push_back(c); });
    CHECK((result && *result == 1u));
    REQUIRE(cases.size() == 1);
    CHECK(cases[0].name == "only");
    CHECK(names_in(path.parent_path()) == std::vector<std::string>{"junit.xml"});
}

TEST_CASE("write_junit_file into an unwritable location fails naming the path, and leaves nothing behind")
{
    const TempDir dir;
    // A regular file where a directory must be: fails for root too, unlike permission bits.
    std::ofstream((dir.path / "blocker").string()) << "x";
    const std::string under_file = (dir.path / "blocker" / "sub" / "junit.xml").string();
    const offload::Expected<void> blocked = offload::write_junit_file(under_file, every_outcome());
    REQUIRE_FALSE(blocked);
    CHECK(contains(blocked.error(), "cannot write the JUnit report"));
    CHECK(contains(blocked.error(), (dir.path / "blocker" / "sub").string()));

    // The target is a directory: refused before anything is written.
    const std::filesystem::path occupied = dir.path / "occupied";
    std::filesystem::create_directories(occupied / "inside");
    const offload::Expected<void> refused = offload::write_junit_file(occupied.string(), every_outcome());
    REQUIRE_FALSE(refused);
    CHECK(contains(refused.error(), occupied.string()));
    CHECK(contains(refused.error(), "directory"));
    CHECK(names_in(dir.path) == std::vector<std::string>{"blocker", "occupied"});
}

TEST_CASE("write_junit writes 100,000 tests in well under a second")
{
    RunReport report;
    report.tests.reserve(100'000);
    for (int i = 0; i < 100'000; ++i) {
        const std::string file = "tests/test_module_" + std::to_string(i / 100) + ".py";
        if (i % 10 == 0)
            report.tests.push_back(test(file + "::test_case_" + std::to_string(i),
                                        {attempt(Outcome::Failed, "assert x == y",
                                                 std::string(200, 'o') + "\nE   assert 1 == 2 <here>\n")},
                                        file));
        else
            report.tests.push_back(
                test(file + "::test_case_" + std::to_string(i), {attempt(Outcome::Passed)}, file));
    }

    std::ostringstream out;
    const auto start = std::chrono::steady_clock::now();
    offload::write_junit(out, report);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(out.good());
    CHECK(elapsed < std::chrono::seconds(1));

    const std::string xml = out.str();
    size_t testcases = 0;
    for (size_t at = xml.find("<testcase "); at != std::string::npos; at = xml.find("<testcase ", at + 1))
        ++testcases;
    CHECK(testcases == 100'000);
    CHECK(xml.ends_with("</testsuite>\n</testsuites>\n"));
}

TEST_CASE("write_junit: a quarantined failure stays a failure, with the quarantine as a property")
{
    RunReport report;
    TestReport known = test("t_known", {attempt(Outcome::Failed, "flaky socket", "trace")});
    known.quarantined = "listed in [flaky] quarantine as \"t_*\"";
    report.tests.push_back(known);
    TestReport passed = test("t_fine", {attempt(Outcome::Passed)});
    passed.quarantined = "listed in [flaky] quarantine as \"t_*\"";
    report.tests.push_back(passed);
    const std::string xml = to_xml(report);
    CHECK(contains(xml, "<testcase name=\"t_known\" classname=\"offload\" time=\"0.500\">\n"
                        "      <properties><property name=\"offload.quarantined\" value=\"listed in [flaky] "
                        "quarantine as &quot;t_*&quot;\"/></properties>\n"
                        "      <failure message=\"flaky socket\" type=\"failure\">"));
    CHECK(contains(xml, "<testsuite name=\"offload\" tests=\"2\" failures=\"1\""));
    CHECK(contains(xml, "<testcase name=\"t_fine\" classname=\"offload\" time=\"0.500\"/>"));
    const std::vector<JunitCase> cases = read_back(xml);
    CHECK(cases[0].outcome == Outcome::Failed);
    CHECK(cases[0].message == "flaky socket");
}

TEST_CASE("write_junit: a test of a group says so in a property, beside a quarantine; without groups nothing")
{
    RunReport report;
    TestReport fine = test("t_fine", {attempt(Outcome::Passed)});
    fine.group = "unit";
    report.tests.push_back(fine);
    TestReport known = test("t_known", {attempt(Outcome::Failed, "flaky socket", "trace")});
    known.group = "net";
    known.quarantined = "listed";
    report.tests.push_back(known);
    report.tests.push_back(test("t_plain", {attempt(Outcome::Passed)}));
    const std::string xml = to_xml(report);
    CHECK(contains(xml, "<testcase name=\"t_fine\" classname=\"offload\" time=\"0.500\">\n"
                        "      <properties><property name=\"offload.group\" value=\"unit\"/></properties>\n"
                        "    </testcase>\n"));
    CHECK(contains(xml, "      <properties><property name=\"offload.group\" value=\"net\"/>"
                        "<property name=\"offload.quarantined\" value=\"listed\"/></properties>\n"
                        "      <failure message=\"flaky socket\""));
    CHECK(contains(xml, "<testcase name=\"t_plain\" classname=\"offload\" time=\"0.500\"/>"));
    const std::vector<JunitCase> cases = read_back(xml);
    CHECK(cases[0].outcome == Outcome::Passed);
    CHECK(cases[1].outcome == Outcome::Failed);
}
