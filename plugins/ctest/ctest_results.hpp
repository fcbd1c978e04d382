// What a ctest run tells about each of its tests: the JUnit file of --output-junit (CMake 3.21 or
// later) for the outcome, the duration and the output, and ctest's console lines for the reason of
// a failure, which the JUnit file leaves out (a timeout, a segfault). Not part of the ABI.
//
// The outcome comes from each <testcase>'s status attribute, which is ctest's own verdict (WILL_FAIL
// applied): "run" passed; "fail" failed; "disabled" skipped; "notrun" skipped when the test skipped
// itself (SKIP_RETURN_CODE, SKIP_REGULAR_EXPRESSION), else failed, as ctest counts it (its fixture's
// setup failed, its executable or a required file is missing). A <skipped> element alone never
// makes a test skipped: ctest writes none for a disabled test, and one for tests that did not run.
#pragma once

#include <offload/abi.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace offload::ctest {

struct CTestResult {
    offload_outcome outcome = OFFLOAD_OUTCOME_ERROR;
    double secs = -1;
    std::string status;  // ctest's status attribute
    std::string message; // the reason, one line; empty for a pass
    std::string output;  // what the test printed
};

struct CTestRun {
    bool whole = false; // the JUnit file was read to its end
    std::string error;  // why it was not
    std::map<std::string, CTestResult> tests;
};

// Reads ctest's JUnit file and its console output (for the reasons of failures).
CTestRun read_ctest_run(std::string_view junit, std::string_view console);

// The reason ctest's console gives for the test's result: the text after the dots of its line
// "N/M Test #K: NAME ....***Timeout   1.00 sec", without the time ("Timeout", "Exception: SegFault",
// "Subprocess aborted Exception:"); empty when there is none.
std::string console_reason(std::string_view console, std::string_view name);

} // namespace offload::ctest
