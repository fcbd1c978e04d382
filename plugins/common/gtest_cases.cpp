#include "gtest_cases.hpp"

#include "temp_file.hpp"
#include "text.hpp"

#include <offload/plugin.hpp>

#include <cstdio>
#include <map>

namespace offload::common {

bool is_disabled(std::string_view name)
{
    // GoogleTest's own test, on the suite's name and the case's: "DISABLED_*:*/DISABLED_*".
    auto matches = [](std::string_view part) {
        return part.substr(0, 9) == "DISABLED_" || part.find("/DISABLED_") != std::string_view::npos;
    };
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos)
        return matches(name);
    return matches(name.substr(0, dot)) || matches(name.substr(dot + 1));
}

std::string percent_encode(std::string_view text)
{
    std::string encoded;
    for (char c : text) {
        if (c == '%' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            char escape[4];
            std::snprintf(escape, sizeof escape, "%%%02X", static_cast<unsigned char>(c));
            encoded += escape;
        } else {
            encoded += c;
        }
    }
    return encoded;
}

std::string without_comments(std::string_view program)
{
    std::string text;
    for_each_line(program, [&](std::string_view line) {
        const std::string_view content = trim(line);
        if (!content.empty() && content.front() != '#')
            text.append(line).push_back('\n');
    });
    return text;
}

std::vector<GtestRun> read_gtest_runs(const std::vector<Frame> &frames)
{
    std::vector<GtestRun> runs;
    for (const Frame &frame : frames) {
        if (frame.kind == "binary")
            runs.emplace_back().binary = std::string(frame.data);
        else if (runs.empty())
            continue;
        else if (frame.kind == "missing")
            runs.back().missing = true;
        else if (frame.kind == "exit") {
            runs.back().exit_code = std::string(frame.data);
            runs.back().processes.push_back({std::string(frame.data), {}, {}});
        } else if (frame.kind == "output") {
            runs.back().output = frame.data;
            if (!runs.back().processes.empty())
                runs.back().processes.back().output = frame.data;
        } else if (frame.kind == "xml" && !runs.back().processes.empty())
            runs.back().processes.back().xml = frame.data;
        else if (frame.kind == "done")
            runs.back().done = true;
        else if (frame.kind == "listing")
            runs.back().listing = frame.data;
        else if (frame.kind == "crashed")
            runs.back().crashed.insert(std::string(frame.data));
    }
    return runs;
}

std::string read_gtest_listing(const offload_host *host, std::string_view xml,
                               const std::function<void(const std::string &, const char *)> &add)
{
    const TempFile listing(xml);
    offload_junit_sink sink{
        sizeof(offload_junit_sink), const_cast<void *>(static_cast<const void *>(&add)),
        [](void *raw, const offload_junit_case *c) {
            const auto &add =
                *static_cast<const std::function<void(const std::string &, const char *)> *>(raw);
            add(std::string(*c->classname ? c->classname : c->suite) + "." + c->name, c->file);
        }};
    std::string reason;
    sdk::StringSink reason_sink(reason);
    if (host->read_junit(host, listing.path().c_str(), &sink, reason_sink) != OFFLOAD_OK)
        return reason.empty() ? std::string("unreadable") : reason;
    return {};
}

void report_result(const offload_result_sink *results, const char *id, offload_outcome outcome, double secs,
                   const std::string &message, const std::string &output)
{
    offload_test_result result{
        sizeof(offload_test_result), id, outcome, secs, message.c_str(), output.c_str()};
    results->report(results->context, &result);
}

void report_disabled_cases(const GtestCases &cases, const std::string &how_to_run,
                           const offload_result_sink *results)
{
    for (size_t k = 0; k < cases.names.size(); ++k)
        if (!gtest_case_runs(cases.run_disabled, cases.names[k]))
            report_result(results, cases.ids[k], OFFLOAD_OUTCOME_SKIPPED, 0,
                          "disabled (DISABLED_ prefix): " + how_to_run, "");
}

namespace {

// What the process printed for case name: from its [ RUN      ] line to its result line.
std::string output_of(std::string_view output, const std::string &name)
{
    std::string text;
    bool inside = false;
    for_each_line(output, [&](std::string_view line) {
        if (!inside) {
            inside = line.size() >= name.size() + 13 && line.substr(line.size() - name.size()) == name &&
                     line.substr(line.size() - name.size() - 13, 13) == "[ RUN      ] ";
            return;
        }
        for (std::string_view end : {"[       OK ] ", "[  FAILED  ] ", "[  SKIPPED ] "})
            if (line.substr(0, end.size()) == end && line.substr(end.size(), name.size()) == name &&
                line.substr(end.size() + name.size(), 2) == " (") {
                inside = false;
                return;
            }
        text.append(line).push_back('\n');
    });
    return text;
}

// GoogleTest's message is the failure's location on a line of its own, then its text: the text on
// one line reads better in a summary (the location stays in the output).
std::string summary(const std::string &message)
{
    std::vector<std::string_view> lines = split_lines(message);
    if (lines.size() > 1) {
        const std::string_view first = lines.front();
        const size_t colon = first.rfind(':');
        if (colon != std::string_view::npos && colon + 1 < first.size() &&
            first.find_first_not_of("0123456789", colon + 1) == std::string_view::npos)
            lines.erase(lines.begin());
    }
    std::string text;
    for (std::string_view line : lines)
        if (const std::string_view part = trim(line); !part.empty())
            text += (text.empty() ? "" : " ") + std::string(part);
    return text.size() > 300 ? text.substr(0, 297) + "..." : text;
}

struct GtestCaseResult {
    offload_outcome outcome;
    double secs;
    std::string message, details;
};

} // namespace

void report_gtest_cases(const offload_host *host, const GtestRun &run, const GtestCases &cases,
                        const offload_result_sink *results)
{
    if (run.missing) {
        for (size_t k = 0; k < cases.names.size(); ++k)
            if (gtest_case_runs(cases.run_disabled, cases.names[k]))
                report_result(results, cases.ids[k], OFFLOAD_OUTCOME_ERROR, -1, cases.missing, "");
        return;
    }
    // Each case's result from the report that has it, with the output of its process.
    struct Found {
        GtestCaseResult result;
        std::string_view output;
    };
    std::map<std::string, Found> found_cases;
    std::string unreadable;
    for (const GtestProcess &process : run.processes) {
        if (!process.xml)
            continue;
        struct Context {
            std::map<std::string, Found> *cases;
            std::string_view output;
        } context{&found_cases, process.output};
        offload_junit_sink sink{
            sizeof(offload_junit_sink), &context, [](void *raw, const offload_junit_case *c) {
                auto &ctx = *static_cast<Context *>(raw);
                const std::string name = std::string(*c->classname ? c->classname : c->suite) + "." + c->name;
                (*ctx.cases)[name] = {{c->outcome, c->time_secs, c->message, c->details}, ctx.output};
            }};
        const TempFile xml(*process.xml);
        std::string reason;
        sdk::StringSink reason_sink(reason);
        if (host->read_junit(host, xml.path().c_str(), &sink, reason_sink) != OFFLOAD_OK)
            unreadable = reason;
    }
    for (size_t k = 0; k < cases.names.size(); ++k) {
        const std::string &name = cases.names[k];
        const char *id = cases.ids[k];
        if (!gtest_case_runs(cases.run_disabled, name) || run.crashed.count(name))
            continue;
        auto found = found_cases.find(name);
        if (found != found_cases.end()) {
            const GtestCaseResult &c = found->second.result;
            std::string output = c.details;
            if (c.outcome != OFFLOAD_OUTCOME_PASSED && c.outcome != OFFLOAD_OUTCOME_SKIPPED) {
                const std::string printed = output_of(found->second.output, name);
                if (!printed.empty())
                    output += (output.empty() ? "" : "\n\n") + std::string("output:\n") + printed;
            }
            report_result(results, id, c.outcome, c.secs, summary(c.message), output);
        } else if (!unreadable.empty()) {
            report_result(results, id, OFFLOAD_OUTCOME_ERROR, -1,
                          "GoogleTest's XML report is unreadable: " + unreadable,
                          last_lines(run.processes.back().output, 30));
        } else if (run.done && !run.processes.empty() && run.processes.back().xml) {
            // The binary's last process got to its end: GoogleTest ran the case or never knew it.
            report_result(results, id, OFFLOAD_OUTCOME_ERROR, -1,
                          "GoogleTest's report of " + run.binary + " (exit code " +
                              run.processes.back().exit_code +
                              ") has no result for it: was the binary rebuilt without it? `offload collect` "
                              "lists the cases again",
                          last_lines(run.processes.back().output, 30));
        }
        // Otherwise no result can be trusted here: offload runs the case again.
    }
}

} // namespace offload::common
