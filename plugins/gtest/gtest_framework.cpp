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
#include "common/text.hpp"
#include "frames.hpp"
#include "gtest_common_script.hpp"
#include "gtest_ids.hpp"
#include "gtest_run_script.hpp"
#include "temp_file.hpp"

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

// A shell program without its comment lines and blank lines, as commands carry it: offload shows a
// discovery command when it runs it.
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

// One process of a batch, as the shell half reported it.
struct Process {
    std::string exit_code;
    std::string_view output;
    std::optional<std::string_view> xml; // GoogleTest's report, when the process wrote one
};

// What the shell half wrote about one binary, in discovery or in a batch.
struct BinaryRun {
    std::string binary;
    bool missing = false;
    std::string exit_code;   // discovery: of the listing
    std::string_view output; // discovery: of the listing
    std::optional<std::string_view> listing;
    std::vector<Process> processes; // a batch
    std::set<std::string> crashed;  // a batch: cases charged with a crash by records
    bool done = false;              // a batch: every case has a result, or none can be had
};

std::vector<BinaryRun> read_runs(const std::vector<Frame> &frames)
{
    std::vector<BinaryRun> runs;
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
        for (const BinaryRun &binary : read_runs(read.frames)) {
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
            const TempFile listing(*binary.listing);
            struct Context {
                const std::string *binary;
                const offload_test_sink *tests;
                size_t *longest;
            } context{&binary.binary, tests, &longest};
            offload_junit_sink sink{
                sizeof(offload_junit_sink), &context, [](void *raw, const offload_junit_case *c) {
                    auto &ctx = *static_cast<Context *>(raw);
                    const std::string name =
                        std::string(*c->classname ? c->classname : c->suite) + "." + c->name;
                    const std::string id = format_id(*ctx.binary, name);
                    *ctx.longest = std::max(*ctx.longest, name.size());
                    offload_discovered_test test{sizeof test, id.c_str(), *c->file ? c->file : nullptr};
                    ctx.tests->add(ctx.tests->context, &test);
                }};
            std::string reason;
            StringSink reason_sink(reason);
            if (instance->host->read_junit(instance->host, listing.path().c_str(), &sink, reason_sink) !=
                OFFLOAD_OK) {
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
    std::vector<std::string> names; // every case of the batch in this binary
    std::vector<size_t> indexes;    // their positions in the batch
};

std::vector<Group> group_by_binary(const char *const *ids, size_t count)
{
    std::vector<Group> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < count; ++i) {
        const std::optional<CaseId> id = parse_id(ids[i]);
        if (!id)
            throw std::runtime_error(std::string("not a gtest test id (expected BINARY::Suite.Case): ") +
                                     ids[i]);
        auto [it, added] = index.emplace(id->binary, groups.size());
        if (added)
            groups.push_back({id->binary, {}, {}});
        groups[it->second].names.push_back(id->name);
        groups[it->second].indexes.push_back(i);
    }
    return groups;
}

bool runs(const offload_framework_instance &instance, const std::string &name)
{
    return instance.run_disabled || !is_disabled(name);
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_host *host = instance->host;
        const std::string result = shell_quote(host, batch->result_file);
        std::string text = without_comments(gtest_common_script) + without_comments(gtest_run_script) +
                           "rm -f " + result + "\n: >" + result + "\n";
        for (const Group &group : group_by_binary(batch->test_ids, batch->test_count)) {
            std::vector<std::string> names;
            for (const std::string &name : group.names)
                if (runs(*instance, name))
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

struct CaseResult {
    offload_outcome outcome;
    double secs;
    std::string message, details;
};

void report(const offload_result_sink *results, const char *id, offload_outcome outcome, double secs,
            const std::string &message, const std::string &output)
{
    offload_test_result result{
        sizeof(offload_test_result), id, outcome, secs, message.c_str(), output.c_str()};
    results->report(results->context, &result);
}

void report_run(const offload_framework_instance &instance, const offload_batch_run &run, const Group &group,
                const BinaryRun &binary, const offload_result_sink *results)
{
    if (binary.missing) {
        for (size_t i : group.indexes)
            report(results, run.test_ids[i], OFFLOAD_OUTCOME_ERROR, -1,
                   "the GoogleTest binary " + binary.binary +
                       " does not exist where the batch ran: is it built in the sandbox?",
                   "");
        return;
    }
    // Each case's result from the report that has it, with the output of its process.
    struct Found {
        CaseResult result;
        std::string_view output;
    };
    std::map<std::string, Found> cases;
    std::string unreadable;
    for (const Process &process : binary.processes) {
        if (!process.xml)
            continue;
        struct Context {
            std::map<std::string, Found> *cases;
            std::string_view output;
        } context{&cases, process.output};
        offload_junit_sink sink{
            sizeof(offload_junit_sink), &context, [](void *raw, const offload_junit_case *c) {
                auto &ctx = *static_cast<Context *>(raw);
                const std::string name = std::string(*c->classname ? c->classname : c->suite) + "." + c->name;
                (*ctx.cases)[name] = {{c->outcome, c->time_secs, c->message, c->details}, ctx.output};
            }};
        const TempFile xml(*process.xml);
        std::string reason;
        StringSink reason_sink(reason);
        if (instance.host->read_junit(instance.host, xml.path().c_str(), &sink, reason_sink) != OFFLOAD_OK)
            unreadable = reason;
    }
    for (size_t k = 0; k < group.names.size(); ++k) {
        const std::string &name = group.names[k];
        const char *id = run.test_ids[group.indexes[k]];
        if (!runs(instance, name) || binary.crashed.count(name))
            continue;
        auto found = cases.find(name);
        if (found != cases.end()) {
            const CaseResult &c = found->second.result;
            std::string output = c.details;
            if (c.outcome != OFFLOAD_OUTCOME_PASSED && c.outcome != OFFLOAD_OUTCOME_SKIPPED) {
                const std::string printed = output_of(found->second.output, name);
                if (!printed.empty())
                    output += (output.empty() ? "" : "\n\n") + std::string("output:\n") + printed;
            }
            report(results, id, c.outcome, c.secs, summary(c.message), output);
        } else if (!unreadable.empty()) {
            report(results, id, OFFLOAD_OUTCOME_ERROR, -1,
                   "GoogleTest's XML report is unreadable: " + unreadable,
                   last_lines(binary.processes.back().output, 30));
        } else if (binary.done && !binary.processes.empty() && binary.processes.back().xml) {
            // The binary's last process got to its end: GoogleTest ran the case or never knew it.
            report(results, id, OFFLOAD_OUTCOME_ERROR, -1,
                   "GoogleTest's report of " + binary.binary + " (exit code " +
                       binary.processes.back().exit_code +
                       ") has no result for it: was the binary rebuilt without it? `offload collect` lists "
                       "the cases again",
                   last_lines(binary.processes.back().output, 30));
        }
        // Otherwise no result can be trusted here: offload runs the case again.
    }
}

offload_status parse_results(const offload_framework_instance *instance, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::vector<Group> groups = group_by_binary(run->test_ids, run->test_count);
        for (const Group &group : groups)
            for (size_t k = 0; k < group.names.size(); ++k)
                if (!runs(*instance, group.names[k]))
                    report(results, run->test_ids[group.indexes[k]], OFFLOAD_OUTCOME_SKIPPED, 0,
                           "disabled (DISABLED_ prefix): add --gtest_also_run_disabled_tests to [discovery] "
                           "extra_args to run it",
                           "");
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
        for (const BinaryRun &binary : read_runs(read.frames))
            for (const Group &group : groups)
                if (group.binary == binary.binary)
                    report_run(*instance, *run, group, binary, results);
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
