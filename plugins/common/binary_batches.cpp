// Batches for the binary frameworks: the processes a batch runs, the script that runs them (and runs
// the cases of a process that did not end cleanly again one by one), and the reading of their
// reports. See binary_framework.hpp.
#include "common/binary_framework.hpp"
#include "common/command.hpp"
#include "common/text.hpp"

#include <fstream>
#include <iterator>
#include <string.h>

namespace offload::common {

namespace {

// One argument of a process holds the filter: Linux caps a single argument at 128 KiB.
constexpr size_t filter_bytes_per_process = 96 * 1024;

int severity(offload_outcome outcome)
{
    switch (outcome) {
    case OFFLOAD_OUTCOME_SKIPPED: return 0;
    case OFFLOAD_OUTCOME_PASSED: return 1;
    case OFFLOAD_OUTCOME_FAILED: return 2;
    default: return 3;
    }
}

// The worse of two results of one case; on a tie the first stays.
void combine(std::optional<CaseResult> &into, const CaseResult &result)
{
    if (!into || severity(result.outcome) > severity(into->outcome))
        into = result;
}

std::string describe_exit(int code)
{
    if (code > 128 && code < 128 + 65) {
        const char *abbreviation = ::sigabbrev_np(code - 128);
        return "killed by signal " + std::to_string(code - 128) +
               (abbreviation ? " (SIG" + std::string(abbreviation) + ")" : std::string());
    }
    return "exit code " + std::to_string(code);
}

// The report path: a placeholder in the tool's arguments that becomes "$offload_r" in the script.
constexpr std::string_view report_token = "\x01report\x01";

// Words quoted for sh, the report token in any of them becoming the script's "$offload_r".
std::string words_with_report(const offload_host *host, const std::vector<std::string> &words)
{
    std::string line;
    for (const std::string &word : words) {
        if (!line.empty())
            line += ' ';
        const size_t at = word.find(report_token);
        if (at == std::string::npos) {
            line += offload::sdk::shell_quote(host, word);
            continue;
        }
        const std::string before = word.substr(0, at), after = word.substr(at + report_token.size());
        line += (before.empty() ? "" : offload::sdk::shell_quote(host, before)) + "\"$offload_r\"" +
                (after.empty() ? "" : offload::sdk::shell_quote(host, after));
    }
    return line;
}

} // namespace

std::vector<BinaryFramework::Process> BinaryFramework::plan(const char *const *ids, size_t count) const
{
    std::vector<Process> processes;
    std::map<std::string, std::pair<size_t, size_t>> open; // binary -> (process, filter bytes)
    std::map<std::string, Binary> binaries;
    for (size_t i = 0; i < count; ++i) {
        const auto id = split_case_id(ids[i]);
        if (!id)
            continue;
        auto known = binaries.find(id->binary);
        if (known == binaries.end())
            known = binaries.emplace(id->binary, binary(id->binary)).first;
        if (known->second.skipped.count(id->name))
            continue;
        if (!m_tool->selectable_with_others(id->name)) {
            processes.push_back({id->binary, {i}});
            continue;
        }
        const size_t bytes = 2 * id->name.size() + 1;
        auto it = open.find(id->binary);
        if (it == open.end() || it->second.second + bytes > filter_bytes_per_process) {
            processes.push_back({id->binary, {}});
            it = open.insert_or_assign(id->binary, std::make_pair(processes.size() - 1, size_t(0))).first;
        }
        processes[it->second.first].cases.push_back(i);
        it->second.second += bytes;
    }
    return processes;
}

std::string BinaryFramework::batch_command(const offload_batch &batch) const
{
    const std::vector<Process> processes = plan(batch.test_ids, batch.test_count);
    const std::string extra =
        m_settings.extra_args.empty() ? "" : " " + shell_words(m_host, m_settings.extra_args);
    std::string script =
        "offload_out=" + offload::sdk::shell_quote(m_host, batch.result_file) +
        "\n"
        "offload_r=$offload_out.report\n"
        "offload_o=$offload_out.output\n"
        "offload_status=0\n"
        ": >\"$offload_out\" || exit 1\n" +
        framed_part_functions() + "offload_clean() { " + m_tool->clean_end_condition() +
        "; }\n"
        "offload_count() { if [ \"$offload_e\" -ne 0 ]; then offload_status=$offload_e; fi; }\n"
        // A case alone: its output is kept for its report, and still reaches the log.
        "offload_alone() {\n"
        "  offload_c=$1; shift\n"
        "  rm -f \"$offload_r\"\n"
        "  \"$@\" >\"$offload_o\" 2>&1\n"
        "  offload_e=$?\n"
        "  cat \"$offload_o\"\n"
        "  offload_part case \"$offload_c\" \"$offload_e\" \"$offload_r\" >>\"$offload_out\"\n"
        "  offload_part output \"$offload_c\" \"$offload_o\" >>\"$offload_out\"\n"
        "  offload_count\n"
        "}\n";
    for (size_t p = 0; p < processes.size(); ++p) {
        const Process &process = processes[p];
        const std::string variant = binary(process.binary).variant;
        const std::string program = offload::sdk::shell_quote(m_host, runnable_path(process.binary));
        auto command = [&](const std::vector<size_t> &cases) {
            std::vector<std::string> names;
            for (size_t c : cases)
                names.push_back(split_case_id(batch.test_ids[c])->name);
            return program + " " +
                   words_with_report(m_host,
                                     m_tool->run_arguments(names, variant, std::string(report_token))) +
                   extra;
        };
        if (process.cases.size() == 1) {
            script +=
                "offload_alone " + std::to_string(process.cases[0]) + " " + command(process.cases) + "\n";
            continue;
        }
        script += "rm -f \"$offload_r\"\n" + command(process.cases) +
                  "\noffload_e=$?\n"
                  "offload_part process " +
                  std::to_string(p) +
                  " \"$offload_e\" \"$offload_r\" >>\"$offload_out\"\n"
                  "if offload_clean; then offload_count; else\n"
                  "  echo \"offload: the process of " +
                  std::to_string(process.cases.size()) +
                  " cases did not end cleanly ($offload_e): each runs again alone\"\n";
        for (size_t c : process.cases)
            script += "  offload_alone " + std::to_string(c) + " " + command({c}) + "\n";
        script += "fi\n";
    }
    script += "rm -f \"$offload_r\" \"$offload_o\"\nexit $offload_status\n";
    return script;
}

void BinaryFramework::parse_results(const offload_batch_run &run, const offload_result_sink &sink) const
{
    const size_t count = run.test_count;
    std::vector<std::optional<CaseResult>> results(count);
    std::vector<bool> not_found(count, false);
    auto report = [&](size_t i, const CaseResult &result) {
        offload_test_result out{sizeof(offload_test_result),
                                run.test_ids[i],
                                result.outcome,
                                result.secs,
                                result.message.c_str(),
                                result.output.empty() ? nullptr : result.output.c_str()};
        sink.report(sink.context, &out);
    };

    const std::vector<Process> processes = plan(run.test_ids, count);
    std::vector<bool> planned(count, false);
    for (const Process &process : processes)
        for (size_t c : process.cases)
            planned[c] = true;
    for (size_t i = 0; i < count; ++i) {
        const auto id = split_case_id(run.test_ids[i]);
        if (!id)
            report(i, {OFFLOAD_OUTCOME_ERROR, -1,
                       "not a " + m_tool->name() + " test id: ids are BINARY::CASE, as discovery gives them",
                       ""});
        else if (!planned[i])
            report(i, {OFFLOAD_OUTCOME_SKIPPED, -1,
                       "skipped by " + m_tool->name() + " (marked skip in the source)", ""});
    }

    std::string text;
    if (run.result_file) {
        std::ifstream file(run.result_file, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    if (!run.result_file) {
        if (run.timed_out)
            return; // the host runs the tests again one by one
        const std::string message = "the batch wrote no result file (" + describe_exit(run.exit_code) + ")";
        const std::string tail(run.output_tail, run.output_tail_length);
        for (size_t i = 0; i < count; ++i)
            if (planned[i])
                report(i, {OFFLOAD_OUTCOME_ERROR, -1, message, tail});
        return;
    }
    const FramedParts framed = read_framed_parts(text);
    if (framed.damage && !run.timed_out)
        offload::sdk::log(m_host, OFFLOAD_LOG_WARNING,
                          "the result file " + std::string(run.result_file) +
                              " is damaged: " + *framed.damage);

    auto name_of = [&](size_t c) { return m_tool->reported_name(split_case_id(run.test_ids[c])->name); };
    auto binary_of = [&](size_t c) { return split_case_id(run.test_ids[c])->binary; };
    // Results of a report for the given cases; a case it does not name is not found when the
    // report is whole.
    auto take = [&](const ToolReport &tool_report, const std::vector<size_t> &cases) {
        for (size_t c : cases) {
            auto [first, last] = tool_report.cases.equal_range(name_of(c));
            for (auto it = first; it != last; ++it)
                combine(results[c], it->second);
            if (first == last && tool_report.complete && !tool_report.crashed)
                not_found[c] = true;
        }
    };
    std::map<size_t, std::pair<int, std::string>> alone; // case -> exit code, report
    std::map<size_t, std::string> outputs;
    for (const FramedPart &part : framed.parts) {
        if (part.fields.size() < 2)
            continue;
        const size_t index = std::stoul(part.fields[1]);
        const std::string &kind = part.fields[0];
        if (kind == "process" && index < processes.size())
            take(m_tool->read_report(part.body), processes[index].cases);
        else if (kind == "case" && index < count && part.fields.size() >= 3)
            alone[index] = {std::stoi(part.fields[2]), part.body};
        else if (kind == "output" && index < count)
            outputs[index] = part.body;
    }
    for (const auto &[c, ended] : alone) {
        const auto &[exit_code, body] = ended;
        const ToolReport tool_report = m_tool->read_report(body);
        const std::string &output = outputs[c];
        not_found[c] = false;
        take(tool_report, {c});
        if (!tool_report.complete || !results[c]) {
            if (!tool_report.complete)
                combine(results[c], {OFFLOAD_OUTCOME_FAILED, -1,
                                     "crashed: " + binary_of(c) + " ended (" + describe_exit(exit_code) +
                                         ") before its " + m_tool->name() + " report was complete",
                                     ""});
        }
        if (results[c] && !output.empty() && results[c]->outcome != OFFLOAD_OUTCOME_PASSED)
            results[c]->output +=
                (results[c]->output.empty() ? "" : "\n") + std::string("output:\n") + output;
    }
    for (size_t i = 0; i < count; ++i) {
        if (results[i])
            report(i, *results[i]);
        else if (not_found[i])
            report(i, {OFFLOAD_OUTCOME_ERROR, -1,
                       binary_of(i) + " ran no test case named \"" + split_case_id(run.test_ids[i])->name +
                           "\" (renamed or removed since discovery?)",
                       ""});
    }
}

} // namespace offload::common
