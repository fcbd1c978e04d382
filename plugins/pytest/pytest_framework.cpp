// The pytest framework: a pytest suite, tests named by pytest's own node ids.
//   python      the interpreter that has pytest (default "python3"); an array is a command that
//               starts one, e.g. ["uv", "run", "--with=pytest", "python"]
//   paths       where pytest collects (default: pytest's own choice, e.g. testpaths)
//   markers     a -m expression
//   extra_args  more pytest arguments, for discovery and every batch
// Discovery is pytest's --collect-only -q. Tests run in workers (offload.framework.live/1): pytest
// with offload_worker.py as its plugin, which reads node ids on stdin and reports every test as it
// starts and ends (docs/test-protocol.md). For hosts without workers, a batch runs pytest on the
// files of its node ids, keeps exactly those ids (see collection.hpp) and writes JUnit at the
// host's result file, whose testcases map back to the ids by pytest's own naming rule (see
// junit_matching.hpp).
#include "collection.hpp"
#include "common/command.hpp"
#include "common/discovery_inputs.hpp"
#include "junit_matching.hpp"
#include "offload_worker_program.hpp"

#include <offload/plugin.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

using namespace offload::sdk;
using offload::common::DiscoveryInputs;
using offload::common::filter_words;
using offload::common::shell_words;

// Where the node ids of the last discovery are rooted, and how long the longest one is.
struct Layout {
    std::string rootdir;         // pytest's rootdir relative to the working directory; "." when the same
    std::string inifile;         // relative to the working directory; empty when pytest read none
    size_t longest_argument = 0; // bytes of the longest node id, quoted for sh
    bool xdist = false;          // pytest-xdist would distribute (-n in the pytest configuration)
};

struct offload_framework_instance {
    const offload_host *host;
    std::vector<std::string> python = {"python3"}; // the interpreter, or a command that starts it
    std::vector<std::string> paths;
    std::string markers;
    std::vector<std::string> extra_args;

    // Written by parse_discovery (main thread, before the host builds any batch), read by
    // batch_command and max_batch_size from any thread; hence the lock.
    mutable std::mutex layout_mutex;
    mutable std::optional<Layout> layout;
};

namespace {

// A batch's ids are arguments of one exec of Python in the sandbox, and Linux caps arguments plus
// environment at ARG_MAX (2 MiB by default): batches are cut so that their ids fit in this many
// bytes. (A command longer than one argument may be, 128 KiB, is the provider's to carry.)
constexpr size_t id_bytes_per_batch = 1024 * 1024;

std::optional<Layout> layout_of(const offload_framework_instance &instance)
{
    std::lock_guard lock(instance.layout_mutex);
    return instance.layout;
}

offload_status create(const offload_host *host, const offload_config *config,
                      offload_framework_instance **out, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        auto instance = std::make_unique<offload_framework_instance>();
        instance->host = host;
        Config settings(host, config);
        // Every key is read even after a bad one, so that the user sees all problems at once.
        bool valid = true;
        const auto read = [&](auto &&body) {
            try {
                body();
            } catch (const ConfigError &) {
                valid = false;
            }
        };
        read([&] {
            if (settings.type("python") == OFFLOAD_VALUE_ARRAY) {
                auto words = settings.string_list("python");
                if (!words || words->empty() || words->front().empty())
                    settings.fail("python", "must be a command that starts Python, e.g. [\"uv\", \"run\", "
                                            "\"--with=pytest\", \"python\"], or an interpreter's path");
                instance->python = std::move(*words);
            } else if (auto python = settings.string("python")) {
                if (python->empty())
                    settings.fail(
                        "python",
                        "must name a Python interpreter that has pytest, e.g. \"/usr/bin/python3\"");
                instance->python = {*python};
            }
        });
        read([&] {
            if (auto paths = settings.string_list("paths")) {
                for (size_t i = 0; i < paths->size(); ++i)
                    if ((*paths)[i].empty())
                        settings.fail("paths[" + std::to_string(i) + "]", "must not be empty");
                instance->paths = std::move(*paths);
            }
        });
        read([&] { instance->markers = settings.string("markers").value_or(""); });
        read([&] {
            if (settings.type("extra_args") == OFFLOAD_VALUE_STRING)
                settings.fail("extra_args", "must be an array with one pytest argument per element, e.g. "
                                            "[\"-p\", \"no:randomly\"]");
            if (auto extra = settings.string_list("extra_args"))
                instance->extra_args = std::move(*extra);
        });
        if (!valid)
            throw ConfigError();
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
        "# The Python that has pytest (default: \"python3\" from PATH). Debian's python3-pytest package\n"
        "# installs pytest for /usr/bin/python3; for a virtualenv write e.g. \".venv/bin/python\".\n"
        "python = \"/usr/bin/python3\"\n"
        "# Where pytest collects, relative to this file (default: pytest's own choice: testpaths from\n"
        "# pytest.ini or pyproject.toml, else this directory).\n"
        "# paths = [\"tests\"]\n"
        "# Only the tests this marker expression selects (pytest -m).\n"
        "# markers = \"not slow\"\n"
        "# More pytest arguments, one per element, for discovery and every batch.\n"
        "# extra_args = [\"-p\", \"no:randomly\"]\n");
}

// No limit from pytest itself; after discovery, as many ids as fit on one command line.
size_t max_batch_size(const offload_framework_instance *instance)
{
    const std::optional<Layout> layout = layout_of(*instance);
    if (!layout)
        return 0;
    return std::max<size_t>(1, id_bytes_per_batch / (layout->longest_argument + 1));
}

// pytest's collection, with `filters` (a group's pytest arguments, e.g. -m and -k) after the
// configured ones.
std::string collection_command(const offload_framework_instance &instance,
                               const std::vector<std::string> &filters)
{
    std::vector<std::string> words = instance.python;
    words.insert(words.end(),
                 {"-c", std::string(collect_program), "--collect-only", "-q", "-p", "no:cacheprovider"});
    words.insert(words.end(), instance.extra_args.begin(), instance.extra_args.end());
    if (!instance.markers.empty())
        words.insert(words.end(), {"-m", instance.markers});
    words.insert(words.end(), filters.begin(), filters.end());
    if (!instance.paths.empty()) {
        words.push_back("--");
        words.insert(words.end(), instance.paths.begin(), instance.paths.end());
    }
    return shell_words(instance.host, words);
}

offload_status discover_command(const offload_framework_instance *instance, const offload_text_sink *command,
                                const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        append_text(command, collection_command(*instance, {}));
        return OFFLOAD_OK;
    });
}

// A group's filters are pytest arguments, split as sh would ("-m 'not slow' -k 'not flaky'"):
// pytest itself says what it cannot take, when the collection runs.
offload_status filtered_discover_command(const offload_framework_instance *instance, const char *filters,
                                         const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::optional<std::vector<std::string>> words =
            filter_words(filters, error, "pytest arguments");
        if (!words)
            return OFFLOAD_ERROR;
        append_text(command, collection_command(*instance, *words));
        return OFFLOAD_OK;
    });
}

offload_status parse_discovery(const offload_framework_instance *instance,
                               const offload_discovery_output *output, const offload_test_sink *tests,
                               const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        CollectionResult result = read_collection(
            {output->stdout_text, output->stdout_length}, {output->stderr_text, output->stderr_length},
            output->exit_code, shell_words(instance->host, instance->python));
        if (!result.collection) {
            append_text(error, result.error);
            return OFFLOAD_ERROR;
        }
        Layout layout{result.collection->rootdir, result.collection->inifile, 0,
                      !result.collection->xdist_workers.empty()};
        if (layout.xdist)
            log(instance->host, OFFLOAD_LOG_INFO,
                "pytest-xdist is on (-n " + result.collection->xdist_workers +
                    "); offload runs the batches in parallel itself, so each batch runs with -n 0");
        for (const std::string &id : result.collection->ids) {
            layout.longest_argument =
                std::max(layout.longest_argument, shell_quote(instance->host, id).size());
            const std::string file(file_of(id));
            offload_discovered_test test{sizeof(offload_discovered_test), id.c_str(), file.c_str()};
            tests->add(tests->context, &test);
        }
        std::lock_guard lock(instance->layout_mutex);
        // One discovery per group: the longest id of any of them bounds the batches.
        if (instance->layout)
            layout.longest_argument = std::max(layout.longest_argument, instance->layout->longest_argument);
        instance->layout = std::move(layout);
        return OFFLOAD_OK;
    });
}

// What pytest's list depends on: every Python file below the directory (test modules, conftest.py,
// the modules they import, which may parametrize), the files pytest reads its configuration from,
// here and above (a new pytest.ini above moves the rootdir, and the ids with it), the configured
// paths outside the directory, and the interpreter with what is installed for it (a plugin
// installed or upgraded changes the mtime of its site-packages directory).
offload_status discovery_inputs(const offload_framework_instance *instance,
                                const offload_discovery_input_sink *sink, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const DiscoveryInputs inputs(sink);
        inputs.glob("**/*.py");
        const std::vector<std::string> config_files = {"pytest.ini", "pyproject.toml", "tox.ini",
                                                       "setup.cfg"};
        for (const std::string &name : config_files)
            inputs.glob("**/" + name);
        std::vector<std::string> above = config_files;
        above.insert(above.end(), {"conftest.py", "setup.py"});
        inputs.files_above(above, 12);
        // Where pytest does not collect by default (norecursedirs), and virtual environments.
        for (const char *skipped : {"__pycache__", "node_modules", "venv", "*.egg", "*.egg-info", "build",
                                    "dist", "_darcs", "CVS", "{arch}", "site-packages"})
            inputs.skip_directory(skipped);
        // The configured paths, also where the globs above do not go (outside, or a skipped name).
        for (const std::string &path : instance->paths) {
            inputs.glob(path + "/**/*.py");
            if (path.ends_with(".py"))
                inputs.file(path);
        }
        std::vector<std::string> probe = instance->python;
        probe.insert(probe.end(),
                     {"-c", "import os, sys\n"
                            "print(sys.version)\nprint(sys.executable)\n"
                            "for p in sys.path:\n"
                            "    if p and os.path.isdir(p) and os.path.abspath(p) != os.getcwd():\n"
                            "        print(p, os.stat(p).st_mtime_ns)\n"});
        inputs.command(shell_words(instance->host, probe));
        return OFFLOAD_OK;
    });
}

// `python -c program` and the pytest options of every command that runs tests (a batch, a worker).
std::vector<std::string> run_words(const offload_framework_instance &instance, std::string_view program,
                                   const std::optional<Layout> &layout)
{
    // The cache would be shared by commands running in the same project directory; a module that
    // fails to import must not keep the other tests from running.
    std::vector<std::string> words = instance.python;
    words.insert(words.end(),
                 {"-c", std::string(program), "-p", "no:cacheprovider", "--continue-on-collection-errors"});
    words.insert(words.end(), instance.extra_args.begin(), instance.extra_args.end());
    if (!instance.markers.empty())
        words.insert(words.end(), {"-m", instance.markers});
    // The rootdir and configuration of discovery, so that pytest names the tests the same way even
    // when the files of some ids alone would lead it to another pytest.ini.
    if (layout) {
        words.push_back("--rootdir=" + layout->rootdir);
        if (!layout->inifile.empty())
            words.insert(words.end(), {"-c", layout->inifile});
        if (layout->xdist)
            words.insert(words.end(), {"-n", "0"});
    }
    return words;
}

offload_status batch_command(const offload_framework_instance *instance, const offload_batch *batch,
                             const offload_text_sink *command, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        std::vector<std::string> words = run_words(*instance, select_program, layout_of(*instance));
        // After extra_args: the JUnit report must be ours and shaped as match_junit expects.
        words.insert(words.end(), {"-o", "junit_family=xunit1", "-o",
                                   "junit_prefix=", "--junitxml=" + std::string(batch->result_file), "--"});
        words.insert(words.end(), batch->test_ids, batch->test_ids + batch->test_count);
        append_text(command, shell_words(instance->host, words));
        return OFFLOAD_OK;
    });
}

std::string exit_description(int exit_code)
{
    std::string text = "exit code " + std::to_string(exit_code);
    if (exit_code > 128 && exit_code < 128 + 65)
        return text + ": killed by signal " + std::to_string(exit_code - 128);
    const std::string_view meaning = exit_code_meaning(exit_code);
    return meaning.empty() ? text : text + ": " + std::string(meaning);
}

void report(const offload_result_sink *results, const char *id, offload_outcome outcome, double duration,
            const std::string &message, const std::string &output)
{
    offload_test_result result{
        sizeof(offload_test_result), id, outcome, duration, message.c_str(), output.c_str()};
    results->report(results->context, &result);
}

offload_status parse_results(const offload_framework_instance *instance, const offload_batch_run *run,
                             const offload_result_sink *results, const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::string tail = relevant_output({run->output_tail, run->output_tail_length});
        std::vector<JunitCase> cases;
        offload_junit_sink sink{
            sizeof(offload_junit_sink), &cases, [](void *context, const offload_junit_case *c) {
                static_cast<std::vector<JunitCase> *>(context)->push_back(
                    {c->classname, c->name, c->file, c->time_secs, c->outcome, c->message, c->details});
            }};
        std::string read_error;
        StringSink read_error_sink(read_error);
        const offload_status read =
            run->result_file
                ? instance->host->read_junit(instance->host, run->result_file, &sink, read_error_sink)
                : OFFLOAD_NOT_FOUND;
        if (read == OFFLOAD_NOT_FOUND) {
            // pytest writes its report when it ends; a batch killed at the timeout has none, and
            // the host runs its tests again one by one.
            if (run->timed_out)
                return OFFLOAD_OK;
            const std::string message =
                "pytest wrote no JUnit report (" + exit_description(run->exit_code) + ")";
            for (size_t i = 0; i < run->test_count; ++i)
                report(results, run->test_ids[i], OFFLOAD_OUTCOME_ERROR, -1, message, tail);
            return OFFLOAD_OK;
        }

        const std::vector<std::string_view> ids(run->test_ids, run->test_ids + run->test_count);
        std::vector<bool> reported(ids.size(), false);
        for (const TestVerdict &verdict : match_junit(ids, cases)) {
            // After a timeout a test without a testcase simply did not finish: the host reruns it.
            if (verdict.unmatched && run->timed_out)
                continue;
            reported[verdict.test] = true;
            report(results, run->test_ids[verdict.test], verdict.outcome, verdict.duration_secs,
                   verdict.message, verdict.details);
        }
        if (read != OFFLOAD_OK && !run->timed_out) {
            const std::string message = "pytest's JUnit report could not be read: " + read_error;
            for (size_t i = 0; i < ids.size(); ++i)
                if (!reported[i])
                    report(results, run->test_ids[i], OFFLOAD_OUTCOME_ERROR, -1, message, tail);
        }
        return OFFLOAD_OK;
    });
}

// The worker asks for each test (`next`) when the running one's teardown needs to know what follows,
// and lists what it collected as discovery would (collection.hpp), so that a first run needs no
// discovery of its own.
uint32_t capabilities(const offload_framework_instance *)
{
    return OFFLOAD_LIVE_EVENTS | OFFLOAD_LIVE_WORKER | OFFLOAD_LIVE_PULL | OFFLOAD_LIVE_LISTS;
}

// pytest collects what discovery collected (before discovery, for a worker that lists the tests, as
// discovery would, without its layout), or, when the worker's tests are known, only their
// files: paths from the working directory (where pytest reads its arguments), while node ids are
// relative to pytest's rootdir. The ids themselves come on stdin.
offload_status worker_command(const offload_framework_instance *instance,
                              const offload_worker_request *request, const offload_text_sink *command,
                              const offload_text_sink *error)
{
    return guarded(error, [&]() -> offload_status {
        const std::optional<Layout> layout = layout_of(*instance);
        std::vector<std::string> words = run_words(*instance, worker_program, layout);
        if (request->test_ids) {
            const std::string rootdir = layout && layout->rootdir != "." ? layout->rootdir + "/" : "";
            std::unordered_set<std::string_view> seen;
            // A "--" with nothing after it makes the worker collect nothing (no test_ids at all).
            words.push_back("--");
            for (size_t i = 0; i < request->test_count; ++i) {
                const std::string_view file = file_of(request->test_ids[i]);
                if (seen.insert(file).second)
                    words.push_back(file.starts_with('/') ? std::string(file) : rootdir + std::string(file));
            }
        } else if (!instance->paths.empty()) {
            words.push_back("--");
            words.insert(words.end(), instance->paths.begin(), instance->paths.end());
        }
        append_text(command, shell_words(instance->host, words));
        return OFFLOAD_OK;
    });
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
    .capabilities = capabilities,
    .worker_command = worker_command,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "pytest",
    .version = OFFLOAD_PLUGIN_VERSION,
    .description = "pytest suites: pytest's own node ids and outcomes, from --collect-only and --junitxml",
};

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_interface, live_interface, discovery_inputs_interface,
               filters_interface)
