// The generic framework: any test tool, described by commands in offload.toml.
//   discover_command  prints one test id per line; {filters} (optional) becomes a group's filters,
//                     each word quoted for sh ([groups.NAME] filters), and nothing without
//   run_command       runs a batch; {tests} becomes the batch's ids, each quoted for sh, and
//                     {result_file} (optional) a path where the command writes JUnit XML
//   events = true     run_command reports each test with test-protocol records
//   worker_command    a worker: reads `run id=...` lines on stdin, reports with records
//   worker_lists = true  the worker, started with OFFLOAD_WORKER_LIST=1, first lists the tests as
//                     discover_command prints them: a first run then runs no discovery of its own
//   discovery_inputs  globs of the files the list depends on, and/or
//   fingerprint_command  a cheap command whose output changes when the list may: with either,
//                     an unchanged project is not discovered again (the discovery cache)
// With records, results come from them (and from a result file too, the worse winning); with a
// result file alone, JUnit <testcase>s are matched to the ids; without either, the exit code
// decides, and a batch holds one test unless batch_size says otherwise.
#include "common/command.hpp"
#include "common/discovery_inputs.hpp"
#include "common/text.hpp"

#include <offload/plugin.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

using namespace offload::sdk;
using namespace offload::common;

struct offload_framework_instance {
    const offload_host *host;
    std::string discover_command;
    std::string run_command;       // empty when there is only a worker_command
    std::string worker_command;    // empty: no worker
    bool events = false;           // run_command reports each test with test-protocol records
    bool worker_lists = false;     // the worker lists the tests first when asked to (OFFLOAD_LIVE_LISTS)
    std::string result_file;       // where the command writes JUnit itself; empty: at {result_file}
    bool uses_result_file = false; // the command writes JUnit (at {result_file} or result_file)
    size_t batch_size = 0;         // 0: no limit
    int skip_exit_code = -1;       // exit code meaning "skipped" (77 for automake and meson); -1: none
    std::vector<std::string> discovery_inputs; // globs; with fingerprint_command, the cache's inputs
    std::string fingerprint_command;
    // The longest id of the last discovery, quoted for sh: learned by parse_discovery (main thread,
    // before any batch), read by max_batch_size from any thread.
    mutable std::atomic<size_t> longest_quoted_id{0};
};

namespace {

constexpr std::string_view tests_placeholder = "{tests}";
constexpr std::string_view result_placeholder = "{result_file}";
constexpr std::string_view filters_placeholder = "{filters}";

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        auto discover = settings.string("discover_command");
        auto run = settings.string("run_command");
        instance->worker_command = settings.string("worker_command").value_or("");
        instance->events = settings.boolean("events").value_or(false);
        instance->worker_lists = settings.boolean("worker_lists").value_or(false);
        if (instance->worker_lists && instance->worker_command.empty())
            settings.fail("worker_lists",
                          "needs a worker_command: it is the worker that lists the tests (see `list` in "
                          "docs/test-protocol.md)");
        if (!discover || discover->empty())
            settings.fail("discover_command", "is required: a command that prints one test id per line");
        if (settings.has("worker_command") && instance->worker_command.empty())
            settings.fail("worker_command",
                          "must not be empty: a command that reads `run id=...` lines on stdin "
                          "(see docs/test-protocol.md)");
        if ((!run || run->empty()) && instance->worker_command.empty())
            settings.fail("run_command",
                          "is required: a command that runs the tests named by {tests} (or give a "
                          "worker_command that reads them on stdin)");
        if (run && !run->empty() && run->find(tests_placeholder) == std::string::npos)
            settings.fail("run_command", "must contain {tests}, where offload puts the batch's test ids");
        instance->discover_command = *discover;
        instance->run_command = run.value_or("");
        instance->result_file = settings.string("result_file").value_or("");
        // Both would send every batch's results to the one fixed path, where parallel batches
        // overwrite each other's: {result_file} alone gives each batch a file of its own.
        if (!instance->result_file.empty() &&
            instance->run_command.find(result_placeholder) != std::string::npos)
            settings.fail(
                "result_file",
                "cannot be combined with {result_file} in run_command: with {result_file} the tool writes "
                "where offload says, a file for each batch; remove result_file");
        instance->uses_result_file = !instance->result_file.empty() ||
                                     instance->run_command.find(result_placeholder) != std::string::npos;
        if (auto size = settings.integer("batch_size")) {
            if (*size < 1)
                settings.fail("batch_size", "must be at least 1");
            instance->batch_size = size_t(*size);
        } else if (!instance->uses_result_file && !instance->events) {
            // The exit code of a batch can only speak for one test.
            instance->batch_size = 1;
        }
        if (auto inputs = settings.string_list("discovery_inputs")) {
            for (size_t i = 0; i < inputs->size(); ++i)
                if ((*inputs)[i].empty())
                    settings.fail("discovery_inputs[" + std::to_string(i) + "]",
                                  "must not be empty: a glob such as \"tests/**/*.sh\"");
            instance->discovery_inputs = std::move(*inputs);
        }
        instance->fingerprint_command = settings.string("fingerprint_command").value_or("");
        if (settings.has("fingerprint_command") && instance->fingerprint_command.empty())
            settings.fail(
                "fingerprint_command",
                "must not be empty: a cheap command whose output changes when the list of tests may, "
                "e.g. \"git ls-files -s tests\"");
        if (auto code = settings.integer("skip_exit_code")) {
            if (*code < 1 || *code > 255)
                settings.fail("skip_exit_code", "must be an exit code from 1 to 255");
            instance->skip_exit_code = int(*code);
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
    append_text(
        toml, "# Prints one test id per line; runs in the project directory.\n"
              "discover_command = \"find tests -name 'test_*.sh' | sort\"\n"
              "# Runs one batch. {tests} becomes the batch's test ids, each quoted for sh (ids never run as\n"
              "# shell code). Add {result_file} where the command should write JUnit XML: then a batch may\n"
              "# hold many tests and each gets its own result. Without it the exit code decides, and a\n"
              "# batch holds one test.\n"
              "run_command = \"sh {tests}\"\n"
              "# If the tool writes JUnit to a fixed path of its own (relative to where it runs):\n"
              "# result_file = \"reports/junit.xml\"\n"
              "# The most tests in one batch (default: no limit with a result file, else 1).\n"
              "# batch_size = 50\n"
              "# Without a result file: the exit code that means \"skipped\" (automake and meson use 77).\n"
              "# skip_exit_code = 77\n"
              "# The command reports each test as it starts and ends (docs/test-protocol.md): offload then\n"
              "# enforces per-test timeouts and keeps the results of a batch that crashed.\n"
              "# events = true\n"
              "# Or a worker that reads `run id=...` lines on stdin, one test at a time (same protocol):\n"
              "# worker_command = \"./run-tests-worker\"\n"
              "# The worker, started with OFFLOAD_WORKER_LIST=1, first lists the tests as discover_command\n"
              "# prints them (`list` records): a first run then needs no discovery of its own.\n"
              "# worker_lists = true\n"
              "# What the list of tests depends on, so that an unchanged project is not discovered again:\n"
              "# globs of files (relative to this file) and/or a cheap command whose output changes when\n"
              "# the list may. Without either, discovery runs every time.\n"
              "# discovery_inputs = [\"tests/**/*.sh\"]\n"
              "# fingerprint_command = \"git ls-files -s tests\"\n");
}

// A batch's ids are arguments of one exec of the test tool, and Linux caps arguments plus
// environment at ARG_MAX (2 MiB by default): batches are cut so that their ids fit in this many bytes.
constexpr size_t id_bytes_per_batch = 1024 * 1024;

size_t max_batch_size(const offload_framework_instance *instance)
{
    const size_t longest = instance->longest_quoted_id.load();
    if (longest == 0 || !instance->worker_command.empty())
        return instance->batch_size;
    const size_t fitting = std::max<size_t>(1, id_bytes_per_batch / (longest + 1));
    return instance->batch_size == 0 ? fitting : std::min(instance->batch_size, fitting);
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        append_text(command, replace_all(instance->discover_command, filters_placeholder, ""));
        return OFFLOAD_OK;
    });
}

// A group's filters: its words (split as sh would), each quoted for sh, at {filters}.
offload_status filtered_discover_command(const offload_framework_instance *instance, const char *filters,
                                         const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (instance->discover_command.find(filters_placeholder) == std::string::npos) {
            append_text(error, "discover_command has no {filters}: put {filters} where the group's filters "
                               "go, e.g. discover_command = \"./list-tests {filters}\"");
            return OFFLOAD_ERROR;
        }
        const std::optional<std::vector<std::string>> words = filter_words(filters, error, "words");
        if (!words)
            return OFFLOAD_ERROR;
        append_text(command, replace_all(instance->discover_command, filters_placeholder,
                                         shell_words(instance->host, *words)));
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string_view out(output->stdout_text, output->stdout_length);
        if (output->exit_code != 0) {
            offload_text_printf(error, "the discovery command exited with code %d: %s", output->exit_code,
                                instance->discover_command.c_str());
            std::string err = last_lines({output->stderr_text, output->stderr_length}, 20);
            if (!err.empty())
                offload_text_printf(error, "\n%s", err.c_str());
            return OFFLOAD_ERROR;
        }
        size_t longest = 0;
        for_each_line(out, [&](std::string_view line) {
            if (line.empty())
                return;
            const std::string id(line);
            longest = std::max(longest, shell_quote(instance->host, id).size());
            offload_discovered_test test{sizeof(offload_discovered_test), id.c_str(), nullptr};
            tests->add(tests->context, &test);
        });
        // One discovery per group: the longest id of any of them bounds the batches.
        instance->longest_quoted_id = std::max(longest, instance->longest_quoted_id.load());
        return OFFLOAD_OK;
    });
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (instance->run_command.empty()) {
            append_text(error,
                        "[discovery] has a worker_command and no run_command: its tests run in workers");
            return OFFLOAD_ERROR;
        }
        std::string ids;
        for (size_t i = 0; i < batch->test_count; ++i) {
            if (i > 0)
                ids += ' ';
            ids += shell_quote(instance->host, batch->test_ids[i]);
        }
        const std::string host_result = shell_quote(instance->host, batch->result_file);
        if (instance->result_file.empty()) {
            std::string text = replace_all(instance->run_command, result_placeholder, host_result);
            append_text(command, replace_all(std::move(text), tests_placeholder, ids));
            return OFFLOAD_OK;
        }
        // The tool writes JUnit to its own, fixed path: clear it first so an old file is never read,
        // and hand it over to the host's path afterwards, keeping the command's exit code. Batches
        // that share a directory (the process provider's project directory) would write the same
        // file at once: each holds a lock on the file's directory while it runs (flock(1), where the
        // sandbox has it), so they take turns there.
        const std::string own_result = shell_quote(instance->host, instance->result_file);
        const std::string run = replace_all(instance->run_command, tests_placeholder, ids);
        const std::string script = "rm -f " + own_result + "\n" + run + "\noffload_status=$?\ncp " +
                                   own_result + " " + host_result + " 2>/dev/null\nexit $offload_status";
        const std::string directory = shell_quote(instance->host, [&] {
            const size_t slash = instance->result_file.rfind('/');
            return slash == std::string::npos ? std::string(".") : instance->result_file.substr(0, slash + 1);
        }());
        append_text(command, "mkdir -p " + directory +
                                 " && if command -v flock >/dev/null 2>&1; then exec flock " + directory +
                                 " sh -c " + shell_quote(instance->host, script) + "; fi\n" + script);
        return OFFLOAD_OK;
    });
}

// The ids a JUnit <testcase> may stand for, most specific first.
std::vector<std::string> candidate_ids(const offload_junit_case &c)
{
    std::string classname = c.classname, name = c.name, file = c.file;
    std::vector<std::string> ids = {name};
    if (!classname.empty()) {
        ids.push_back(classname + "." + name);
        ids.push_back(classname + "::" + name);
        ids.push_back(classname + "/" + name);
    }
    if (!file.empty())
        ids.push_back(file + "::" + name);
    // meson names a test "project:suite / name" in its JUnit.
    if (size_t slash = name.rfind(" / "); slash != std::string::npos)
        ids.push_back(name.substr(slash + 3));
    return ids;
}

struct ResultContext {
    const offload_result_sink *results;
    std::unordered_map<std::string, bool> pending; // batch ids -> reported yet
    size_t unmatched = 0;                          // JUnit cases that named no id of the batch
    std::string first_unmatched;
};

void report_case(void *context, const offload_junit_case *c)
{
    auto &ctx = *static_cast<ResultContext *>(context);
    for (const std::string &id : candidate_ids(*c)) {
        auto it = ctx.pending.find(id);
        if (it == ctx.pending.end())
            continue;
        it->second = true;
        offload_test_result result{};
        result.struct_size = sizeof result;
        result.test_id = it->first.c_str();
        result.outcome = c->outcome;
        result.duration_secs = c->time_secs;
        result.message = c->message;
        result.output = c->details;
        ctx.results->report(ctx.results->context, &result);
        return;
    }
    if (ctx.unmatched++ == 0)
        ctx.first_unmatched = std::string(c->classname) + (*c->classname ? " " : "") + c->name;
}

offload_status parse_results(const offload_framework_instance *instance, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::string tail(run->output_tail, run->output_tail_length);
        // With records and no result file, the records are the results: nothing to add here.
        if (instance->events && !instance->uses_result_file)
            return OFFLOAD_OK;
        if (instance->uses_result_file) {
            if (!run->result_file) {
                if (run->timed_out)
                    return OFFLOAD_OK; // the host runs the tests again one by one
                std::string message = "the run command wrote no JUnit result file (exit code " +
                                      std::to_string(run->exit_code) + ")";
                for (size_t i = 0; i < run->test_count; ++i) {
                    offload_test_result result{sizeof(offload_test_result),
                                               run->test_ids[i],
                                               OFFLOAD_OUTCOME_ERROR,
                                               -1,
                                               message.c_str(),
                                               tail.c_str()};
                    results->report(results->context, &result);
                }
                return OFFLOAD_OK;
            }
            ResultContext context{results, {}, 0, {}};
            for (size_t i = 0; i < run->test_count; ++i)
                context.pending.emplace(run->test_ids[i], false);
            offload_junit_sink sink{sizeof(offload_junit_sink), &context, report_case};
            offload_status status =
                instance->host->read_junit(instance->host, run->result_file, &sink, error);
            bool missing = std::any_of(context.pending.begin(), context.pending.end(),
                                       [](const auto &entry) { return !entry.second; });
            // Tests without a result beside results nobody asked for: likely a naming mismatch.
            if (missing && context.unmatched > 0)
                log(instance->host, OFFLOAD_LOG_WARNING,
                    "the result file " + std::string(run->result_file) + " has " +
                        std::to_string(context.unmatched) +
                        " test case(s) that match no test id of the batch (e.g. \"" +
                        context.first_unmatched +
                        "\"); the ids are matched by name, classname.name, classname::name, classname/name "
                        "or "
                        "file::name");
            return status;
        }
        if (run->timed_out)
            return OFFLOAD_OK;
        offload_outcome outcome = run->exit_code == 0                          ? OFFLOAD_OUTCOME_PASSED
                                  : run->exit_code == instance->skip_exit_code ? OFFLOAD_OUTCOME_SKIPPED
                                                                               : OFFLOAD_OUTCOME_FAILED;
        std::string message = outcome == OFFLOAD_OUTCOME_PASSED ? ""
                              : outcome == OFFLOAD_OUTCOME_SKIPPED
                                  ? "skipped (exit code " + std::to_string(run->exit_code) + ")"
                                  : "exit code " + std::to_string(run->exit_code);
        double duration = double(run->duration_ms) / 1000.0 / double(std::max<size_t>(1, run->test_count));
        for (size_t i = 0; i < run->test_count; ++i) {
            offload_test_result result{sizeof(offload_test_result),
                                       run->test_ids[i],
                                       outcome,
                                       duration,
                                       message.c_str(),
                                       outcome == OFFLOAD_OUTCOME_PASSED ? nullptr : tail.c_str()};
            results->report(results->context, &result);
        }
        return OFFLOAD_OK;
    });
}

uint32_t live_capabilities(const offload_framework_instance *instance)
{
    // A worker is asked to write `next` for each test (docs/test-protocol.md); one that does not
    // gets its first test a second after it started, and then one test ahead.
    if (!instance->worker_command.empty())
        return OFFLOAD_LIVE_EVENTS | OFFLOAD_LIVE_WORKER | OFFLOAD_LIVE_PULL |
               (instance->worker_lists ? OFFLOAD_LIVE_LISTS : 0);
    return instance->events ? OFFLOAD_LIVE_EVENTS : 0;
}

// The configured worker, as it is: offload writes its tests to its stdin.
offload_status worker_command(const offload_framework_instance *instance, const offload_worker_request *,
                              const offload_text_sink *command, const offload_text_sink *error)
{
    if (instance->worker_command.empty()) {
        append_text(error, "[discovery] has no worker_command");
        return OFFLOAD_ERROR;
    }
    append_text(command, instance->worker_command);
    return OFFLOAD_OK;
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

// The user's inputs; none named: the list may depend on anything, so it is discovered every time.
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        if (instance->discovery_inputs.empty() && instance->fingerprint_command.empty())
            return OFFLOAD_NOT_FOUND;
        const DiscoveryInputs inputs(sink);
        for (const std::string &glob : instance->discovery_inputs)
            inputs.glob(glob);
        if (!instance->fingerprint_command.empty())
            inputs.command(instance->fingerprint_command);
        return OFFLOAD_OK;
    });
}

const offload_framework_discovery_inputs_v1 discovery_inputs_interface = {
    .struct_size = sizeof(offload_framework_discovery_inputs_v1),
    .inputs = discovery_inputs,
};

const offload_framework_filters_v1 filters_interface = {
    .struct_size = sizeof(offload_framework_filters_v1),
    .discover_command = filtered_discover_command,
};

const offload_framework_live_v1 live_interface = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = live_capabilities,
    .worker_command = worker_command,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "generic",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "any test tool: a discovery command and a run command, JUnit XML or exit codes",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface,
               filters_interface)
