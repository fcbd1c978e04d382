// GoogleTest cases run by the GoogleTest shell half (plugins/gtest/gtest_common.sh and gtest_run.sh):
// the cases GoogleTest leaves out, the runs that half reports in its frames (frames.hpp), and each
// case's result from them. Shared by the gtest framework and the ctest framework's expanded tests.
// Not part of the ABI.
#pragma once

#include "frames.hpp"

#include <offload/framework.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace offload::common {

// GoogleTest leaves out a case whose suite or own name starts with DISABLED_ (or has /DISABLED_:
// Instance/DISABLED_Suite) unless told to run it.
bool is_disabled(std::string_view name);

// text percent-encoded as a test-protocol record value: '%', space, tab, CR and LF.
std::string percent_encode(std::string_view text);

// A shell program without its comment lines and blank lines, as commands carry it: offload shows a
// discovery command when it runs it.
std::string without_comments(std::string_view program);

// One process of a batch, as the shell half reported it.
struct GtestProcess {
    std::string exit_code;
    std::string_view output;
    std::optional<std::string_view> xml; // GoogleTest's report, when the process wrote one
};

// What the shell half wrote about one binary (its `binary` frame and those after it), in discovery
// (offload_list) or in a batch (offload_run).
struct GtestRun {
    std::string binary;
    bool missing = false;
    std::string exit_code;   // discovery: of the listing
    std::string_view output; // discovery: of the listing
    std::optional<std::string_view> listing;
    std::vector<GtestProcess> processes; // a batch
    std::set<std::string> crashed;       // a batch: cases charged with a crash by records
    bool done = false;                   // a batch: every case has a result, or none can be had
};

// The runs of frames, each from its `binary` frame on; frames of other kinds are left out.
std::vector<GtestRun> read_gtest_runs(const std::vector<Frame> &frames);

// Calls add with the full name (Suite.Case, Instance/Suite.Case/2) and source file (empty when
// unknown) of each case of GoogleTest's XML listing (--gtest_list_tests --gtest_output=xml). Returns
// the host's reason when the listing is unreadable, else the empty string.
std::string read_gtest_listing(const offload_host *host, std::string_view xml,
                               const std::function<void(const std::string &, const char *)> &add);

// Whether GoogleTest runs the case name (not disabled, or disabled ones run too).
inline bool gtest_case_runs(bool run_disabled, const std::string &name)
{
    return run_disabled || !is_disabled(name);
}

// The cases of one run, to be reported: names[k] is reported under ids[k].
struct GtestCases {
    std::vector<std::string> names;
    std::vector<const char *> ids;
    bool run_disabled = false;
    std::string missing; // the message when the binary did not exist where the batch ran
};

// Reports each case of cases that runs and was not charged with a crash by records: its result from
// the report of a process that has it, with what it printed; an error when the reports are
// unreadable or, after a process that got to its end, have no result for it. A case without a
// trustworthy result is not reported: offload runs it again.
void report_gtest_cases(const offload_host *host, const GtestRun &run, const GtestCases &cases,
                        const offload_result_sink *results);

// Reports the disabled cases of cases that do not run as skipped, with how to run them.
void report_disabled_cases(const GtestCases &cases, const std::string &how_to_run,
                           const offload_result_sink *results);

void report_result(const offload_result_sink *results, const char *id, offload_outcome outcome, double secs,
                   const std::string &message, const std::string &output);

} // namespace offload::common
