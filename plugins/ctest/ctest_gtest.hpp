// expand_gtest: ctest tests whose program is a GoogleTest binary, offered case by case. Not part of
// the ABI.
//
// Discovery lists the ctest tests, picks the candidates (gtest_candidates.cmake says which: no other
// program is ever run) and asks each for its cases with --gtest_list_tests and GoogleTest's XML
// listing, in the test's WORKING_DIRECTORY with its ENVIRONMENT and arguments; a candidate that
// writes no listing, or one without cases, stays one ctest test. A case's id is CTESTNAME/FULL_NAME
// (shapes/Rectangle.Area, shapes/Small/Square.IsNotNegative/2).
//
// A batch runs the cases of each expanded test through the GoogleTest shell half (gtest_common.sh,
// gtest_run.sh: one process for many cases, selected with --gtest_filter, results from GoogleTest's
// XML report, a crash charged to the case that ran alone when it died), in one `sh -c` per test: in
// its WORKING_DIRECTORY, with its ENVIRONMENT and arguments, after its fixtures' setup tests and
// before their cleanup tests (run by ctest), under the flock(1) locks of its RESOURCE_LOCKs and
// RUN_SERIAL. The frames it writes come back as the framed part `gtest K` (K: the test's position in
// the batch's groups); a setup that fails leaves the frame `not-run` instead of the cases'.
#pragma once

#include "common/frames.hpp"
#include "common/gtest_cases.hpp"
#include "ctest_listing.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace offload::ctest {

// An expanded test.
struct GtestTest {
    std::string name;               // the ctest test's
    std::string program;            // its GoogleTest binary, as discovery resolved it
    std::vector<std::string> cases; // GoogleTest's full names, in its order
};

std::string case_id(std::string_view test, std::string_view name);

// The discovery command's tail with expand_gtest: after the checks, `listing` is the ctest command
// that prints the JSON listing. Its stdout is frames: `ctest-listing` (the JSON), then for each
// candidate `binary` (its ctest name), `program`, and what offload_list writes.
std::string expanding_discovery(const std::string &listing);

// A case of an expanded test: the test's position in the expansion, and the case's name.
using ExpandedCase = std::pair<size_t, std::string>;

// What such a discovery printed.
struct Expansion {
    std::string listing;                       // ctest's JSON listing
    std::vector<GtestTest> tests;              // the expanded tests, in ctest's order
    std::vector<std::string> notes;            // candidates left as one test, and why
    std::map<std::string, size_t> test_index;  // name -> its position in tests
    std::map<std::string, ExpandedCase> cases; // by id
};

// The expanded test named name, or null (expansion may be null).
const GtestTest *find_expanded(const Expansion *expansion, const std::string &name);

// The case of that id, or null (a plain ctest test; expansion may be null).
const ExpandedCase *find_case(const Expansion *expansion, const std::string &id);

// Throws std::runtime_error when the frames are not such a discovery's. read_listing gives the JSON
// its meaning; a test's listing is read with the host's JUnit reader.
Expansion read_expansion(const offload_host *host, std::string_view frames);

// Whether GoogleTest also runs the test's DISABLED_ cases (its arguments or ENVIRONMENT ask for it).
bool runs_disabled(const CTestTest &test);

// The cases of test named in a batch, for report_gtest_cases (names[k] under ids[k]).
common::GtestCases batch_cases(const CTestTest &test, const std::vector<std::string> &names,
                               const std::vector<const char *> &ids);

// The sh program that runs names (cases of test, which expanded as gtest) and writes their frames
// to "$1"; `ctest_dir` is the build directory, quoted; setups and cleanups the names of the fixture
// tests ctest runs before and after (empty: none); extra_args ctest's, quoted words.
std::string group_script(const offload_host *host, const CTestTest &test, const GtestTest &gtest,
                         const std::vector<std::string> &names, const std::string &ctest_dir,
                         const std::vector<std::string> &setups, const std::vector<std::string> &cleanups,
                         const std::string &extra_args);

// The text of the GoogleTest shell half, which a group script needs defined first.
std::string gtest_functions();

// Reports the cases of one group from the frames of its part (absent: nothing, offload runs them
// again).
void report_group(const offload_host *host, const common::GtestCases &cases, const std::string *frames,
                  const offload_result_sink *results);

} // namespace offload::ctest
