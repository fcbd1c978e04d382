#include "report/summary.hpp"

#include <doctest/doctest.h>

using namespace offload;

namespace {

TestReport test(const std::string &id, std::vector<Outcome> outcomes)
{
    TestReport report;
    report.id = id;
    for (Outcome outcome : outcomes) {
        Attempt attempt;
        attempt.outcome = outcome;
        attempt.message = outcome == Outcome::Failed ? "assert 1 == 2\nmore" : "";
        attempt.log_path = "logs/batch-0001.log";
        report.attempts.push_back(attempt);
    }
    if (outcomes.empty())
        report.not_run_reason = "the run was interrupted before it ran";
    return report;
}

RunOutcome outcome_of(std::vector<TestReport> tests)
{
    RunOutcome outcome;
    outcome.report.tests = std::move(tests);
    return outcome;
}

} // namespace

TEST_CASE("exit codes: 0 passed, 1 failed or not run, 2 flaky, 130 interrupted")
{
    CHECK(exit_code_for(outcome_of({test("a", {Outcome::Passed}), test("s", {Outcome::Skipped})})) == 0);
    CHECK(exit_code_for(outcome_of({test("a", {Outcome::Passed}), test("b", {Outcome::Failed})})) == 1);
    CHECK(exit_code_for(outcome_of({test("a", {Outcome::Passed}), test("n", {})})) == 1);
    CHECK(exit_code_for(outcome_of({test("a", {Outcome::Failed, Outcome::Passed})})) == 2);
    CHECK(exit_code_for(
              outcome_of({test("a", {Outcome::Failed, Outcome::Passed}), test("b", {Outcome::Error})})) == 1);
    RunOutcome interrupted = outcome_of({test("a", {Outcome::Passed})});
    interrupted.interrupted = true;
    CHECK(exit_code_for(interrupted) == 130);
}

TEST_CASE("the summary lists failures, tests not run and flaky tests, and ends with the counts")
{
    RunOutcome outcome =
        outcome_of({test("ok", {Outcome::Passed}), test("bad", {Outcome::Failed, Outcome::Failed}),
                    test("flaky", {Outcome::Failed, Outcome::Passed}), test("never", {})});
    outcome.sandboxes_created = 2;
    outcome.batches_run = 5;
    std::string text = format_summary(outcome, "/out/junit.xml");
    CHECK(text.find("Failed (1):\n  bad: assert 1 == 2  [log: logs/batch-0001.log]  [2 attempts]") !=
          std::string::npos);
    CHECK(text.find("Not run (1):\n  never: the run was interrupted before it ran") != std::string::npos);
    CHECK(text.find("Flaky (failed, then passed on retry) (1):\n  flaky  [passed on attempt 2]") !=
          std::string::npos);
    CHECK(text.find("JUnit report: /out/junit.xml") != std::string::npos);
    CHECK(text.find("4 tests in 0.00s on 2 sandboxes (5 batches): 2 passed (1 flaky), 1 failed, 1 not run, 0 "
                    "skipped") != std::string::npos);
    // The last line is what CI reads: not run counts as failed.
    CHECK(text.substr(text.rfind('\n', text.size() - 2) + 1) == "2 passed, 2 failed\n");
}

TEST_CASE("a quarantined failure is listed as FAILED apart and does not fail the run; not run still does")
{
    TestReport known = test("known", {Outcome::Failed, Outcome::Failed});
    known.quarantined = "listed in [flaky] quarantine";
    RunOutcome outcome = outcome_of({test("ok", {Outcome::Passed}), known});
    CHECK(exit_code_for(outcome) == 0);
    const std::string text = format_summary(outcome, "");
    CHECK(text.find(
              "Quarantined: FAILED, not counted against the run ([flaky] quarantine) (1):\n  known: assert "
              "1 == 2  [log: logs/batch-0001.log]  [2 attempts]  [quarantined: listed in [flaky] "
              "quarantine]") != std::string::npos);
    CHECK(text.find("Failed (") == std::string::npos);
    CHECK(text.find("1 passed, 0 failed (and 1 quarantined), 0 not run") != std::string::npos);
    CHECK(text.find("The run passes only because 1 failed test is quarantined") != std::string::npos);
    CHECK(text.ends_with("1 passed, 0 failed\n"));

    TestReport quarantined_not_run = test("never", {});
    quarantined_not_run.quarantined = "listed in [flaky] quarantine";
    CHECK(exit_code_for(outcome_of({quarantined_not_run})) == 1);
    TestReport quarantined_flaky = test("flaky", {Outcome::Failed, Outcome::Passed});
    quarantined_flaky.quarantined = "listed in [flaky] quarantine";
    CHECK(exit_code_for(outcome_of({quarantined_flaky, known})) == 2);
}
