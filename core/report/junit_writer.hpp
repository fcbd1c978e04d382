// Writing the merged report of a run as JUnit XML.
#pragma once

#include "results/test_result.hpp"
#include "util/expected.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>

namespace offload {

struct JunitOptions {
    // GitLab's $CI_PROJECT_DIR, where its artifacts are taken from: a failed test's batch log is also
    // named as GitLab's [[ATTACHMENT|path]], relative to it. Empty: no attachment.
    std::filesystem::path attachments_dir;
};

// Writes the merged report in the JUnit dialect that Jenkins, GitLab, GitHub and Maven Surefire read:
// one <testsuite> named report.name holding one <testcase> per test in report order. A passed test that
// needed retries carries its failed attempts as Surefire's <flakyFailure>/<flakyError>; a failed or errored
// one carries its earlier attempts as <rerunFailure>/<rerunError>. A test that never ran is an <error> of
// type "not-run". The text of a <failure> or <error> holds the message and then the output (GitLab shows
// only that text); a failed or errored test's <system-out> names the log of its batch. Counts: failures =
// failed, errors = errored + not run, skipped = skipped, tests = all. Streams test by test; the caller checks
// the stream's state.
void write_junit(std::ostream &out, const RunReport &report, const JunitOptions &options = {});

// Writes to path atomically (util/atomic_file.hpp: never through a device, a symlink or a planted temporary
// file), creating parent directories. On failure nothing is left behind, and the error names the path and
// the reason: "cannot write the JUnit report: cannot create directory out: Permission denied".
Expected<void> write_junit_file(const std::string &path, const RunReport &report,
                                const JunitOptions &options = {});

} // namespace offload
