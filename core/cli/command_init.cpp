// offload init: write a commented, working offload.toml for a provider and a framework.
#include "cli/commands.hpp"

#include "process/subprocess.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

namespace offload {

namespace {

const Plugin &find_or_explain(PluginRegistry &registry, PluginKind kind, const std::string &id)
{
    const Plugin *plugin = registry.find(kind, id);
    if (!plugin)
        throw Error(registry.not_found_message(kind, id));
    return *plugin;
}

std::string core_sections()
{
    return fmt::format(R"(
[offload]
# Sandboxes running batches at once (default: the number of CPUs). `offload run --parallel N` overrides it.
max_parallel = {}
# Seconds one batch may run before its whole process tree is killed; its unfinished tests are then
# run again one by one, and a test that still times out alone fails with reason "timeout".
test_timeout_secs = 900
# How often a failed test is tried again. A test that fails, then passes, is reported flaky (exit code 2).
retry_count = 0
# Extra directories to search for plugins, relative to this file.
# plugin_paths = ["tools/offload-plugins"]

# When a retry starts: at once (the default), or after a wait, doubled each time.
# [retry]
# backoff = "exponential"   # "none", "fixed" or "exponential"
# delay_secs = 1
# jitter = true
# Other retry counts for some tests (ids, or patterns where * is any text):
# [[retry.overrides]]
# tests = ["tests/net/*"]
# retry_count = 3

# Tests whose failures do not fail the run while they are fixed: they still run, and every report
# says they failed. `offload flaky` lists the flakiest tests of the history.
# [flaky]
# quarantine = ["tests/test_net.py::test_fetch"]
# quarantine_rate = 0.2     # also any test that flaked in 20% of its recent runs

[report]
# Where the merged JUnit report and the per-batch logs (logs/batch-NNNN.log) are written.
output_dir = "test-results"
junit = true
junit_file = "junit.xml"
# Also write report.html, one self-contained page (`offload report` writes it after a run too).
html = false
# Annotations and a job summary in GitHub Actions: "auto" (when GITHUB_ACTIONS is set), true or false.
github = "auto"

# The list of tests is kept (in .offload/discovery) and used again while nothing it depends on has
# changed; `offload run --rediscover` discovers anyway.
# [discovery_cache]
# enabled = true
# Files the list also depends on, beyond what the framework names (data a parametrization reads):
# inputs = ["tests/data/**/*.json"]
)",
                       std::max(1u, std::thread::hardware_concurrency()));
}

// The commented keys a provider script offers for its table (`SCRIPT template`, protocol 1), or a
// pointer to its documentation when it offers none.
std::string script_template(const ScriptPlugin &script)
{
    ProcessSpec spec;
    spec.argv = {script.path.string(), "template"};
    spec.env = {"OFFLOAD_PROTOCOL=1"};
    spec.timeout = std::chrono::seconds(30);
    std::string out;
    spec.on_output = [&out](int stream, std::string_view data) {
        if (stream == 1 && out.size() < (1 << 20))
            out.append(data);
    };
    const Expected<ProcessExit> exit = run_subprocess(spec);
    if (exit && exit->exit_code == 0 && !out.empty())
        return out.back() == '\n' ? out : out + "\n";
    return fmt::format("# {} offers no template of its keys: see its documentation.\n", script.path.string());
}

} // namespace

int command_init(const GlobalOptions &global, const std::string &provider_id, const std::string &framework_id)
{
    const std::filesystem::path file = global.config_file;
    if (std::filesystem::exists(file))
        throw Error(
            fmt::format("{} already exists; offload init never overwrites a file. Remove it, or write the "
                        "new one elsewhere with -c FILE",
                        file.string()));

    HostEnvironment environment{std::filesystem::current_path()};
    PluginRegistry registry(search_path_without_config(global), environment);
    // A compiled provider, or a provider script served by the script bridge.
    const Plugin *provider = registry.find(PluginKind::Provider, provider_id);
    const ScriptPlugin *script = provider ? nullptr : registry.find_script(provider_id);
    if (!provider && !(script && registry.find(PluginKind::Provider, "script")))
        find_or_explain(registry, PluginKind::Provider, provider_id);
    const Plugin &framework = find_or_explain(registry, PluginKind::Framework, framework_id);

    std::string text =
        fmt::format("# offload configuration, written by `offload init --provider {} --framework {}`.\n"
                    "# Check it with `offload validate`; run the tests with `offload run`.\n",
                    provider_id, framework_id);
    text += core_sections();
    if (provider) {
        text += fmt::format("\n[provider]\n# {}\ntype = \"{}\"\n", provider->description, provider->id);
        text += ProviderInstance::config_template(*provider);
    } else {
        text +=
            fmt::format("\n[provider]\n# the provider script {}, through the script bridge\ntype = \"{}\"\n",
                        script->path.filename().string(), provider_id);
        text += script_template(*script);
    }
    text += fmt::format("\n[discovery]\n# {}\ntype = \"{}\"\n", framework.description, framework.id);
    text += FrameworkInstance::config_template(framework);

    std::error_code error;
    if (file.has_parent_path())
        std::filesystem::create_directories(file.parent_path(), error);
    // "x": fail rather than overwrite a file that appeared in the meantime.
    std::FILE *out = std::fopen(file.c_str(), "wx");
    if (!out)
        throw Error(fmt::format("cannot create {}: {}", file.string(), std::strerror(errno)));
    bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (std::fclose(out) != 0 || !written)
        throw Error(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
    log::print(fmt::format("wrote {} (provider {}, framework {}); next: offload validate, then offload run\n",
                           file.string(), provider_id, framework.id));
    return 0;
}

} // namespace offload
