#include "flaky/flake_rate.hpp"

#include <algorithm>

namespace offload {

FlakeRate recent_rate(const History::Flakiness &flakiness, size_t window)
{
    const std::string &recent = flakiness.recent;
    const size_t runs = std::min(window, recent.size());
    FlakeRate rate;
    rate.runs = runs;
    for (size_t i = recent.size() - runs; i < recent.size(); ++i) {
        if (recent[i] == char(History::Mark::Flaky))
            ++rate.flaky;
        else if (recent[i] == char(History::Mark::Failed))
            ++rate.failures;
    }
    return rate;
}

std::vector<FlakyTest> flakiest_tests(const History &history, size_t window, size_t limit)
{
    std::vector<FlakyTest> tests;
    for (const auto &[id, entry] : history.entries()) {
        FlakeRate rate = recent_rate(entry.flakiness, window);
        if (rate.flaky > 0 || rate.failures > 0)
            tests.push_back({id, rate, &entry.flakiness});
    }
    const auto flakier = [](const FlakyTest &a, const FlakyTest &b) {
        // Rates compared as fractions, exactly: flaky_a/runs_a > flaky_b/runs_b.
        const size_t flakes_a = a.recent.flaky * b.recent.runs, flakes_b = b.recent.flaky * a.recent.runs;
        if (flakes_a != flakes_b)
            return flakes_a > flakes_b;
        const size_t fails_a = a.recent.failures * b.recent.runs, fails_b = b.recent.failures * a.recent.runs;
        if (fails_a != fails_b)
            return fails_a > fails_b;
        return a.id < b.id;
    };
    if (limit > 0 && limit < tests.size()) {
        std::partial_sort(tests.begin(), tests.begin() + std::ptrdiff_t(limit), tests.end(), flakier);
        tests.resize(limit);
    } else {
        std::sort(tests.begin(), tests.end(), flakier);
    }
    return tests;
}

} // namespace offload
