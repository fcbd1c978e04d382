// Quarantine ([flaky] in offload.toml): tests whose failures do not fail the run while they are
// being fixed — listed by id or pattern, or flaking at a rate the history measured. A quarantined
// test still runs, is retried and reported as what it is; only the run's verdict leaves its
// failure out, and every report says so ("detect, don't mask").
#pragma once

#include "history/history.hpp"
#include "results/test_result.hpp"
#include "util/id_pattern.hpp"

#include <optional>
#include <string>
#include <vector>

namespace offload {

struct QuarantineSettings {
    std::vector<IdPattern> listed; // [flaky] quarantine
    std::optional<double> rate;    // [flaky] quarantine_rate: a flake rate (0..1] that quarantines
    unsigned min_runs = 5;         // [flaky] min_runs: runs in the window before a rate counts
    unsigned window_runs = 50;     // [flaky] window_runs: the last runs a rate is measured over
};

// Why the test is quarantined, or empty: `listed in [flaky] quarantine as "tests/net/*"`,
// `flaked in 3 of its last 10 runs (30%; [flaky] quarantine_rate = 20%)`. flakiness: what the
// history knew before this run (nullptr: nothing).
std::string quarantine_reason(const QuarantineSettings &settings, const std::string &id,
                              const History::Flakiness *flakiness);

// The listed entries that name none of the report's tests, for a warning: a stale entry, or a typo.
std::vector<std::string> unmatched_entries(const QuarantineSettings &settings, const RunReport &report);

} // namespace offload
