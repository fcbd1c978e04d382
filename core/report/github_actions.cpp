#include "report/github_actions.hpp"

#include "util/fd.hpp"
#include "util/log.hpp"
#include "util/terminal_text.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace offload {

namespace {

namespace fs = std::filesystem;

// At most max_bytes of text, cut at a character boundary, with "…" where it was cut.
std::string shortened(std::string_view text, size_t max_bytes)
{
    if (text.size() <= max_bytes)
        return std::string(text);
    size_t cut = max_bytes;
    while (cut > 0 && is_utf8_continuation(text[cut]))
        --cut;
    return std::string(text.substr(0, cut)) + "…";
}

// The first lines of text, without a trailing newline.
std::string first_lines(std::string_view text, size_t max_lines)
{
    size_t end = 0;
    for (size_t line = 0; line < max_lines && end != std::string_view::npos; ++line)
        end = text.find('\n', end == 0 ? 0 : end + 1);
    std::string_view kept = text.substr(0, end);
    while (!kept.empty() && (kept.back() == '\n' || kept.back() == '\r'))
        kept.remove_suffix(1);
    return std::string(kept);
}

bool failed_or_errored(Outcome outcome)
{
    return outcome == Outcome::Failed || outcome == Outcome::Error;
}

// Why a test has no result: its reason, or that of an attempt that ended as not run.
std::string not_run_reason(const TestReport &test)
{
    if (!test.not_run_reason.empty() || test.attempts.empty())
        return test.not_run_reason.empty() ? "not run" : test.not_run_reason;
    return test.attempts.back().message.empty() ? "not run" : test.attempts.back().message;
}

// The last failed or errored attempt; nullptr when there is none.
const Attempt *last_failure(const TestReport &test)
{
    for (auto it = test.attempts.rbegin(); it != test.attempts.rend(); ++it)
        if (failed_or_errored(it->outcome))
            return &*it;
    return nullptr;
}

std::optional<SourceLocation> location_of(const TestReport &test, const Attempt &attempt,
                                          const GithubContext &context)
{
    return find_source_location({test.id, test.file, attempt.message, attempt.output}, context.project_dir,
                                context.exists);
}

// The file as the workspace names it.
std::string workspace_path(const std::string &file, const GithubContext &context)
{
    if (context.workspace.empty())
        return file;
    const fs::path relative = (context.project_dir / file)
                                  .lexically_normal()
                                  .lexically_relative(context.workspace.lexically_normal());
    const std::string text = relative.generic_string();
    if (text.empty() || text == ".." || text.starts_with("../"))
        return file;
    return text;
}

std::string location_text(const std::optional<SourceLocation> &location, const GithubContext &context)
{
    if (!location)
        return {};
    std::string text = workspace_path(location->file, context);
    if (location->line > 0)
        text += fmt::format(":{}", location->line);
    return text;
}

// What an annotation says of a message: its first lines, with control characters made visible.
std::string annotation_text(std::string_view message)
{
    return terminal_safe(shortened(first_lines(message, 10), 4000));
}

std::string command(std::string_view kind, const std::optional<SourceLocation> &location,
                    std::string_view title, std::string_view message, const GithubContext &context)
{
    std::string line = "::" + std::string(kind) + " ";
    if (location) {
        line += "file=" + github_escape_property(workspace_path(location->file, context)) + ",";
        if (location->line > 0)
            line += fmt::format("line={},", location->line);
    }
    line += "title=" + github_escape_property(terminal_safe(title));
    line += "::" + github_escape_data(annotation_text(message)) + "\n";
    return line;
}

// An id as a title shows it.
std::string title_id(const std::string &id)
{
    return shortened(first_lines(id, 1), 200);
}

// --- Markdown ---------------------------------------------------------------------------------

// Text for a Markdown paragraph or table cell: one line, control characters visible, and the
// characters Markdown or HTML would act on escaped.
std::string md(std::string_view text, size_t max_bytes = 1000)
{
    const std::string safe = terminal_safe(shortened(text, max_bytes));
    std::string out;
    out.reserve(safe.size());
    for (char c : safe) {
        if (c == '\n' || c == '\r' || c == '\t') {
            out += ' ';
            continue;
        }
        if (std::strchr("\\`*_[]|<>&~#!()", c) && c != '\0')
            out += '\\';
        out += c;
    }
    return out;
}

// A fenced code block holding text verbatim: its fence is longer than any run of backticks in it.
std::string code_block(std::string_view text)
{
    size_t longest = 0;
    for (size_t i = 0; i < text.size();) {
        if (text[i] != '`') {
            ++i;
            continue;
        }
        const size_t end = std::min(text.find_first_not_of('`', i), text.size());
        longest = std::max(longest, end - i);
        i = end;
    }
    const std::string fence(std::max<size_t>(3, longest + 1), '`');
    std::string body = terminal_safe(text);
    if (!body.empty() && body.back() != '\n')
        body += '\n';
    return fence + "text\n" + body + fence + "\n";
}

std::string plural(size_t count, std::string_view one, std::string_view many)
{
    return fmt::format("{} {}", count, count == 1 ? one : many);
}

std::string headline(const RunOutcome &outcome, const Counts &counts)
{
    const bool red = outcome.interrupted || counts.failed > 0 || counts.not_run > 0;
    std::vector<std::string> parts;
    if (counts.failed > 0)
        parts.push_back(fmt::format("{} failed", counts.failed));
    if (counts.not_run > 0)
        parts.push_back(fmt::format("{} not run", counts.not_run));
    if (counts.quarantined > 0)
        parts.push_back(fmt::format("{} quarantined", counts.quarantined));
    parts.push_back(counts.flaky > 0 ? fmt::format("{} passed ({} flaky)", counts.passed, counts.flaky)
                                     : fmt::format("{} passed", counts.passed));
    if (counts.skipped > 0)
        parts.push_back(fmt::format("{} skipped", counts.skipped));
    std::string text =
        fmt::format("## {} offload: {}", red ? "❌" : "✅", outcome.interrupted ? "interrupted, " : "");
    for (size_t i = 0; i < parts.size(); ++i)
        text += (i ? ", " : "") + parts[i];
    text += "\n\n";
    if (!red && counts.quarantined > 0)
        text +=
            fmt::format("The run is green only because {} that failed {} quarantined.\n\n",
                        plural(counts.quarantined, "test", "tests"), counts.quarantined == 1 ? "is" : "are");
    return text;
}

std::string counts_table(const RunOutcome &outcome, const Counts &counts)
{
    std::string text = "| tests | |\n|---|---:|\n";
    const std::pair<const char *, size_t> rows[] = {
        {"passed", counts.passed},           {"failed", counts.failed},   {"flaky", counts.flaky},
        {"quarantined", counts.quarantined}, {"skipped", counts.skipped}, {"not run", counts.not_run},
    };
    for (const auto &[name, count] : rows)
        text += fmt::format("| {} | {} |\n", name, count);
    text += fmt::format("| wall time | {:.2f} s |\n", outcome.report.wall_secs);
    text += fmt::format("| sandboxes | {} |\n\n", outcome.sandboxes_created);
    return text;
}

// A section of entries, each a block of Markdown, kept within the room left in out; the rest is
// counted in "…and N more".
class Summary {
  public:
    explicit Summary(size_t max_bytes) : m_max(max_bytes) {}

    void text(std::string_view markdown) { m_out += markdown; }

    // reserve: bytes kept free for what comes after this section.
    void section(const std::string &title, const std::vector<std::string> &entries, size_t reserve,
                 size_t max_entries)
    {
        if (entries.empty())
            return;
        const std::string heading = fmt::format("### {} ({})\n\n", title, entries.size());
        if (m_out.size() + heading.size() + 100 + reserve > m_max)
            return;
        m_out += heading;
        size_t shown = 0;
        for (const std::string &entry : entries) {
            if (shown == max_entries || m_out.size() + entry.size() + 100 + reserve > m_max)
                break;
            m_out += entry;
            ++shown;
        }
        if (shown < entries.size())
            m_out += fmt::format("…and {} more (see the JUnit report)\n\n", entries.size() - shown);
        else if (!m_out.ends_with("\n\n"))
            m_out += "\n";
    }

    size_t size() const { return m_out.size(); }
    std::string take() { return std::move(m_out); }

  private:
    size_t m_max;
    std::string m_out;
};

std::string failed_entry(const TestReport &test, const GithubContext &context)
{
    const Attempt &last = test.attempts.back();
    const std::string where = location_text(location_of(test, last, context), context);
    std::string entry = "**" + md(test.id, 300) + "**";
    if (!where.empty())
        entry += " at `" + shortened(where, 300) + "`";
    if (test.attempts.size() > 1)
        entry += fmt::format(" (failed {} attempts)", test.attempts.size());
    entry +=
        ": " + md(last.message.empty() ? std::string(outcome_name(last.outcome)) : last.message) + "\n\n";
    if (!last.output.empty())
        entry += "<details><summary>output</summary>\n\n" + code_block(last.output) + "\n</details>\n\n";
    return entry;
}

std::string slowest_table(const RunReport &report)
{
    std::vector<const TestReport *> timed;
    for (const TestReport &test : report.tests)
        if (!test.attempts.empty() && test.attempts.back().duration_secs > 0)
            timed.push_back(&test);
    if (timed.empty())
        return {};
    const size_t shown = std::min<size_t>(5, timed.size());
    std::partial_sort(timed.begin(), timed.begin() + std::ptrdiff_t(shown), timed.end(),
                      [](const TestReport *a, const TestReport *b) {
                          return a->attempts.back().duration_secs > b->attempts.back().duration_secs;
                      });
    std::string text = "### Slowest\n\n| test | time |\n|---|---:|\n";
    for (size_t i = 0; i < shown; ++i)
        text += fmt::format("| {} | {:.2f} s |\n", md(timed[i]->id, 300),
                            timed[i]->attempts.back().duration_secs);
    return text + "\n";
}

} // namespace

bool github_reporting_on(std::optional<bool> setting, const char *github_actions)
{
    if (setting)
        return *setting;
    return github_actions && std::string_view(github_actions) == "true";
}

std::string github_escape_data(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '%': out += "%25"; break;
        case '\r': out += "%0D"; break;
        case '\n': out += "%0A"; break;
        default: out += c;
        }
    }
    return out;
}

std::string github_escape_property(std::string_view text)
{
    std::string out;
    for (char c : github_escape_data(text)) {
        switch (c) {
        case ':': out += "%3A"; break;
        case ',': out += "%2C"; break;
        default: out += c;
        }
    }
    return out;
}

std::string github_annotations(const RunOutcome &outcome, const GithubContext &context)
{
    std::vector<std::string> errors, warnings;
    for (const TestReport &test : outcome.report.tests) {
        const Outcome final = test.final_outcome();
        const std::string id = title_id(test.id);
        if (final == Outcome::NotRun) {
            errors.push_back(command("error", std::nullopt, "offload: " + id + " did not run",
                                     not_run_reason(test), context));
        } else if (failed_or_errored(final)) {
            const Attempt &last = test.attempts.back();
            const std::optional<SourceLocation> where = location_of(test, last, context);
            const std::string message =
                last.message.empty() ? std::string(outcome_name(final)) : last.message;
            if (test.quarantined.empty())
                errors.push_back(command("error", where, "offload: " + id + " failed", message, context));
            else
                warnings.push_back(
                    command("warning", where, "offload: " + id + " failed (quarantined)",
                            fmt::format("{} (quarantined: {}; this failure does not fail the run)",
                                        first_lines(message, 1), test.quarantined),
                            context));
        } else if (test.flaky()) {
            const Attempt &failure = *last_failure(test);
            warnings.push_back(command(
                "warning", location_of(test, failure, context), "offload: " + id + " is flaky",
                fmt::format("passed on attempt {} of {} after failing: {}", test.attempts.size(),
                            test.attempts.size(),
                            failure.message.empty() ? outcome_name(failure.outcome) : failure.message),
                context));
        }
    }
    std::string out;
    const size_t errors_shown = std::min(errors.size(), github_annotations_per_kind);
    const size_t warnings_shown = std::min(warnings.size(), github_annotations_per_kind);
    for (size_t i = 0; i < errors_shown; ++i)
        out += errors[i];
    for (size_t i = 0; i < warnings_shown; ++i)
        out += warnings[i];
    const size_t more_errors = errors.size() - errors_shown, more_warnings = warnings.size() - warnings_shown;
    if (more_errors + more_warnings > 0) {
        std::string more;
        if (more_errors > 0)
            more = plural(more_errors, "more error", "more errors");
        if (more_warnings > 0)
            more += (more.empty() ? "" : " and ") + plural(more_warnings, "more warning", "more warnings");
        out += "::notice title=" + github_escape_property("offload") + "::" +
               github_escape_data(
                   fmt::format("{} than GitHub shows ({} of each kind) are in the job summary and "
                               "the JUnit report",
                               more, github_annotations_per_kind)) +
               "\n";
    }
    return out;
}

std::string github_job_summary(const RunOutcome &outcome, const GithubContext &context, size_t max_bytes)
{
    const Counts counts = count(outcome.report);
    std::vector<std::string> failed, not_run, flaky, quarantined;
    for (const TestReport &test : outcome.report.tests) {
        const Outcome final = test.final_outcome();
        if (final == Outcome::NotRun) {
            not_run.push_back("- **" + md(test.id, 300) + "**: " + md(not_run_reason(test)) + "\n");
        } else if (failed_or_errored(final) && test.quarantined.empty()) {
            failed.push_back(failed_entry(test, context));
        } else if (failed_or_errored(final)) {
            const Attempt &last = test.attempts.back();
            quarantined.push_back("- **" + md(test.id, 300) +
                                  "**: " + md(last.message.empty() ? outcome_name(final) : last.message) +
                                  " (quarantined: " + md(test.quarantined) + ")\n");
        } else if (test.flaky()) {
            const Attempt &failure = *last_failure(test);
            flaky.push_back(
                fmt::format("- **{}**: passed on attempt {} of {}; it failed before: {}\n", md(test.id, 300),
                            test.attempts.size(), test.attempts.size(),
                            md(failure.message.empty() ? outcome_name(failure.outcome) : failure.message)));
        }
    }
    const std::string slowest = slowest_table(outcome.report);
    // What the later sections need at least: their headings, one entry and the "…and N more" line.
    constexpr size_t per_section = 2048;

    Summary summary(max_bytes);
    summary.text(headline(outcome, counts));
    summary.text(counts_table(outcome, counts));
    summary.section("Failed", failed, 3 * per_section + slowest.size(), 100);
    summary.section("Not run", not_run, 2 * per_section + slowest.size(), 1000);
    summary.section("Flaky", flaky, per_section + slowest.size(), 1000);
    summary.section("Quarantined: failed, but do not fail the run", quarantined, slowest.size(), 1000);
    if (summary.size() + slowest.size() <= max_bytes)
        summary.text(slowest);
    std::string text = summary.take();
    if (text.size() > max_bytes)
        return shortened(text, max_bytes > 3 ? max_bytes - 3 : 0);
    return text;
}

Expected<void> append_github_job_summary(const std::string &path, const RunOutcome &outcome,
                                         const GithubContext &context)
{
    const auto failed = [&](const std::string &why) {
        return failure(fmt::format("the job summary was not written to {}: {}", path, why));
    };
    const int raw = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
    if (raw < 0)
        return failed(std::strerror(errno));
    Fd fd(raw);
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0)
        return failed(std::strerror(errno));
    if (!S_ISREG(status.st_mode))
        return failed("it is not a regular file");
    // GitHub refuses a summary over its limit, and with it what the step wrote there before.
    const size_t held = size_t(status.st_size);
    constexpr size_t margin = 1024;
    if (held + margin >= github_summary_max_bytes)
        return failed(fmt::format("it already holds {} bytes, and GitHub takes at most {} from a step", held,
                                  github_summary_max_bytes));
    std::string text = github_job_summary(outcome, context, github_summary_max_bytes - held - margin);
    if (held > 0)
        text = "\n" + text;
    for (size_t written = 0; written < text.size();) {
        const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return failed(std::strerror(errno));
        written += size_t(n);
    }
    Fd owned = std::move(fd);
    if (owned.close() != 0)
        return failed(std::strerror(errno));
    return {};
}

void report_to_github(const RunOutcome &outcome, const fs::path &project_dir, std::FILE *out)
{
    GithubContext context{project_dir, {}, files_of(project_dir)};
    if (const char *workspace = std::getenv("GITHUB_WORKSPACE"); workspace && *workspace)
        context.workspace = fs::path(workspace);
    const std::string annotations = github_annotations(outcome, context);
    std::fwrite(annotations.data(), 1, annotations.size(), out);
    std::fflush(out);

    const char *summary = std::getenv("GITHUB_STEP_SUMMARY");
    if (!summary || !*summary) {
        log::warning("GITHUB_STEP_SUMMARY is not set: no job summary was written");
        return;
    }
    if (Expected<void> appended = append_github_job_summary(summary, outcome, context); !appended)
        log::warning(appended.error());
}

} // namespace offload
