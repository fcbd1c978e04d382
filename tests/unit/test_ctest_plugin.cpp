// The ctest plugin's pure parts: the -R expressions that select tests exactly, ctest's verdicts from
// its JUnit file and console lines, the listing, and the ids and settings of expanded GoogleTest tests.
#include "ctest/ctest_gtest.hpp"
#include "ctest/ctest_listing.hpp"
#include "ctest/ctest_results.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace offload::ctest;

TEST_CASE("a name becomes a regular expression that matches exactly that name")
{
    CHECK(regex_literal("math.adds") == "math\\.adds");
    CHECK(regex_literal("parse(1+1)*[x]") == "parse\\(1\\+1\\)\\*\\[x\\]");
    CHECK(regex_literal("^a|b$\\{2}?") == "\\^a\\|b\\$\\\\\\{2\\}\\?");
    CHECK(regex_literal("plain_name-1 with space/slash") == "plain_name-1 with space/slash");
    CHECK(names_regex({"a.b", "c(d)"}) == "^(a\\.b|c\\(d\\))$");
    // ECMAScript reads these escapes as cmsys does: each expression matches its name and no other.
    for (const std::string name :
         {"parse(1+1)*[x]", "a.b", "x|y", "ends$", "^starts", "back\\slash", "q?{1}"}) {
        const std::regex regex(names_regex({name}));
        CHECK(std::regex_match(name, regex));
        CHECK_FALSE(std::regex_match(name + "x", regex));
        CHECK_FALSE(std::regex_match("x" + name, regex));
    }
    CHECK_FALSE(std::regex_match("aXb", std::regex(names_regex({"a.b"}))));
}

namespace {

// ctest's JUnit file and console for a run of these tests, as CMake 3.25 writes them.
constexpr std::string_view junit = R"xml(<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="(empty)" tests="8" failures="2" disabled="1" skipped="1" hostname="" time="0">
	<testcase name="math.adds" classname="math.adds" time="0.0189667" status="run">
		<system-out>all good
</system-out>
	</testcase>
	<testcase name="math.fails" classname="math.fails" time="0.0152916" status="fail">
		<failure message=""/>
		<system-out>expected 4, got 5
</system-out>
	</testcase>
	<testcase name="not_ready" classname="not_ready" time="0" status="disabled">
		<system-out>Disabled</system-out>
	</testcase>
	<testcase name="needs_gpu" classname="needs_gpu" time="0.00917993" status="notrun">
		<skipped message="SKIP_RETURN_CODE=4"/>
		<system-out>no GPU here: skipped
</system-out>
	</testcase>
	<testcase name="segfaults" classname="segfaults" time="0.00969789" status="fail">
		<failure message=""/>
		<system-out>about to dereference a null pointer
</system-out>
	</testcase>
	<testcase name="db.query" classname="db.query" time="0" status="notrun">
		<skipped message="Fixture dependency failed"/>
		<system-out></system-out>
	</testcase>
	<testcase name="slow" classname="slow" time="1.0" status="fail">
		<failure message=""/>
		<system-out></system-out>
	</testcase>
	<testcase name="odd" classname="odd" time="0" status="weird">
		<system-out></system-out>
	</testcase>
</testsuite>
)xml";

constexpr std::string_view console = R"log(Test project /tmp/ctex/build
    Start  8: math.adds
1/8 Test  #8: math.adds ........................   Passed    0.02 sec
2/8 Test  #9: math.fails .......................***Failed    0.02 sec
3/8 Test #12: not_ready ........................***Not Run (Disabled)   0.00 sec
4/8 Test #13: needs_gpu ........................***Skipped   0.01 sec
5/8 Test #14: segfaults ........................***Exception: SegFault  0.01 sec
6/8 Test #17: db.query .........................***Not Run   0.00 sec
7/8 Test #20: slow .............................***Timeout   1.00 sec
7/8 Test #21: slow.er ..........................   Passed    0.50 sec
)log";

} // namespace

TEST_CASE("ctest's status attribute is the verdict, its console the reason")
{
    const CTestRun run = read_ctest_run(junit, console);
    REQUIRE(run.whole);
    REQUIRE(run.tests.size() == 8);
    const CTestResult &adds = run.tests.at("math.adds");
    CHECK(adds.outcome == OFFLOAD_OUTCOME_PASSED);
    CHECK(adds.message.empty());
    CHECK(adds.output == "all good");
    CHECK(adds.secs == doctest::Approx(0.0189667));
    const CTestResult &fails = run.tests.at("math.fails");
    CHECK(fails.outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(fails.message == "Failed");
    CHECK(fails.output == "expected 4, got 5");
    CHECK(run.tests.at("segfaults").outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(run.tests.at("segfaults").message == "Exception: SegFault");
    CHECK(run.tests.at("slow").message == "Timeout");
    // DISABLED: skipped; skipped by SKIP_RETURN_CODE: skipped; not run for another reason: failed.
    CHECK(run.tests.at("not_ready").outcome == OFFLOAD_OUTCOME_SKIPPED);
    CHECK(run.tests.at("not_ready").message.find("DISABLED") != std::string::npos);
    CHECK(run.tests.at("needs_gpu").outcome == OFFLOAD_OUTCOME_SKIPPED);
    CHECK(run.tests.at("needs_gpu").message == "skipped (SKIP_RETURN_CODE=4)");
    CHECK(run.tests.at("db.query").outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(run.tests.at("db.query").message == "not run: Fixture dependency failed");
    // A status offload does not know is never a pass.
    CHECK(run.tests.at("odd").outcome == OFFLOAD_OUTCOME_ERROR);
}

TEST_CASE("a JUnit file that is cut off or not ctest's is not whole")
{
    const CTestRun cut = read_ctest_run(junit.substr(0, junit.size() / 2), console);
    CHECK_FALSE(cut.whole);
    CHECK_FALSE(cut.error.empty());
    const CTestRun other = read_ctest_run("<testsuites><testsuite/></testsuites>", "");
    CHECK_FALSE(other.whole);
    CHECK(other.error.find("<testsuite>") != std::string::npos);
}

TEST_CASE("the console's reason is that of the test's own line, without its time")
{
    CHECK(console_reason(console, "segfaults") == "Exception: SegFault");
    CHECK(console_reason(console, "math.fails") == "Failed"); // "Test  #9": padded
    CHECK(console_reason("1/1 Test: x ...***Failed  0.1 sec\n", "x") == "");
    CHECK(console_reason(console, "not_ready") == "Not Run (Disabled)");
    CHECK(console_reason(console, "slow") == "Timeout"); // not slow.er's line
    CHECK(console_reason(console, "slow.er") == "Passed");
    CHECK(console_reason(console, "math") == ""); // a prefix of a name is not the name
    CHECK(console_reason(console, "absent") == "");
    CHECK(console_reason("1/1 Test #1: sub ...***Exception: Subprocess aborted   0.10 sec\n", "sub") ==
          "Exception: Subprocess aborted");
}

TEST_CASE("the listing's properties, and the fixtures and locks of a run")
{
    const CTestListing listing = read_listing(R"({"kind": "ctestInfo", "version": {"major": 1, "minor": 0},
      "tests": [
        {"name": "db.setup", "command": ["/b/probe", "setup"],
         "properties": [{"name": "FIXTURES_SETUP", "value": ["db"]}, {"name": "RESOURCE_LOCK", "value": ["disk"]}]},
        {"name": "db.query", "command": ["/b/probe", "query"],
         "properties": [{"name": "FIXTURES_REQUIRED", "value": ["db"]}, {"name": "WILL_FAIL", "value": true},
                        {"name": "ENVIRONMENT", "value": ["A=1", "B=x y"]}, {"name": "TIMEOUT", "value": 2.5},
                        {"name": "WORKING_DIRECTORY", "value": "/src"}]},
        {"name": "db.cleanup", "command": ["/b/probe", "cleanup"],
         "properties": [{"name": "FIXTURES_CLEANUP", "value": ["db"]}, {"name": "RUN_SERIAL", "value": true}]},
        {"name": "other", "command": ["/b/probe"], "properties": [{"name": "DISABLED", "value": false}]},
        {"name": "other", "command": ["/b/probe", "again"], "properties": []}
      ]})");
    REQUIRE(listing.tests.size() == 4);
    CHECK(listing.repeats == std::vector<std::string>{"other"});
    const CTestTest &query = listing.tests[1];
    CHECK(query.will_fail);
    CHECK(query.environment == std::vector<std::string>{"A=1", "B=x y"});
    CHECK(query.timeout_secs == doctest::Approx(2.5));
    CHECK(query.working_directory == "/src");
    CHECK_FALSE(listing.tests[3].disabled);
    const CTestSuite suite(listing);
    CHECK(suite.with_fixtures({"db.query"}) == std::set<std::string>{"db.setup", "db.query", "db.cleanup"});
    CHECK(suite.with_fixtures({"other"}) == std::set<std::string>{"other"});
    // Its RESOURCE_LOCKs, and the fixture itself: two runs sharing "db" at once would have one's
    // cleanup remove what the other's query reads.
    CHECK(suite.locks({"db.query"}) == std::set<std::string>{"disk", fixture_lock("db")});
    CHECK(suite.locks({"other"}).empty());
    CHECK(fixture_lock("db") != "db");
    CHECK(suite.run_serial({"db.query"}));
    CHECK_FALSE(suite.run_serial({"other"}));
    CHECK_THROWS(read_listing("{\"kind\": \"something else\"}"));
    CHECK_THROWS(read_listing("not json"));
}

TEST_CASE("an expanded test's cases: ids, and whether its DISABLED_ cases run")
{
    CHECK(case_id("shapes", "Small/Square.IsNotNegative/2") == "shapes/Small/Square.IsNotNegative/2");
    CTestTest test;
    test.name = "shapes";
    test.command = {"/b/shapes_test", "--verbose"};
    CHECK_FALSE(runs_disabled(test));
    test.command.push_back("--gtest_also_run_disabled_tests");
    CHECK(runs_disabled(test));
    test.command.back() = "--gtest_also_run_disabled_tests=0";
    CHECK_FALSE(runs_disabled(test));
    test.command = {"/b/shapes_test"};
    test.environment = {"GTEST_ALSO_RUN_DISABLED_TESTS=1"};
    CHECK(runs_disabled(test));
    // The program itself asking for it is no argument.
    test.environment.clear();
    test.command = {"--gtest_also_run_disabled_tests"};
    CHECK_FALSE(runs_disabled(test));
}
