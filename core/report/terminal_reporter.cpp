#include "report/terminal_reporter.hpp"

#include "runner/runner.hpp"
#include "util/log.hpp"
#include "util/split.hpp"
#include "util/terminal_text.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <unistd.h>

namespace offload {

namespace {

constexpr size_t max_lines_alike = 5;      // failures shown per batch when they are all the same
constexpr size_t max_not_run_lines = 5;    // "not run" lines per batch
constexpr double plain_line_interval = 10; // seconds between progress lines without a terminal

const char *const red = "1;31", *const yellow = "33", *const magenta = "35", *const dim = "2";

// The last lines of a test's output, indented, for the failure report.
std::string indented_tail(const std::string &text, size_t max_lines)
{
    size_t end = text.find_last_not_of("\n \t");
    if (end == std::string::npos)
        return "";
    size_t start = end + 1;
    size_t lines = 0;
    while (start > 0 && lines < max_lines) {
        size_t newline = text.rfind('\n', start - 1);
        start = newline == std::string::npos ? 0 : newline;
        ++lines;
        if (newline == std::string::npos)
            break;
    }
    std::string out = start > 0 ? "      ...\n" : "";
    size_t at = start == 0 ? 0 : start + 1;
    while (at <= end) {
        size_t newline = text.find('\n', at);
        size_t stop = newline == std::string::npos || newline > end ? end + 1 : newline;
        std::string_view line = std::string_view(text).substr(at, stop - at);
        if (!line.empty() && line.back() == '\r') // CR LF line ends
            line.remove_suffix(1);
        out += "      | " + terminal_safe(line) + "\n";
        at = stop + 1;
    }
    return out;
}

std::string duration(double seconds)
{
    if (seconds < 60)
        return fmt::format("{:.1f}s", seconds);
    return fmt::format("{}m{:02}s", int(seconds) / 60, int(seconds) % 60);
}

} // namespace

TerminalOptions terminal_options(const std::string &color, bool ci, bool json_events)
{
    TerminalOptions options;
    options.out = json_events ? stderr : stdout;
    const bool out_is_terminal = isatty(fileno(options.out)) != 0;
    const char *no_color = std::getenv("NO_COLOR");
    if (color == "always")
        options.color = true;
    else if (color == "auto")
        options.color = out_is_terminal && !(no_color && *no_color);
    const char *ci_env = std::getenv("CI");
    options.status_line = !ci && !(ci_env && *ci_env) && isatty(STDERR_FILENO) != 0;
    return options;
}

std::string TerminalReporter::paint(const char *code, const std::string &text) const
{
    return m_options.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
}

void TerminalReporter::clear_status()
{
    if (!m_status.empty()) {
        std::fputs("\r\x1b[K", stderr);
        m_status.clear();
    }
}

void TerminalReporter::write(const std::string &text)
{
    clear_status();
    std::fflush(stderr);
    std::fwrite(text.data(), 1, text.size(), m_options.out);
    std::fflush(m_options.out);
}

void TerminalReporter::run_started(size_t tests, size_t batches, unsigned max_sandboxes,
                                   const std::string &provider)
{
    if (batches == 0)
        log::info(fmt::format(
            "running {} tests on up to {} {} sandbox{}, each test handed out as a sandbox needs it", tests,
            max_sandboxes, provider, max_sandboxes == 1 ? "" : "es"));
    else
        log::info(fmt::format("running {} tests in {} batches on up to {} {} sandbox{}", tests, batches,
                              max_sandboxes, provider, max_sandboxes == 1 ? "" : "es"));
}

void TerminalReporter::test_finished(const TestEvent &event)
{
    const Attempt &attempt = event.attempt;
    std::lock_guard lock(m_mutex);
    BatchLines &batch = m_batches[event.batch];
    const std::string where = fmt::format("sandbox {}, {}", attempt.sandbox, attempt.log_path);
    switch (attempt.outcome) {
    case Outcome::Failed:
    case Outcome::Error: {
        bool same = attempt.message == batch.last_message && attempt.output == batch.last_output;
        if (!same) {
            batch.last_message = attempt.message;
            batch.last_output = attempt.output;
            batch.same = 0;
        } else if (++batch.same > max_lines_alike) {
            ++batch.hidden_failures;
            return;
        }
        std::string label = event.will_retry    ? paint(yellow, "TRY-FAIL")
                            : event.quarantined ? paint(yellow, "FAIL (quarantined)")
                                                : paint(red, "FAIL");
        write(fmt::format(
            "{} {} [{:.2f}s] ({}){}\n{}{}", label, terminal_safe(event.id),
            std::max(0.0, attempt.duration_secs), where, event.will_retry ? ", will retry" : "",
            attempt.message.empty() ? "" : "    " + terminal_safe(first_line(attempt.message)) + "\n",
            event.will_retry || same ? "" : indented_tail(attempt.output, 15)));
        break;
    }
    case Outcome::NotRun:
        if (++batch.not_run <= max_not_run_lines)
            write(fmt::format("{} {} ({}){}\n    {}\n", paint(magenta, "NOT RUN"), terminal_safe(event.id),
                              where, event.will_retry ? ", will retry" : "", terminal_safe(attempt.message)));
        break;
    case Outcome::Passed:
        if (event.flaky)
            write(fmt::format("{} {} passed on attempt {} ({})\n", paint(yellow, "FLAKY"),
                              terminal_safe(event.id), event.attempt_number, where));
        break;
    case Outcome::Skipped: break;
    }
}

void TerminalReporter::test_slow(const TestSlowEvent &event)
{
    std::lock_guard lock(m_mutex);
    write(fmt::format("{} [>{}] {} (sandbox {}, batch {})\n", paint(yellow, "SLOW"),
                      duration(event.threshold_secs), terminal_safe(event.id), event.sandbox, event.batch));
}

void TerminalReporter::batch_finished(const BatchEvent &event)
{
    std::lock_guard lock(m_mutex);
    auto found = m_batches.find(event.number);
    if (found == m_batches.end())
        return;
    if (found->second.hidden_failures > 0)
        write(fmt::format("{} ... and {} more tests of batch {} failed the same way (see the JUnit report)\n",
                          paint(red, "FAIL"), found->second.hidden_failures, event.number));
    if (found->second.not_run > max_not_run_lines)
        write(fmt::format("{} ... and {} more tests of batch {} (see the JUnit report)\n",
                          paint(magenta, "NOT RUN"), found->second.not_run - max_not_run_lines,
                          event.number));
    m_batches.erase(found);
}

void TerminalReporter::incident(const std::string &text)
{
    std::lock_guard lock(m_mutex);
    clear_status();
    log::warning(text); // made terminal-safe there
}

void TerminalReporter::tick(const RunProgress &progress)
{
    std::string line =
        fmt::format("{}/{} tests done: {} passed, {} failed, {} not run; {} command{} running; {}",
                    progress.settled.total(), progress.total, progress.settled.passed,
                    progress.settled.failed, progress.settled.not_run, progress.running_batches,
                    progress.running_batches == 1 ? "" : "s", duration(progress.elapsed_secs));
    if (progress.eta_secs && progress.settled.total() < progress.total)
        line += fmt::format(", about {} left", duration(*progress.eta_secs));
    // The status line also names the longest-running test, the one a person waits for.
    if (m_options.status_line && !progress.running.empty())
        line += fmt::format("; running {} ({})", terminal_safe(progress.running.front().id.substr(0, 60)),
                            duration(progress.running.front().running_secs));
    std::lock_guard lock(m_mutex);
    if (m_options.status_line) {
        if (line == m_status)
            return;
        std::fflush(m_options.out);
        std::string shown = paint(dim, "[offload] ") + line;
        std::fprintf(stderr, "\r\x1b[K%s", shown.c_str());
        std::fflush(stderr);
        m_status = line;
    } else if (progress.elapsed_secs - m_last_plain_line >= plain_line_interval) {
        m_last_plain_line = progress.elapsed_secs;
        log::info(line);
    }
}

void TerminalReporter::run_finished(const RunOutcome &)
{
    std::lock_guard lock(m_mutex);
    clear_status();
    std::fflush(stderr);
}

} // namespace offload
