#include "flaky/quarantine.hpp"

#include "flaky/flake_rate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace offload {

namespace {

std::string percent(double rate)
{
    return fmt::format("{:.0f}%", std::round(rate * 100));
}

} // namespace

std::string quarantine_reason(const QuarantineSettings &settings, const std::string &id,
                              const History::Flakiness *flakiness)
{
    for (const IdPattern &pattern : settings.listed)
        if (pattern.matches(id))
            return pattern.text() == id
                       ? "listed in [flaky] quarantine"
                       : fmt::format("listed in [flaky] quarantine as \"{}\"", pattern.text());
    if (!settings.rate || !flakiness)
        return {};
    const FlakeRate recent = recent_rate(*flakiness, settings.window_runs);
    if (recent.runs < settings.min_runs || recent.flaky == 0 || recent.flake_rate() < *settings.rate)
        return {};
    return fmt::format("flaked in {} of its last {} runs ({}; [flaky] quarantine_rate = {})", recent.flaky,
                       recent.runs, percent(recent.flake_rate()), percent(*settings.rate));
}

std::vector<std::string> unmatched_entries(const QuarantineSettings &settings, const RunReport &report)
{
    std::vector<std::string> unmatched;
    for (const IdPattern &pattern : settings.listed)
        if (std::none_of(report.tests.begin(), report.tests.end(),
                         [&](const TestReport &test) { return pattern.matches(test.id); }))
            unmatched.push_back(pattern.text());
    return unmatched;
}

} // namespace offload
