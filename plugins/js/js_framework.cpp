// The vitest and jest frameworks: JavaScript tests through `vitest run` and `jest`. One source,
// built twice (plugins/meson.build defines OFFLOAD_JS_JEST for jest); the two tools share the JSON
// report's format and the way a test is selected (-t, a regular expression over the test's full
// name: its describe blocks and title joined with spaces).
//
// Discovery runs the tool with a -t pattern that matches nothing: every file is loaded and every
// test reported skipped in the JSON report, it.skip and test.todo included, and nothing runs. Ids
// are described in js_report.hpp. A batch runs the tool once on the batch's files with a -t
// pattern of their exact full names; results come from its JSON report, where a file that failed
// to load fails each of its tests with the tool's message.
//
// vitest turns process.exit() inside a test into that test's failure by itself. jest does not:
// the process ends, and no report is written. So jest batches also load jest_records_reporter.js
// (embedded in the plugin), which reports each test's start and end with the records of
// docs/test-protocol.md as they happen: the tests that ended keep their results, the one that
// was running fails as crashed, and those never reached run again elsewhere.
#include "common/command.hpp"
#include "common/discovery_inputs.hpp"
#include "common/text.hpp"
#include "js_report.hpp"
#ifdef OFFLOAD_JS_JEST
#include "jest_reporter_program.hpp"
#endif

#include <offload/plugin.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace offload::sdk;
using namespace offload::js;
using namespace offload::common;

namespace {

struct Tool {
    const char *name;
    const char *default_command;
    bool records; // batches report each test with records (the jest reporter)
    // Options offload sets itself.
    std::vector<std::string_view> forbidden;
};

#ifdef OFFLOAD_JS_JEST
const Tool tool{"jest",
                "npx jest",
                true,
                {"--json", "--outputFile", "-t", "--testNamePattern", "--reporters", "--watch", "--watchAll",
                 "--listTests", "--runTestsByPath", "--bail", "-b"}};
#else
const Tool tool{
    "vitest",
    "npx vitest",
    false,
    {"--reporter", "--outputFile", "-t", "--testNamePattern", "--watch", "-w", "--bail", "run", "list"}};
#endif

// Cuts batches so that one -t pattern stays well under Linux's 128 KiB for one argument.
constexpr size_t max_tests_per_batch = 200;

// A -t pattern no test name can match: `^` after a character never matches without the m flag.
constexpr const char *match_nothing = "offload-collect-only^";

} // namespace

struct offload_framework_instance {
    const offload_host *host;
    std::string command;                 // shell words, as the user wrote them
    std::vector<std::string> extra_args; // more options for every call
};

namespace {

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        instance->command = settings.string("command").value_or(tool.default_command);
        if (trim(instance->command).empty())
            settings.fail("command", std::string("must name the ") + tool.name + " command, e.g. \"" +
                                         tool.default_command + "\"");
        instance->extra_args = settings.string_list("extra_args").value_or(std::vector<std::string>{});
        for (const std::string &arg : instance->extra_args)
            for (std::string_view forbidden : tool.forbidden) {
                std::string_view option = std::string_view(arg).substr(0, arg.find('='));
                if (option == forbidden ||
                    (option.size() > forbidden.size() && forbidden.size() > 2 &&
                     option.substr(0, forbidden.size() + 1) == std::string(forbidden) + "."))
                    settings.fail("extra_args",
                                  "\"" + arg +
                                      "\" cannot be used here: offload selects the tests and "
                                      "reads the JSON report itself (use --filter, --fail-fast)");
            }
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
    append_text(toml, std::string("# Runs ") + tool.name +
                          " in the project directory (run `npm install` first). Test ids are the file,\n"
                          "# the describe blocks and the test's title:\n"
                          "#   test/stack.test.js > Stack > pushes and pops\n"
                          "# The " +
                          tool.name + " command, as shell words:\n# command = \"" + tool.default_command +
                          "\"\n"
                          "# More options for every call (a config file, a project):\n"
                          "# extra_args = [\"--config\", \"" +
                          tool.name + ".config.js\"]\n");
}

size_t max_batch_size(const offload_framework_instance *)
{
    return max_tests_per_batch;
}

// The tool's arguments that write a JSON report to the file whose shell text is `file`.
std::string report_args(const std::string &file)
{
    if (tool.records)
        return " --ci --json --outputFile=" + file;
    return " --reporter=default --reporter=json --outputFile.json=" + file;
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_host *host = instance->host;
        std::string text = "printf 'offload-cwd %s\\n' \"$PWD\"\n"
                           "offload_list=$(mktemp \"${TMPDIR:-/tmp}/offload-list.XXXXXX\") || exit 1\n";
        text += instance->command + (tool.records ? "" : " run") + report_args("\"$offload_list\"") +
                " --passWithNoTests -t " + shell_quote(host, match_nothing) +
                shell_args(host, instance->extra_args) + " >&2\n";
        text += "offload_code=$?\ncat \"$offload_list\"\nrm -f \"$offload_list\"\nexit $offload_code\n";
        append_text(command, text);
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string_view out(output->stdout_text, output->stdout_length);
        std::string root;
        if (out.substr(0, 12) == "offload-cwd ") {
            const size_t end = out.find('\n');
            root = std::string(out.substr(12, end - 12));
            out.remove_prefix(end == std::string_view::npos ? out.size() : end + 1);
        }
        Report report = read_report(out, root);
        std::string problems;
        for (const FileResult &file : report.files)
            if (file.failed_to_run)
                problems += "\n" + file.path + ":\n" + last_lines(file.message, 30);
        if (output->exit_code != 0 || !report.valid || !problems.empty()) {
            std::string why = output->exit_code == 127
                                  ? " (is it installed? run `npm install`; see [discovery] command)"
                              : !report.valid ? " and wrote no JSON report (is it " + std::string(tool.name) +
                                                    "? see [discovery] command)"
                                              : "";
            offload_text_printf(error, "`%s` ended with exit code %d while listing the tests%s:%s\n%s",
                                instance->command.c_str(), output->exit_code, why.c_str(), problems.c_str(),
                                last_lines({output->stderr_text, output->stderr_length}, 30).c_str());
            return OFFLOAD_ERROR;
        }
        std::set<std::string> seen; // a name twice in one file is one id: both run, the worse wins
        for (const FileResult &file : report.files)
            for (const CaseResult &found : file.cases)
                if (seen.insert(found.id).second) {
                    std::string path = found.id.substr(0, found.id.find(id_separator));
                    offload_discovered_test test{sizeof(offload_discovered_test), found.id.c_str(),
                                                 path.c_str()};
                    tests->add(tests->context, &test);
                }
        return OFFLOAD_OK;
    });
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const offload_host *host = instance->host;
        std::vector<std::string> files;
        std::set<std::string> names;
        for (size_t i = 0; i < batch->test_count; ++i) {
            TestId id;
            if (!parse_id(batch->test_ids[i], id)) {
                offload_text_printf(error,
                                    "not a %s test id (expected FILE > NAME, e.g. test/a.test.js > adds): %s",
                                    tool.name, batch->test_ids[i]);
                return OFFLOAD_ERROR;
            }
            if (std::find(files.begin(), files.end(), id.file) == files.end())
                files.push_back(id.file);
            names.insert(quote_regexp(join(id.titles, " ")));
        }
        std::string pattern = "^(";
        for (const std::string &name : names)
            pattern += (pattern.size() > 2 ? "|" : "") + name;
        pattern += ")$";
        const std::string result = batch->result_file ? batch->result_file : "";
        std::string text;
        std::string args = result.empty() ? "" : report_args(shell_quote(host, result));
        args += shell_args(host, instance->extra_args) + " -t " + shell_quote(host, pattern);
        if (tool.records) {
#ifdef OFFLOAD_JS_JEST
            text += "offload_dir=$(mktemp -d \"${TMPDIR:-/tmp}/offload-jest.XXXXXX\") || exit 1\n"
                    "printf '%s' " +
                    shell_quote(host, std::string(jest_reporter_program)) +
                    " > \"$offload_dir/reporter.js\"\n";
            text += instance->command + " --reporters=default --reporters=\"$offload_dir/reporter.js\"" +
                    args + " --runTestsByPath" + shell_args(host, files) + "\n";
            text += "offload_code=$?\nrm -rf \"$offload_dir\"\nexit $offload_code\n";
#endif
        } else {
            text = instance->command + " run" + args + shell_args(host, files) + "\n";
        }
        append_text(command, text);
        return OFFLOAD_OK;
    });
}

offload_status parse_results(const offload_framework_instance *, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        // No report (the tool died, or never started): nothing is known; offload says so.
        if (!run->result_file || !*run->result_file)
            return OFFLOAD_OK;
        std::ifstream in(run->result_file, std::ios::binary);
        if (!in)
            return OFFLOAD_OK;
        std::stringstream text;
        text << in.rdbuf();
        Report report = read_report(text.str(), "");
        if (!report.valid)
            return OFFLOAD_OK;
        std::vector<std::string> files;
        std::map<std::string, std::string> batch; // id -> its file
        for (size_t i = 0; i < run->test_count; ++i) {
            TestId id;
            if (parse_id(run->test_ids[i], id)) {
                batch[run->test_ids[i]] = id.file;
                files.push_back(id.file);
            }
        }
        std::map<std::string, CaseResult> worst; // a name twice: the worse result
        auto keep = [&](CaseResult result) {
            auto [it, added] = worst.emplace(result.id, result);
            if (!added &&
                (result.outcome == OFFLOAD_OUTCOME_ERROR ||
                 (result.outcome == OFFLOAD_OUTCOME_FAILED && it->second.outcome != OFFLOAD_OUTCOME_ERROR) ||
                 (result.outcome == OFFLOAD_OUTCOME_PASSED && it->second.outcome == OFFLOAD_OUTCOME_SKIPPED)))
                it->second = std::move(result);
        };
        for (const FileResult &file : report.files) {
            const std::string relative = match_file(file.path, files);
            if (relative.empty())
                continue;
            for (CaseResult found : file.cases) {
                found.id = relative + found.id.substr(file.path.size());
                if (batch.count(found.id))
                    keep(std::move(found));
            }
            if (file.failed_to_run)
                for (const auto &[id, in_file] : batch)
                    if (in_file == relative && !worst.count(id))
                        keep(
                            {id, OFFLOAD_OUTCOME_ERROR, -1.0,
                             "the test file failed to run: " + std::string(trim(last_lines(file.message, 1))),
                             file.message});
        }
        for (const auto &[id, found] : worst) {
            offload_test_result result{sizeof(offload_test_result),
                                       id.c_str(),
                                       found.outcome,
                                       found.duration_secs,
                                       found.message.empty() ? nullptr : found.message.c_str(),
                                       found.output.empty() ? nullptr : found.output.c_str()};
            results->report(results->context, &result);
        }
        return OFFLOAD_OK;
    });
}

uint32_t capabilities(const offload_framework_instance *)
{
    return tool.records ? OFFLOAD_LIVE_EVENTS : 0;
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

const offload_framework_live_v1 live_interface = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = capabilities,
    .worker_command = nullptr,
};

// What the list depends on: the project's sources (test files and what they import), its package
// manifest and lock files, the tool's configuration, and the tool itself with node.
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const DiscoveryInputs inputs(sink);
        for (const char *glob :
             {"**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx",
              "**/*.vue", "**/*.svelte", "**/package.json", "package-lock.json", "yarn.lock",
              "pnpm-lock.yaml", "**/*.json5", "tsconfig*.json"})
            inputs.glob(glob);
        for (const char *skipped : {"node_modules", "dist", "coverage", "build"})
            inputs.skip_directory(skipped);
        inputs.command(instance->command + " --version && node --version");
        return OFFLOAD_OK;
    });
}

const offload_framework_discovery_inputs_v1 discovery_inputs_interface = {
    .struct_size = sizeof(offload_framework_discovery_inputs_v1),
    .inputs = discovery_inputs,
};

#ifdef OFFLOAD_JS_JEST
constexpr offload::sdk::PluginInfo plugin_info{
    .id = "jest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "JavaScript tests through jest: each test case with its own result, crashes isolated",
};
#else
constexpr offload::sdk::PluginInfo plugin_info{
    .id = "vitest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "JavaScript and TypeScript tests through vitest run: each test case with its own result",
};
#endif

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface)
