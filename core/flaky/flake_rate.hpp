// How flaky a test has been: its outcomes over the last runs of the history, as rates. A flake is
// a run in which the test failed (or errored) and then passed on a retry; without retries there
// are no flakes, only failures.
#pragma once

#include "history/history.hpp"

#include <string>
#include <vector>

namespace offload {

struct FlakeRate {
    size_t runs = 0;     // in the window
    size_t flaky = 0;    // ...that it passed only on a retry
    size_t failures = 0; // ...that it failed in the end

    double flake_rate() const { return runs ? double(flaky) / double(runs) : 0; }
    double failure_rate() const { return runs ? double(failures) / double(runs) : 0; }
};

// Over the last `window` runs that recorded the test (at most History::max_recent_outcomes).
FlakeRate recent_rate(const History::Flakiness &flakiness, size_t window);

struct FlakyTest {
    std::string id;
    FlakeRate recent;
    const History::Flakiness *all = nullptr; // every run recorded, and the dates; borrowed
};

// The tests that flaked or failed in the window, flakiest first (then by failure rate, then by
// id), at most `limit` of them (0: all).
std::vector<FlakyTest> flakiest_tests(const History &history, size_t window, size_t limit);

} // namespace offload
