// The gtest framework: the cases of GoogleTest binaries, each with its own result.
//
// Discovery runs build_command (if any), expands the `binaries` globs and asks each binary for its
// cases with --gtest_list_tests and GoogleTest's XML listing (--gtest_output=xml): a binary that
// writes no listing is not a GoogleTest binary, and the listing, unlike the printed one, cannot be
// confused with what the program prints. Ids are described in gtest_ids.hpp.
// A batch runs each binary's cases in one process, selected with --gtest_filter, and reads
// GoogleTest's XML report. A process that dies first (a segfault, abort()) writes no report: the
// shell half (gtest_common.sh, gtest_run.sh) charges the case it was running with test-protocol records and
// runs the others again without it, so that every result comes from a report GoogleTest wrote.
#include "common/command.hpp"
#include "common/gtest_cases.hpp"
#include "common/temp_file.hpp"
#include "common/text.hpp"
#include "gtest_common_script.hpp"
#include "gtest_ids.hpp"
#include "gtest_run_script.hpp"

#include <offload/plugin.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace offload::sdk;
using namespace offload::gtest;
using namespace offload::common;

struct offload_framework_instance {
    const offload_host *host;
    std::vector<std::string> binaries; // globs, relative to the project
    std::vector<std::string> extra_args;
    std::string build_command; // empty: none
    bool run_disabled = false; // extra_args has --gtest_also_run_disabled_tests
    // The longest case name of the last discovery: learned by parse_discovery (main thread,
    // before any batch), read by max_batch_size.
    mutable std::atomic<size_t> longest_pattern{0};
};

namespace {

// GoogleTest flags offload sets itself, or that would hide the lines and reports it reads.
constexpr std::string_view forbidden_flags[] = {"--gtest_filter",  "--gtest_output",     "--gtest_list_tests",
                                                "--gtest_repeat",  "--gtest_brief",      "--gtest_color",
                                                "--gtest_shuffle", "--gtest_random_seed"};

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->binaries = settings.string_list("binaries").value_or(std::vector<std::string>{});
        if (instance->binaries.empty())
            settings.fail("binaries",
                          "is required: the GoogleTest executables, as paths or globs relative to "
                          "the project, e.g. [\"build/*_test\"]");
        for (size_t i = 0; i < instance->binaries.size(); ++i)
            if (trim(instance->binaries[i]).empty() || instance->binaries[i].find('\n') != std::string::npos)
                settings.fail("binaries[" + std::to_string(i) + "]", "must be a path or glob on one line");
        instance->extra_args = settings.string_list("extra_args").value_or(std::vector<std::string>{});
        for (const std::string &arg : instance->extra_args) {
            if (arg == "--gtest_also_run_disabled_tests" || arg == "--gtest_also_run_disabled_tests=1")
                instance->run_disabled = true;
            for (std::string_view flag : forbidden_flags)
                if (arg.compare(0, flag.size(), flag) == 0 &&
                    (arg.size() == flag.size() || arg[flag.size()] == '='))
                    settings.fail("extra_args", "\"" + arg +
                                                    "\" cannot be used here: offload selects the cases, "
                                                    "reads GoogleTest's report and its [ RUN      ] lines");
        }
        instance->build_command = settings.string("build_command").value_or("");
        if (settings.has("build_command") && trim(instance->build_command).empty())
            settings.fail("build_command", "must not be empty: a command that builds the test binaries");
        *out = instance.release();
        return OFFLOAD_OK;
    });
}

void destroy(offload_framework_instance *instance)
{
    delete instance;
}

void config_template(const offload_text_sink *toml)
{
    append_text(
        toml,
        "# GoogleTest executables, as paths or globs (*, ?, [...]) relative to this file. Test ids are\n"
        "# BINARY::Suite.Case, e.g. build/calc_test::Divide.ByZeroThrows; typed and value-parametrized\n"
        "# cases as GoogleTest names them (Identity/0.AddZero, Small/Square.IsNotNegative/2).\n"
        "binaries = [\"build/*_test\"]\n"
        "# Runs in the project directory before discovery, e.g. to build the binaries:\n"
        "# build_command = \"cmake -S . -B build && cmake --build build\"\n"
        "# More arguments for every run of the binaries (not --gtest_filter or --gtest_output, which\n"
        "# offload sets). DISABLED_ cases are reported skipped unless they are run:\n"
        "# extra_args = [\"--gtest_also_run_disabled_tests\"]\n");
}

// One exec argument is capped at 128 KiB on Linux: a batch's filter for one binary must fit.
constexpr size_t filter_bytes_per_batch = 100 * 1024;

size_t max_batch_size(const offload_framework_instance *instance)
{
    const size_t longest = instance->longest_pattern.load();
    return longest == 0 ? 0 : std::max<size_t>(1, filter_bytes_per_batch / (longest + 1));
}

// A glob for sh: its wildcards bare, everything else quoted, so that the shell expands the pattern
// and nothing else of it.
std::string shell_glob(const offload_host *host, const std::string &glob)
{
    std::string word, literal;
    auto flush = [&] {
        if (!literal.empty())
            word += shell_quote(host, literal);
        literal.clear();
    };
    for (char c : glob) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '!') {
            flush();
            word += c;
        } else {
            literal += c;
        }
    }
    flush();
    return word;
}

std::string extra_words(const offload_framework_instance &instance)
{
    return instance.extra_args.empty() ? std::string()
                                       : " " + shell_words(instance.host, instance.extra_args);
}

// The listing of every binary; `more` (quoted words) after the configured arguments.
std::string listing_command(const offload_framework_instance &instance, const std::string &more)
{
    std::string text;
    // The build's output goes to stderr: stdout holds the frames alone.
    if (!instance.build_command.empty())
        text += "{ " + instance.build_command + "\n} >&2 || exit $?\n";
    text += without_comments(gtest_common_script);
    for (const std::string &glob : instance.binaries)
        text += "for offload_path in " + shell_glob(instance.host, glob) +
                "; do offload_list \"$offload_path\"" + extra_words(instance) + more + "; done\n";
    return text;
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        append_text(command, listing_command(*instance, ""));
        return OFFLOAD_OK;
    });
}

// A group's filters: a GoogleTest filter (--gtest_filter's POSITIVE[-NEGATIVE] patterns), given to
// the listing of every binary.
offload_status filtered_discover_command(const offload_framework_instance *instance, const char *filters,
                                         const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string pattern;
        try {
            pattern = single_pattern_filter(filters, "--gtest_filter", "Net*.*-*Slow*");
        } catch (const std::invalid_argument &e) {
            append_text(error, e.what());
            return OFFLOAD_ERROR;
        }
        append_text(command, listing_command(*instance,
                                             " " + shell_quote(instance->host, "--gtest_filter=" + pattern)));
        return OFFLOAD_OK;
    });
}

std::string describe_output(std::string_view output)
{
    const std::string tail = last_lines(output, 15);
    return tail.empty() ? std::string(" It printed nothing.") : " Its output ends with:\n" + tail;
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::string_view out(output->stdout_text, output->stdout_length);
        const std::string_view err(output->stderr_text, output->stderr_length);
        if (output->exit_code != 0) {
            offload_text_printf(error, "%s failed with exit code %d:\n%s",
                                instance->build_command.empty() ? "listing the GoogleTest cases"
                                                                : "[discovery] build_command",
                                output->exit_code, last_lines(err, 30).c_str());
            return OFFLOAD_ERROR;
        }
        const Frames read = read_frames(out);
        if (!read.error.empty()) {
            offload_text_printf(error, "cannot read the listing of the GoogleTest binaries (%s):\n%s",
                                read.error.c_str(),
                                last_lines(std::string(out) + std::string(err), 20).c_str());
            return OFFLOAD_ERROR;
        }
        std::set<std::string> seen_binaries;
        size_t longest = 0;
        for (const GtestRun &binary : read_gtest_runs(read.frames)) {
            if (!seen_binaries.insert(binary.binary).second)
                continue;
            if (binary.missing) {
                offload_text_printf(error,
                                    "no GoogleTest binary at %s (from [discovery] binaries, relative to %s): "
                                    "build it first%s, or fix the path",
                                    binary.binary.c_str(),
                                    host_project_dir(instance->host) ? host_project_dir(instance->host)
                                                                     : "the project",
                                    instance->build_command.empty() ? " (or set build_command)" : "");
                return OFFLOAD_ERROR;
            }
            if (!binary.listing) {
                offload_text_printf(
                    error,
                    "%s is not a GoogleTest binary: run with --gtest_list_tests "
                    "--gtest_output=xml:FILE it wrote no listing (exit code %s; GoogleTest 1.10 "
                    "or later writes one).%s",
                    binary.binary.c_str(), binary.exit_code.c_str(), describe_output(binary.output).c_str());
                return OFFLOAD_ERROR;
            }
            if (binary.exit_code != "0") {
                offload_text_printf(error, "%s --gtest_list_tests failed with exit code %s.%s",
                                    binary.binary.c_str(), binary.exit_code.c_str(),
                                    describe_output(binary.output).c_str());
                return OFFLOAD_ERROR;
            }
            const std::string reason = read_gtest_listing(
                instance->host, *binary.listing, [&](const std::string &name, const char *file) {
                    const std::string id = format_id(binary.binary, name);
                    longest = std::max(longest, name.size());
                    offload_discovered_test test{sizeof test, id.c_str(), file && *file ? file : nullptr};
                    tests->add(tests->context, &test);
                });
            if (!reason.empty()) {
                offload_text_printf(error, "cannot read the test listing of %s: %s", binary.binary.c_str(),
                                    reason.c_str());
                return OFFLOAD_ERROR;
            }
        }
        // One discovery per group: the longest case of any of them bounds the batches.
        instance->longest_pattern = std::max(longest, instance->longest_pattern.load());
        return OFFLOAD_OK;
    });
}

// A batch's cases, by binary in order of first appearance.
struct Group {
    std::string binary;
    GtestCases cases; // every case of the batch in this binary
};

std::vector<Group> group_by_binary(const offload_framework_instance &instance, const char *const *ids,
                                   size_t count)
{
    std::vector<Group> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < count; ++i) {
        const std::optional<CaseId> id = parse_id(ids[i]);
        if (!id)
            throw std::runtime_error(std::string("not a gtest test id (expected BINARY::Suite.Case): ") +
                                     ids[i]);
        auto [it, added] = index.emplace(id->binary, groups.size());
        if (added) {
            Group &group = groups.emplace_back();
            group.binary = id->binary;
            group.cases.run_disabled = instance.run_disabled;
            group.cases.missing = "the GoogleTest binary " + id->binary +
                                  " does not exist where the batch ran: is it built in the sandbox?";
        }
        groups[it->second].cases.names.push_back(id->name);
        groups[it->second].cases.ids.push_back(ids[i]);
    }
    return groups;
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_host *host = instance->host;
        const std::string result = shell_quote(host, batch->result_file);
        std::string text = without_comments(gtest_common_script) + without_comments(gtest_run_script) +
                           "rm -f " + result + "\n: >" + result + "\n";
        for (const Group &group : group_by_binary(*instance, batch->test_ids, batch->test_count)) {
            std::vector<std::string> names;
            for (const std::string &name : group.cases.names)
                if (gtest_case_runs(instance->run_disabled, name))
                    names.push_back(name);
            if (names.empty())
                continue;
            text += "offload_run " + result + " " +
                    shell_words(host, {group.binary, percent_encode(format_id(group.binary, "")),
                                       join(names, "\n")}) +
                    extra_words(*instance) + "\n";
        }
        append_text(command, text + "exit $offload_status\n");
        return OFFLOAD_OK;
    });
}

offload_status parse_results(const offload_framework_instance *instance, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::vector<Group> groups = group_by_binary(*instance, run->test_ids, run->test_count);
        for (const Group &group : groups)
            report_disabled_cases(group.cases,
                                  "add --gtest_also_run_disabled_tests to [discovery] extra_args to run it",
                                  results);
        // No result file: the batch was killed before it began (a timeout); offload runs its cases
        // again, or charges them.
        if (!run->result_file)
            return OFFLOAD_OK;
        std::string text;
        {
            std::FILE *file = std::fopen(run->result_file, "rb");
            if (!file)
                return OFFLOAD_OK;
            char buffer[65536];
            size_t n;
            while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
                text.append(buffer, n);
            std::fclose(file);
        }
        const Frames read = read_frames(text);
        if (!read.error.empty())
            log(instance->host, OFFLOAD_LOG_WARNING,
                "the result file " + std::string(run->result_file) + " ends early (" + read.error +
                    "): the cases it does not report run again");
        for (const GtestRun &binary : read_gtest_runs(read.frames))
            for (const Group &group : groups)
                if (group.binary == binary.binary)
                    report_gtest_cases(instance->host, binary, group.cases, results);
        return OFFLOAD_OK;
    });
}

uint32_t capabilities(const offload_framework_instance *)
{
    // Records only when a process dies: the case it was running ends failed.
    return OFFLOAD_LIVE_EVENTS;
}

const offload_framework_v1 framework_interface = {
    .struct_size = sizeof(offload_framework_v1),
    .create = create,
    .destroy = destroy,
    .config_template = config_template,
    .max_batch_size = max_batch_size,
    .discover_command = discover_command,
    .parse_discovery = parse_discovery,
    .batch_command = batch_command,
    .parse_results = parse_results,
};

const offload_framework_filters_v1 filters_interface = {
    .struct_size = sizeof(offload_framework_filters_v1),
    .discover_command = filtered_discover_command,
};

const offload_framework_live_v1 live_interface = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = capabilities,
    .worker_command = nullptr,
};

// The binaries are the list: their bytes name the cases. With a build_command, discovery builds,
// so it runs every time.
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (!instance->build_command.empty())
            return OFFLOAD_NOT_FOUND;
        for (const std::string &glob : instance->binaries) {
            const offload_discovery_input input{sizeof(offload_discovery_input), OFFLOAD_INPUT_GLOB,
                                                glob.c_str()};
            sink->add(sink->context, &input);
        }
        return OFFLOAD_OK;
    });
}

const offload_framework_discovery_inputs_v1 discovery_inputs_interface = {
    .struct_size = sizeof(offload_framework_discovery_inputs_v1),
    .inputs = discovery_inputs,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "gtest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "GoogleTest binaries: every case with its own result, many cases per process",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface,
               filters_interface)
