// offload logs: the tests of the last run with their output, read back from its JUnit report.
#include "cli/commands.hpp"

#include "results/junit_reader.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/regex.hpp"

#include <fmt/format.h>

#include <set>

namespace offload {

namespace {

std::string label(const JunitCase &test)
{
    switch (test.outcome) {
    case Outcome::Passed: return test.earlier_failures > 0 ? "FLAKY" : "PASS";
    case Outcome::Failed: return "FAIL";
    case Outcome::Error: return test.message.rfind("not run", 0) == 0 ? "NOT RUN" : "ERROR";
    case Outcome::Skipped: return "SKIP";
    default: return "?";
    }
}

} // namespace

int command_logs(const GlobalOptions &global, const LogsOptions &options)
{
    Session session(global);
    const std::filesystem::path report = session.settings().junit_file;
    std::optional<Regex> grep;
    if (!options.grep.empty()) {
        Expected<Regex> compiled = Regex::compile(options.grep);
        if (!compiled)
            throw Error(invalid_pattern_message("--grep", options.grep, compiled.error()), exit_usage);
        grep = std::move(*compiled);
    }
    std::optional<Regex> id_pattern;
    if (!options.test_regex.empty()) {
        Expected<Regex> compiled = Regex::compile(options.test_regex);
        if (!compiled)
            throw Error(invalid_pattern_message("--test-regex", options.test_regex, compiled.error()),
                        exit_usage);
        id_pattern = std::move(*compiled);
    }
    const std::set<std::string> wanted(options.tests.begin(), options.tests.end());
    // --grep and --test-regex alone select; with a selector they narrow what it selects.
    const bool selector = options.failures || options.errors || options.flaky || !wanted.empty();
    const bool default_view = !selector && !grep && !id_pattern;
    std::set<std::string> seen;
    size_t shown = 0;
    std::string out;
    const Expected<std::optional<size_t>> cases = read_junit(report, [&](const JunitCase &test) {
        seen.insert(test.name);
        const bool failed = test.outcome == Outcome::Failed || test.outcome == Outcome::Error;
        const bool flaky = test.outcome == Outcome::Passed && test.earlier_failures > 0;
        bool show = wanted.count(test.name) || (options.failures && failed) ||
                    (options.errors && test.outcome == Outcome::Error) || (options.flaky && flaky) ||
                    (default_view && (failed || flaky)) || (!selector && !default_view);
        if (grep)
            show =
                show && (grep->search(test.name) || grep->search(test.message) || grep->search(test.details));
        if (id_pattern)
            show = show && id_pattern->search(test.name);
        if (!show)
            return;
        ++shown;
        out += fmt::format("=== {} {}", label(test), test.name);
        if (test.time_secs >= 0)
            out += fmt::format(" [{:.2f}s]", test.time_secs);
        out += "\n";
        if (!test.message.empty())
            out += "    " + test.message + "\n";
        // A report's failure text starts with the message (GitLab shows only the text): once is enough.
        std::string_view details = test.details;
        if (!test.message.empty() && details.starts_with(test.message))
            details.remove_prefix(test.message.size());
        while (details.starts_with('\n'))
            details.remove_prefix(1);
        if (!details.empty())
            out += std::string(details) + (details.back() == '\n' ? "" : "\n");
        out += "\n";
    });
    if (!cases)
        throw Error(fmt::format("the last run's report cannot be read: {}", cases.error()));
    if (!*cases)
        throw Error(
            fmt::format("there is no report of a last run at {}: run `offload run` first ([report] junit "
                        "must be true)",
                        report.string()));
    for (const std::string &id : options.tests)
        if (!seen.count(id))
            throw Error(fmt::format("the last run's report ({}) has no test \"{}\"", report.string(), id));
    out += fmt::format("{} of {} tests shown, from {}\n", shown, **cases, report.string());
    log::print(out);
    return 0;
}

} // namespace offload
