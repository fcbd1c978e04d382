// Reading the JUnit XML reports that test frameworks write, in the dialects found in the wild.
#pragma once

#include "results/test_result.hpp"
#include "util/expected.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace offload {

struct JunitCase {
    std::string suite;                 // name of the innermost enclosing <testsuite>, "" if none
    std::string classname, name, file; // attributes, "" when absent
    double time_secs = -1;             // "time" attribute, negative when absent or unparsable
    Outcome outcome = Outcome::Passed; // <failure> -> Failed, <error> -> Error, <skipped> -> Skipped
    std::string message;               // message attribute of <failure>/<error>/<skipped> (first one found)
    std::string details;               // text of <failure>/<error> (data and CDATA), then <system-out>, then
                                       // <system-err>, then earlier attempts, separated by a blank line
    unsigned earlier_failures = 0;     // Surefire flakyFailure/flakyError/rerunFailure/rerunError children:
                                       // failed runs before the last (with a pass: a flaky test)
};

// The most of a case's details that is kept: the first details_head_bytes and the last
// details_max_bytes - details_head_bytes, joined by "\n[... N bytes omitted ...]\n".
inline constexpr size_t details_max_bytes = 64 * 1024;
inline constexpr size_t details_head_bytes = 16 * 1024;

// The deepest nesting of elements a JUnit document may have (testsuites > testsuite > testcase >
// failure is 4; nested testsuites add a few). A deeper document is refused before it is parsed.
inline constexpr size_t max_element_depth = 256;

// Parses JUnit XML text and calls on_case for every <testcase> in document order, at any depth under the root
// <testsuites> or <testsuite> (nested testsuites happen). Returns the number of cases, or what is wrong and
// where, e.g. "not well-formed XML at line 3: expected >", or "elements nest deeper than 256 levels at
// line 300: ..." for a document nested deeper than max_element_depth. Everything handed out is
// sanitize_text()ed.
//
// A root element other than testsuites/testsuite is an error ("root element is <foo>, expected <testsuites>
// or <testsuite>"). Cases are only reported if the whole document parsed. details is bounded as described at
// details_max_bytes.
//
// Accepts the dialects of pytest, meson, Maven Surefire (flakyFailure/flakyError/rerunFailure/rerunError
// children do not decide the outcome), Go's go-junit-report and cargo2junit; skipped tests with
// type="pytest.xfail" are Skipped. Stray NUL bytes, which XML forbids but some tools write into captured
// output, are tolerated and handed out as "\x00". Exceptions thrown by on_case propagate.
Expected<size_t> parse_junit(std::string text, const std::function<void(const JunitCase &)> &on_case);

// Reads the file and parses it: the number of cases; nullopt when the file does not exist (no report is not
// an error for every caller); or why it cannot be used, starting with the path, e.g.
// "out/junit.xml: not well-formed XML at line 3: expected >" (also for a directory, an unreadable file, or
// one over 1 GiB).
Expected<std::optional<size_t>> read_junit(const std::filesystem::path &path,
                                           const std::function<void(const JunitCase &)> &on_case);

} // namespace offload
