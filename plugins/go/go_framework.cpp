// The go framework: the tests of a Go module, through `go test`.
//
// Discovery is `go test -list . -json PACKAGES` (it builds every test binary, so the batches that
// follow find them in go's build cache); ids are PACKAGE::NAME (see go_events.hpp). A batch runs one
// `go test -json -run '^(A|B)$' PACKAGE` per package among its tests, one after the other in one
// shell command. Each one's events go through test2json_records.awk (embedded in the plugin), which
// reports every top-level test's start and end with the records of docs/test-protocol.md as it
// happens: a panic ends a test binary, and the tests of the package it had not reached yet then run
// again elsewhere instead of going unreported. The records are the results: the reader is the one
// place that decides which events to believe (see the awk program), so parse_results() adds nothing.
#include "common/command.hpp"
#include "common/discovery_inputs.hpp"
#include "common/text.hpp"
#include "go_events.hpp"
#include "go_records_program.hpp"

#include <offload/plugin.hpp>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace offload::sdk;
using namespace offload::go;
using namespace offload::common;

struct offload_framework_instance {
    const offload_host *host;
    std::string go;                      // shell words, as the user wrote them
    std::vector<std::string> packages;   // go test's package patterns
    std::vector<std::string> extra_args; // more go test flags for every call
    std::vector<std::pair<std::string, std::string>> env;
};

namespace {

// Flags offload sets itself or that would break reading the events, with what to do instead.
struct Forbidden {
    std::string_view flag;
    std::string_view instead;
};
constexpr Forbidden forbidden_flags[] = {
    {"json", "offload reads the events of -json itself"},
    {"run", "offload selects the tests; use --filter"},
    {"list", "offload lists the tests itself"},
    {"skip", "offload selects the tests; use --filter"},
    {"count", "offload runs each test once (-count=1) and retries with retry_count"},
    {"c", "offload runs the tests; -c only builds them"},
    {"o", "offload runs the tests; -o only builds them"},
    {"bench", "offload runs tests, examples and fuzz seeds; run benchmarks with go test itself"},
};

// The -run arguments of one `go test` call are kept under this many bytes: Linux caps one
// argument at 128 KiB, and a batch of a large package is cut into several calls instead.
constexpr size_t max_run_pattern = 32 * 1024;

// `env 'NAME=value' ... GO`: the prefix of every go command.
std::string go_command(const offload_framework_instance &instance)
{
    if (instance.env.empty())
        return instance.go;
    std::vector<std::string> assignments;
    for (const auto &[name, value] : instance.env)
        assignments.push_back(name + "=" + value);
    return "env " + shell_words(instance.host, assignments) + " " + instance.go;
}

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->go = settings.string("go").value_or("go");
        if (trim(instance->go).empty())
            settings.fail("go", "must name the go command, e.g. \"go\" or \"/usr/lib/go-1.21/bin/go\"");
        instance->packages = settings.string_list("packages").value_or(std::vector<std::string>{"./..."});
        if (instance->packages.empty())
            settings.fail("packages", "must name at least one package pattern, e.g. [\"./...\"]");
        for (const std::string &package : instance->packages)
            if (package.empty() || package.front() == '-')
                settings.fail("packages", "\"" + package + "\" is not a package pattern (e.g. \"./...\")");
        instance->extra_args = settings.string_list("extra_args").value_or(std::vector<std::string>{});
        for (const std::string &arg : instance->extra_args) {
            // go's flags take one or two dashes, a value after '=', and the test binary's a "test."
            // prefix.
            if (arg.empty() || arg.front() != '-')
                continue;
            std::string_view flag = arg;
            flag.remove_prefix(flag.substr(0, 2) == "--" ? 2 : 1);
            flag = flag.substr(0, flag.find('='));
            if (flag.substr(0, 5) == "test.")
                flag.remove_prefix(5);
            for (const Forbidden &forbidden : forbidden_flags)
                if (flag == forbidden.flag)
                    settings.fail("extra_args",
                                  "\"" + arg + "\" cannot be used here: " + std::string(forbidden.instead));
        }
        instance->env =
            settings.string_table("env").value_or(std::vector<std::pair<std::string, std::string>>{});
        for (const auto &[name, value] : instance->env)
            if (name.empty() || name.find('=') != std::string::npos)
                settings.fail("env", "variable names must be non-empty and must not contain '='");
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
    append_text(toml,
                "# Runs `go test` in the module's directory. Test ids are a package's import path and a\n"
                "# top-level test, example or fuzz target:\n"
                "#   example.com/shapes/parse::TestRect   example.com/shapes/geometry::ExampleRect_Area\n"
                "# Subtests (t.Run) are part of their test: their results are in its output.\n"
                "# The go command, as shell words:\n"
                "# go = \"go\"\n"
                "# Package patterns to test:\n"
                "# packages = [\"./...\"]\n"
                "# More go test flags for every call (build flags, -race, -timeout, -short):\n"
                "# extra_args = [\"-race\", \"-tags=integration\"]\n"
                "# Environment of every go command (discovery too):\n"
                "# env = { CGO_ENABLED = \"0\" }\n");
}

size_t max_batch_size(const offload_framework_instance *)
{
    return 0;
}

// go test -list of the top-level tests `pattern` (a regular expression, as -run takes it) matches.
std::string listing_command(const offload_framework_instance &instance, const std::string &pattern)
{
    std::vector<std::string> args = {"test", "-list", pattern, "-json"};
    args.insert(args.end(), instance.extra_args.begin(), instance.extra_args.end());
    args.insert(args.end(), instance.packages.begin(), instance.packages.end());
    return go_command(instance) + shell_args(instance.host, args);
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        append_text(command, listing_command(*instance, "."));
        return OFFLOAD_OK;
    });
}

// A group's filters: the regular expression of `go test -run` (top-level names: a subtest is part
// of its test), which the listing takes as its own.
offload_status filtered_discover_command(const offload_framework_instance *instance, const char *filters,
                                         const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        try {
            append_text(command,
                        listing_command(*instance, single_pattern_filter(filters, "-run", "^TestNet")));
        } catch (const std::invalid_argument &e) {
            append_text(error, e.what());
            return OFFLOAD_ERROR;
        }
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        Listing listing = read_listing({output->stdout_text, output->stdout_length});
        if (output->exit_code != 0 || listing.events == 0) {
            // The go command's own message (a build error, an unknown flag), without the events.
            LastLines tail(40);
            for (const std::string &line : listing.other_lines)
                tail.add(line);
            for_each_line({output->stderr_text, output->stderr_length},
                          [&](std::string_view line) { tail.add(line); });
            std::string why = output->exit_code == 127 ? " (is go installed? see [discovery] go)"
                              : output->exit_code == 0
                                  ? " but printed no test2json events: is it the go command, and do "
                                    "the packages exist? (see [discovery] go and packages)"
                                  : "";
            offload_text_printf(
                error, "`%s test -list . -json` ended with exit code %d while listing the tests%s:\n%s",
                instance->go.c_str(), output->exit_code, why.c_str(), tail.text().c_str());
            return OFFLOAD_ERROR;
        }
        for (const TestId &test : listing.tests) {
            std::string id = format_id(test.package, test.name);
            offload_discovered_test found{sizeof(offload_discovered_test), id.c_str(), nullptr};
            tests->add(tests->context, &found);
        }
        return OFFLOAD_OK;
    });
}

// The batch's tests by package, in the order they come.
std::vector<std::pair<std::string, std::vector<std::string>>> by_package(const char *const *ids, size_t count,
                                                                         std::string &malformed)
{
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < count; ++i) {
        TestId id;
        if (!parse_id(ids[i], id)) {
            malformed = ids[i];
            return {};
        }
        auto [it, added] = index.emplace(id.package, groups.size());
        if (added)
            groups.push_back({id.package, {}});
        groups[it->second].second.push_back(id.name);
    }
    return groups;
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string malformed;
        auto groups = by_package(batch->test_ids, batch->test_count, malformed);
        if (!malformed.empty()) {
            offload_text_printf(
                error, "not a go test id (expected PACKAGE::NAME, e.g. example.com/m/pkg::TestAdd): %s",
                malformed.c_str());
            return OFFLOAD_ERROR;
        }
        const offload_host *host = instance->host;
        // Only the reader gets the mark: no test, nor anything it starts, may see it. fd 4 is the
        // batch's output; fd 3 carries each go test's exit code out of the pipeline.
        std::string text = "offload_mark=$OFFLOAD_EVENT_MARK\nunset OFFLOAD_EVENT_MARK\n"
                           "offload_status=0\nexec 4>&1\n";
        text += "offload_reader=" + shell_quote(host, std::string(go_records_program)) + "\n";
        const std::string reader = "LC_ALL=C awk -v mark=\"$offload_mark\" \"$offload_reader\" >&4 3>&-";
        for (const auto &[package, names] : groups) {
            for (size_t first = 0; first < names.size();) {
                std::string pattern;
                size_t last = first;
                while (last < names.size() &&
                       (last == first || pattern.size() + names[last].size() * 2 < max_run_pattern)) {
                    if (last > first)
                        pattern += '|';
                    pattern += quote_regexp(names[last++]);
                }
                std::vector<std::string> args = {"test", "-json", "-count=1"};
                args.insert(args.end(), instance->extra_args.begin(), instance->extra_args.end());
                args.insert(args.end(), {"-run", "^(" + pattern + ")$", package});
                text += "offload_code=$( { { " + go_command(*instance) + shell_args(host, args) +
                        " 2>&1 3>&- 4>&-; echo $? >&3; } | " + reader + "; } 3>&1 )\n";
                text += "[ \"$offload_code\" = 0 ] || offload_status=${offload_code:-1}\n";
                first = last;
            }
        }
        append_text(command, text + "exit $offload_status\n");
        return OFFLOAD_OK;
    });
}

// Everything is in the records the reader wrote while the batch ran.
offload_status parse_results(const offload_framework_instance *, const offload_batch_run *,
                             const offload_result_sink *, const offload_text_sink *)
{
    return OFFLOAD_OK;
}

uint32_t capabilities(const offload_framework_instance *)
{
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

// What the list depends on: the Go sources (tests and the build constraints that pick files), the
// module and workspace files here and above, and the toolchain with its environment.
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const DiscoveryInputs inputs(sink);
        for (const char *glob : {"**/*.go", "**/go.mod", "**/go.sum", "go.work", "go.work.sum"})
            inputs.glob(glob);
        inputs.files_above({"go.mod", "go.work"}, 12);
        for (const char *skipped : {"testdata", "vendor", "node_modules"})
            inputs.skip_directory(skipped);
        inputs.command(go_command(*instance) + " version && " + go_command(*instance) +
                       " env GOFLAGS GOOS GOARCH CGO_ENABLED GOEXPERIMENT");
        return OFFLOAD_OK;
    });
}

const offload_framework_discovery_inputs_v1 discovery_inputs_interface = {
    .struct_size = sizeof(offload_framework_discovery_inputs_v1),
    .inputs = discovery_inputs,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "go",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description =
        "Go tests through go test -json: each top-level test, example and fuzz target with its own result",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface,
               filters_interface)
