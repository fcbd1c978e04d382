#include "ctest_gtest.hpp"

#include "common/command.hpp"
#include "common/text.hpp"
#include "gtest_candidates_program.hpp"
#include "gtest_common_script.hpp"
#include "gtest_run_script.hpp"

#include <offload/plugin.hpp>

#include <set>
#include <stdexcept>

namespace offload::ctest {

using namespace offload::common;
using offload::sdk::shell_quote;

std::string case_id(std::string_view test, std::string_view name)
{
    std::string id(test);
    id += '/';
    id += name;
    return id;
}

std::string gtest_functions()
{
    return without_comments(gtest_common_script) + without_comments(gtest_run_script);
}

std::string expanding_discovery(const std::string &listing)
{
    constexpr std::string_view end = "OFFLOAD_CTEST_CANDIDATES_END";
    const std::string program = without_comments(gtest_candidates_program);
    if (program.find(end) != std::string::npos)
        throw std::logic_error("the candidates' program holds its heredoc's end");
    return without_comments(gtest_common_script) +
           "command -v cmake >/dev/null 2>&1 || { echo 'offload: expand_gtest needs cmake beside ctest on "
           "PATH' >&2; exit 3; }\n" +
           listing + " >\"$offload_dir/listing.json\" || exit $?\n" +
           "offload_frame ctest-listing \"$offload_dir/listing.json\"\n"
           "cat >\"$offload_dir/candidates.cmake\" <<'" +
           std::string(end) + "'\n" + program + std::string(end) +
           "\n"
           "cmake \"-DOFFLOAD_LISTING=$offload_dir/listing.json\" "
           "\"-DOFFLOAD_OUT=$offload_dir/candidates.sh\" "
           "-P \"$offload_dir/candidates.cmake\" >&2 || { echo 'offload: cmake could not read ctest'\"'\"'s "
           "listing to find the GoogleTest tests (expand_gtest)' >&2; exit 3; }\n"
           // offload_ctest_list NAME DIR PROGRAM ENV_COUNT NAME=VALUE... ARG...: the frames `binary`
           // (NAME), `program`, then offload_list's.
           "offload_ctest_list() {\n"
           "  offload_frame_text binary \"$1\"\n"
           "  offload_frame_text program \"$3\"\n"
           "  rm -f \"$offload_dir/list.xml\"\n"
           "  (\n"
           "    cd \"$2\" || exit 126\n"
           "    offload_program=$3 offload_n=$4\n"
           "    shift 4\n"
           "    while [ \"$offload_n\" -gt 0 ]; do export \"$1\" || exit 126; shift; "
           "offload_n=$((offload_n - 1)); done\n"
           "    exec \"$offload_program\" \"$@\" --gtest_list_tests "
           "\"--gtest_output=xml:$offload_dir/list.xml\"\n"
           "  ) >\"$offload_dir/out\" 2>&1 </dev/null\n"
           "  offload_frame_text exit \"$?\"\n"
           "  offload_frame output \"$offload_dir/out\"\n"
           "  if [ -f \"$offload_dir/list.xml\" ]; then offload_frame listing \"$offload_dir/list.xml\"; fi\n"
           "}\n"
           ". \"$offload_dir/candidates.sh\"\n";
}

Expansion read_expansion(const offload_host *host, std::string_view text)
{
    const Frames read = read_frames(text);
    if (!read.error.empty())
        throw std::runtime_error("the discovery's output is damaged (" + read.error + ")");
    if (read.frames.empty() || read.frames.front().kind != "ctest-listing")
        throw std::runtime_error("the discovery's output does not begin with ctest's listing");
    Expansion expansion;
    expansion.listing = std::string(read.frames.front().data);
    std::map<std::string, std::string> programs; // ctest name -> program
    {
        std::string current;
        for (const Frame &frame : read.frames) {
            if (frame.kind == "binary")
                current = std::string(frame.data);
            else if (frame.kind == "program")
                programs[current] = std::string(frame.data);
        }
    }
    for (const GtestRun &run : read_gtest_runs(read.frames)) {
        if (!run.listing) {
            expansion.notes.push_back(run.binary + ": its program " + programs[run.binary] +
                                      " wrote no GoogleTest listing (exit code " + run.exit_code +
                                      "); it runs as one ctest test. Its output ends with:\n" +
                                      last_lines(run.output, 10));
            continue;
        }
        if (run.exit_code != "0") {
            expansion.notes.push_back(run.binary + ": --gtest_list_tests failed with exit code " +
                                      run.exit_code + "; it runs as one ctest test. Its output ends with:\n" +
                                      last_lines(run.output, 10));
            continue;
        }
        GtestTest test{run.binary, programs[run.binary], {}};
        const std::string reason = read_gtest_listing(
            host, *run.listing, [&](const std::string &name, const char *) { test.cases.push_back(name); });
        if (!reason.empty()) {
            expansion.notes.push_back(run.binary + ": its GoogleTest listing is unreadable (" + reason +
                                      "); it runs as one ctest test");
            continue;
        }
        if (test.cases.empty() || expansion.test_index.count(test.name))
            continue;
        const size_t index = expansion.tests.size();
        for (const std::string &name : test.cases)
            expansion.cases.emplace(case_id(test.name, name), std::make_pair(index, name));
        expansion.test_index.emplace(test.name, index);
        expansion.tests.push_back(std::move(test));
    }
    return expansion;
}

const GtestTest *find_expanded(const Expansion *expansion, const std::string &name)
{
    if (!expansion)
        return nullptr;
    const auto found = expansion->test_index.find(name);
    return found == expansion->test_index.end() ? nullptr : &expansion->tests[found->second];
}

const ExpandedCase *find_case(const Expansion *expansion, const std::string &id)
{
    if (!expansion)
        return nullptr;
    const auto found = expansion->cases.find(id);
    return found == expansion->cases.end() ? nullptr : &found->second;
}

bool runs_disabled(const CTestTest &test)
{
    auto asks = [](const std::string &word, std::string_view flag) {
        return word.compare(0, flag.size(), flag) == 0 &&
               (word.size() == flag.size() ||
                (word[flag.size()] == '=' && word.substr(flag.size() + 1) != "0"));
    };
    for (size_t i = 1; i < test.command.size(); ++i)
        if (asks(test.command[i], "--gtest_also_run_disabled_tests"))
            return true;
    for (const std::string &entry : test.environment)
        if (asks(entry, "GTEST_ALSO_RUN_DISABLED_TESTS"))
            return true;
    return false;
}

GtestCases batch_cases(const CTestTest &test, const std::vector<std::string> &names,
                       const std::vector<const char *> &ids)
{
    GtestCases cases;
    cases.names = names;
    cases.ids = ids;
    cases.run_disabled = runs_disabled(test);
    cases.missing = "the GoogleTest binary of the ctest test " + test.name +
                    " does not exist where the batch ran: is the project built in the sandbox?";
    return cases;
}

namespace {

// The ctest run of a fixture's setup or cleanup tests, its output in "$offload_dir/fixture".
std::string fixture_run(const std::string &ctest_dir, const std::vector<std::string> &names,
                        const offload_host *host, const std::string &extra_args)
{
    return "ctest --test-dir " + ctest_dir + " --no-tests=error -R " + shell_quote(host, names_regex(names)) +
           extra_args + " </dev/null >\"$offload_dir/fixture\" 2>&1";
}

} // namespace

std::string group_script(const offload_host *host, const CTestTest &test, const GtestTest &gtest,
                         const std::vector<std::string> &names, const std::string &ctest_dir,
                         const std::vector<std::string> &setups, const std::vector<std::string> &cleanups,
                         const std::string &extra_args)
{
    std::string text = "offload_result=$1\n: >\"$offload_result\" || exit 1\n";
    std::string run = "(\n  cd " +
                      shell_quote(host, test.working_directory.empty() ? "." : test.working_directory) +
                      " || exit 126\n";
    for (const std::string &entry : test.environment)
        run += "  export " + shell_quote(host, entry) + " || exit 126\n";
    const std::vector<std::string> arguments(test.command.begin() + (test.command.empty() ? 0 : 1),
                                             test.command.end());
    run += "  offload_run \"$offload_result\" " +
           shell_words(host, {gtest.program, percent_encode(case_id(test.name, "")), join(names, "\n")}) +
           shell_args(host, arguments) + "\n  exit $offload_status\n)\noffload_status=$?\n";
    if (setups.empty()) {
        text += run;
    } else {
        text += "if " + fixture_run(ctest_dir, setups, host, extra_args) +
                "; then\n  cat \"$offload_dir/fixture\"\n" + run +
                "else\n  offload_status=$?\n  cat \"$offload_dir/fixture\"\n"
                "  offload_frame not-run \"$offload_dir/fixture\" >>\"$offload_result\"\nfi\n";
    }
    if (!cleanups.empty())
        text += fixture_run(ctest_dir, cleanups, host, extra_args) +
                " || echo 'offload: a cleanup test of its fixtures failed:'\ncat \"$offload_dir/fixture\"\n";
    return text + "exit $offload_status\n";
}

void report_group(const offload_host *host, const GtestCases &cases, const std::string *frames,
                  const offload_result_sink *results)
{
    if (!frames)
        return;
    const Frames read = read_frames(*frames);
    if (!read.error.empty())
        sdk::log(host, OFFLOAD_LOG_WARNING,
                 "the GoogleTest frames of a batch end early (" + read.error +
                     "): the cases they do not report run again");
    for (const Frame &frame : read.frames)
        if (frame.kind == "not-run") {
            for (size_t k = 0; k < cases.names.size(); ++k)
                if (gtest_case_runs(cases.run_disabled, cases.names[k]))
                    report_result(results, cases.ids[k], OFFLOAD_OUTCOME_FAILED, -1,
                                  "not run: a setup test of its fixtures failed", std::string(frame.data));
            return;
        }
    const std::vector<GtestRun> runs = read_gtest_runs(read.frames);
    if (!runs.empty())
        report_gtest_cases(host, runs.front(), cases, results);
}

} // namespace offload::ctest
