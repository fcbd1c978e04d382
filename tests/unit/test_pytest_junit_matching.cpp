// The pytest plugin's matching of JUnit testcases to the node ids of a batch (pure code).
#include "pytest/junit_matching.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

JunitCase testcase(std::string classname, std::string name, offload_outcome outcome = OFFLOAD_OUTCOME_PASSED)
{
    JunitCase c;
    c.classname = std::move(classname);
    c.name = std::move(name);
    c.outcome = outcome;
    return c;
}

const TestVerdict *verdict_of(const std::vector<TestVerdict> &verdicts, size_t test)
{
    for (const TestVerdict &verdict : verdicts)
        if (verdict.test == test)
            return &verdict;
    return nullptr;
}

} // namespace

TEST_CASE("pytest's own names match their node ids")
{
    const std::vector<std::string_view> ids = {"tests/test_a.py::TestB::test_c[x::y]"};
    const auto verdicts =
        match_junit(ids, {testcase("tests.test_a.TestB", "test_c[x::y]", OFFLOAD_OUTCOME_FAILED)});
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK_FALSE(verdicts[0].unmatched);
}

TEST_CASE("a testcase named after a whole node id is that test's, with or without classname")
{
    const std::vector<std::string_view> ids = {"tests/test_a.py::test_1", "tests/test_a.py::TestK::test_2",
                                               "tests/test_b.py::test_3[a b]"};
    const auto verdicts =
        match_junit(ids, {testcase("tests.test_a", "tests/test_a.py::test_1", OFFLOAD_OUTCOME_FAILED),
                          testcase("", "tests/test_a.py::TestK::test_2"),
                          testcase("tests.test_b", "tests/test_b.py::test_3[a b]", OFFLOAD_OUTCOME_SKIPPED)});
    REQUIRE(verdicts.size() == 3);
    CHECK(verdict_of(verdicts, 0)->outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(verdict_of(verdicts, 1)->outcome == OFFLOAD_OUTCOME_PASSED);
    CHECK(verdict_of(verdicts, 2)->outcome == OFFLOAD_OUTCOME_SKIPPED);
    for (const TestVerdict &verdict : verdicts)
        CHECK_FALSE(verdict.unmatched);
}

TEST_CASE("a node id in a testcase's name decides the test, whatever its classname says")
{
    // The classname is test_1's module, the name test_2's node id: the result is test_2's, and
    // test_1, without a testcase of its own, gets none (pytest did not report it).
    const std::vector<std::string_view> ids = {"tests/test_a.py::test_1", "tests/test_b.py::test_2"};
    const auto verdicts = match_junit(ids, {testcase("tests.test_a", "tests/test_b.py::test_2")});
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].test == 1);
    CHECK(verdicts[0].outcome == OFFLOAD_OUTCOME_PASSED);
}

TEST_CASE("two testcases named after one node id make that test an error, never a pass")
{
    const std::vector<std::string_view> ids = {"t.py::test_1", "t.py::test_2"};
    const auto verdicts = match_junit(
        ids, {testcase("t", "t.py::test_1"), testcase("t", "t.py::test_1"), testcase("t", "t.py::test_2")});
    REQUIRE(verdicts.size() == 2);
    const TestVerdict *first = verdict_of(verdicts, 0);
    REQUIRE(first);
    CHECK(first->outcome == OFFLOAD_OUTCOME_ERROR);
    CHECK(first->message.find("2 testcases named \"t.py::test_1\"") != std::string::npos);
    CHECK(verdict_of(verdicts, 1)->outcome == OFFLOAD_OUTCOME_PASSED);
}

TEST_CASE("a teardown error after a failure, written under pytest's own name, joins the node-id testcase")
{
    // pytest opens a second testcase for the teardown error, without the recorded attribute.
    const std::vector<std::string_view> ids = {"t.py::test_1", "t.py::test_2"};
    const auto verdicts =
        match_junit(ids, {testcase("t", "t.py::test_1", OFFLOAD_OUTCOME_FAILED),
                          testcase("t", "test_1", OFFLOAD_OUTCOME_ERROR), testcase("t", "t.py::test_2")});
    REQUIRE(verdicts.size() == 2);
    CHECK(verdict_of(verdicts, 0)->outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(verdict_of(verdicts, 1)->outcome == OFFLOAD_OUTCOME_PASSED);
}

TEST_CASE("a node id of no test of the batch matches nothing")
{
    const std::vector<std::string_view> ids = {"t.py::test_1"};
    const auto verdicts = match_junit(ids, {testcase("t", "t.py::test_9")});
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].unmatched);
    CHECK(verdicts[0].outcome == OFFLOAD_OUTCOME_ERROR);
}

TEST_CASE("a report mixing node-id names and pytest's own names matches each testcase to its test")
{
    // A test skipped by a mark runs no fixture: its testcase keeps pytest's own name.
    const std::vector<std::string_view> ids = {"tests/t.py::test_1", "tests/t.py::test_skipped"};
    const auto verdicts = match_junit(ids, {testcase("tests.t", "tests/t.py::test_1", OFFLOAD_OUTCOME_FAILED),
                                            testcase("tests.t", "test_skipped", OFFLOAD_OUTCOME_SKIPPED)});
    REQUIRE(verdicts.size() == 2);
    CHECK(verdict_of(verdicts, 0)->outcome == OFFLOAD_OUTCOME_FAILED);
    CHECK(verdict_of(verdicts, 1)->outcome == OFFLOAD_OUTCOME_SKIPPED);
}
