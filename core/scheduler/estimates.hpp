// Estimated durations for scheduling, from the timing history.
#pragma once

#include "history/history.hpp"
#include "results/test_result.hpp"

#include <vector>

namespace offload {

// For each test, in seconds: its own mean from the history; else the median of the tests of its
// file that have one; else the median of all tests in the history; else fallback_secs (then all
// tests look alike and the plan falls back to cutting by count). Never below min_test_secs.
constexpr double min_test_secs = 0.001;
std::vector<double> estimate_durations(const std::vector<TestReport> &tests, const History &history,
                                       double fallback_secs = 1.0);

} // namespace offload
