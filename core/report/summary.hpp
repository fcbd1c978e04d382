// What the user reads at the end of a run, and the exit code that goes with it.
#pragma once

#include "results/run_outcome.hpp"

#include <filesystem>
#include <string>

namespace offload {

// The closing text: failures, tests not run, flaky tests, incidents, where the reports are, and
// the counts. html_file, when not empty, is named as the HTML report. Its last line is "<passed> passed,
// <failed> failed", where failed includes tests that did not run, so that a one-line reader (CI) sees every
// problem.
std::string format_summary(const RunOutcome &outcome, const std::filesystem::path &junit_file,
                           const std::filesystem::path &html_file = {});

// 130 when interrupted; 1 for failed tests or tests not run; 2 when everything passed but some
// tests only on retry; 0 otherwise.
int exit_code_for(const RunOutcome &outcome);

} // namespace offload
