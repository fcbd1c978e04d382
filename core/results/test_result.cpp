#include "results/test_result.hpp"

namespace offload {

std::string_view outcome_name(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Passed: return "passed";
    case Outcome::Failed: return "failed";
    case Outcome::Skipped: return "skipped";
    case Outcome::Error: return "error";
    case Outcome::NotRun: return "not run";
    }
    return "unknown";
}

int severity(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Skipped: return 0;
    case Outcome::Passed: return 1;
    case Outcome::NotRun: return 2;
    case Outcome::Failed: return 3;
    case Outcome::Error: return 4;
    }
    return 4;
}

Outcome more_severe(Outcome a, Outcome b)
{
    return severity(b) > severity(a) ? b : a;
}

bool needs_retry(Outcome outcome)
{
    return outcome == Outcome::Failed || outcome == Outcome::Error || outcome == Outcome::NotRun;
}

Outcome TestReport::final_outcome() const
{
    return attempts.empty() ? Outcome::NotRun : attempts.back().outcome;
}

bool TestReport::flaky() const
{
    if (final_outcome() != Outcome::Passed)
        return false;
    for (const Attempt &attempt : attempts)
        if (attempt.outcome == Outcome::Failed || attempt.outcome == Outcome::Error)
            return true;
    return false;
}

Counts count(const RunReport &report)
{
    Counts counts;
    for (const TestReport &test : report.tests) {
        switch (test.final_outcome()) {
        case Outcome::Passed:
            ++counts.passed;
            if (test.flaky())
                ++counts.flaky;
            break;
        case Outcome::Failed:
        case Outcome::Error: ++(test.quarantined.empty() ? counts.failed : counts.quarantined); break;
        case Outcome::Skipped: ++counts.skipped; break;
        case Outcome::NotRun: ++counts.not_run; break;
        }
    }
    return counts;
}

} // namespace offload
