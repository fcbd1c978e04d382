#include "report/summary.hpp"

#include "util/error.hpp"
#include "util/split.hpp"
#include "util/terminal_text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace offload {

namespace {

constexpr size_t max_listed = 30;

// "id", "id: reason" with the reason cut to one line.
std::string describe(const std::string &id, const std::string &reason)
{
    std::string line = first_line(reason);
    if (line.size() > 200)
        line = line.substr(0, 200) + "...";
    return line.empty() ? id : id + ": " + line;
}

void list_section(std::string &out, const std::string &title, const std::vector<std::string> &lines)
{
    if (lines.empty())
        return;
    out += fmt::format("{} ({}):\n", title, lines.size());
    // The lines quote ids and messages of tests: no escape sequence of theirs reaches the terminal.
    for (size_t i = 0; i < lines.size() && i < max_listed; ++i)
        out += "  " + terminal_safe(lines[i]) + "\n";
    if (lines.size() > max_listed)
        out += fmt::format("  ... and {} more (see the JUnit report)\n", lines.size() - max_listed);
}

} // namespace

std::string format_summary(const RunOutcome &outcome, const std::filesystem::path &junit_file,
                           const std::filesystem::path &html_file)
{
    std::vector<std::string> failed, not_run, flaky, quarantined;
    for (const TestReport &test : outcome.report.tests) {
        switch (test.final_outcome()) {
        case Outcome::Failed:
        case Outcome::Error: {
            const Attempt &last = test.attempts.back();
            std::string line = describe(test.id, last.message);
            if (!last.log_path.empty())
                line += fmt::format("  [log: {}]", last.log_path);
            if (test.attempts.size() > 1)
                line += fmt::format("  [{} attempts]", test.attempts.size());
            if (!test.quarantined.empty())
                quarantined.push_back(fmt::format("{}  [quarantined: {}]", line, test.quarantined));
            else
                failed.push_back(line);
            break;
        }
        case Outcome::NotRun: not_run.push_back(describe(test.id, test.not_run_reason)); break;
        case Outcome::Passed:
            if (test.flaky())
                flaky.push_back(fmt::format("{}  [passed on attempt {}]{}", test.id, test.attempts.size(),
                                            test.quarantined.empty() ? "" : "  [quarantined]"));
            break;
        case Outcome::Skipped: break;
        }
    }

    std::string out = "\n";
    list_section(out, "Failed", failed);
    list_section(out, "Not run", not_run);
    list_section(out, "Quarantined: FAILED, not counted against the run ([flaky] quarantine)", quarantined);
    list_section(out, "Flaky (failed, then passed on retry)", flaky);
    list_section(out, "Incidents", outcome.incidents);
    // The slowest tests, where the time goes (only when there are enough to be worth a list).
    std::vector<const TestReport *> timed;
    for (const TestReport &test : outcome.report.tests)
        if (!test.attempts.empty() && test.attempts.back().duration_secs > 0)
            timed.push_back(&test);
    if (timed.size() >= 10) {
        size_t shown = std::min<size_t>(5, timed.size());
        std::partial_sort(timed.begin(), timed.begin() + std::ptrdiff_t(shown), timed.end(),
                          [](const TestReport *a, const TestReport *b) {
                              return a->attempts.back().duration_secs > b->attempts.back().duration_secs;
                          });
        out += "Slowest:\n";
        for (size_t i = 0; i < shown; ++i)
            out += fmt::format("  {:>8.2f}s  {}\n", timed[i]->attempts.back().duration_secs,
                               terminal_safe(timed[i]->id));
    }
    if (outcome.stopped_early)
        out += "Stopped early: --max-fail was reached; the tests not run are listed above\n";
    if (outcome.hedges_started > 0)
        out += fmt::format(
            "Tail hedging: {} straggling batch{} started again on idle sandboxes, {} finished first\n",
            outcome.hedges_started, outcome.hedges_started == 1 ? "" : "es", outcome.hedges_won);
    if (!junit_file.empty())
        out += fmt::format("JUnit report: {}\n", junit_file.string());
    if (!html_file.empty())
        out += fmt::format("HTML report: {}\n", html_file.string());

    Counts counts = count(outcome.report);
    out += fmt::format(
        "{}{} tests in {:.2f}s on {} sandbox{} ({} batch{}): {} passed{}, {} failed{}, {} not run, "
        "{} skipped\n",
        outcome.interrupted ? "INTERRUPTED after " : "", counts.total(), outcome.report.wall_secs,
        outcome.sandboxes_created, outcome.sandboxes_created == 1 ? "" : "es", outcome.batches_run,
        outcome.batches_run == 1 ? "" : "es", counts.passed,
        counts.flaky ? fmt::format(" ({} flaky)", counts.flaky) : "", counts.failed,
        counts.quarantined ? fmt::format(" (and {} quarantined)", counts.quarantined) : "", counts.not_run,
        counts.skipped);
    if (counts.quarantined > 0 && counts.failed == 0 && counts.not_run == 0 && !outcome.interrupted)
        out += fmt::format("The run passes only because {} failed test{} {} quarantined (listed above)\n",
                           counts.quarantined, counts.quarantined == 1 ? "" : "s",
                           counts.quarantined == 1 ? "is" : "are");
    out += fmt::format("{} passed, {} failed\n", counts.passed, counts.failed + counts.not_run);
    return out;
}

int exit_code_for(const RunOutcome &outcome)
{
    if (outcome.interrupted)
        return exit_interrupted;
    Counts counts = count(outcome.report);
    if (counts.failed > 0 || counts.not_run > 0)
        return exit_failed;
    return counts.flaky > 0 ? exit_flaky : exit_passed;
}

} // namespace offload
