// A run's results where GitHub Actions shows them: workflow commands that annotate the failures
// (in the job's log and on the pull request's files), and a job summary in Markdown.
#pragma once

#include "report/source_location.hpp"
#include "results/run_outcome.hpp"
#include "util/expected.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace offload {

// GitHub shows this many annotations of each kind (error, warning) per step.
constexpr size_t github_annotations_per_kind = 10;
// GitHub refuses a step's job summary larger than this.
constexpr size_t github_summary_max_bytes = 1024 * 1024;

// Whether to report to GitHub: the [report] github setting, or when it is unset ("auto"), whether
// the environment's GITHUB_ACTIONS (nullptr when unset) is "true", as GitHub sets it.
bool github_reporting_on(std::optional<bool> setting, const char *github_actions);

// GitHub's escapes of a workflow command's message: % CR LF as %25 %0D %0A.
std::string github_escape_data(std::string_view text);
// ...and of a property value (file=, title=): also : and , as %3A and %2C.
std::string github_escape_property(std::string_view text);

struct GithubContext {
    std::filesystem::path project_dir; // absolute
    // $GITHUB_WORKSPACE, the checkout annotations' paths are relative to; empty: paths stay relative
    // to project_dir (as they also do for a project outside the workspace).
    std::filesystem::path workspace;
    ProjectFileCheck exists; // which files the project has (files_of(project_dir))
};

// The workflow commands, one per line: "::error file=F,line=L,title=offload: ID failed::message"
// for each failed or errored test that is not quarantined (file and line where its output says it
// failed, when it does) and each test that did not run (with the reason); "::warning" for each
// flaky test and each quarantined failure. At most github_annotations_per_kind of each kind; then
// one "::notice" with how many more the job summary lists. Empty when there is nothing to say.
std::string github_annotations(const RunOutcome &outcome, const GithubContext &context);

// The job summary in GitHub-flavoured Markdown: a headline (✅ when nothing failed or did not run,
// and why a run with quarantined failures is green), a table of counts, the failed tests with
// their message and output (folded), the tests not run, flaky and quarantined tests, and the five
// slowest. At most max_bytes long: longer lists end in "…and N more".
std::string github_job_summary(const RunOutcome &outcome, const GithubContext &context, size_t max_bytes);

// Appends the job summary to the file at path (creating it when absent, never truncating it), within
// what GitHub accepts of one step's summary together with what the file already holds. The error names
// the path and the reason.
Expected<void> append_github_job_summary(const std::string &path, const RunOutcome &outcome,
                                         const GithubContext &context);

// After a run in GitHub Actions: prints the annotations on out and appends the job summary to the
// file $GITHUB_STEP_SUMMARY names. A summary that cannot be written is a warning, never an error.
void report_to_github(const RunOutcome &outcome, const std::filesystem::path &project_dir, std::FILE *out);

} // namespace offload
