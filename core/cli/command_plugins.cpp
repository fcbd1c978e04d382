// offload plugins: what the plugin search path holds, and what was refused and why.
#include "cli/commands.hpp"

#include "plugin_host/probe.hpp"
#include "process/subprocess.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace offload {

int command_plugins(const GlobalOptions &global)
{
    // With a config file at hand its plugin_paths count too; without one, list what is found anyway.
    std::unique_ptr<Session> session;
    HostEnvironment environment{std::filesystem::current_path()};
    std::unique_ptr<PluginRegistry> own_registry;
    PluginRegistry *registry = nullptr;
    if (std::filesystem::exists(global.config_file)) {
        session = std::make_unique<Session>(global);
        registry = &session->registry();
    } else {
        own_registry = std::make_unique<PluginRegistry>(search_path_without_config(global), environment);
        registry = own_registry.get();
    }
    // Everything is looked at in child processes: a plugin that crashes in its init() is listed as
    // refused, and this command, meant to diagnose plugins, still works.
    registry->probe_all();

    std::string out = "Search path (first match wins):\n";
    int position = 1;
    for (const SearchDir &dir : registry->search_path()) {
        std::error_code error;
        out += fmt::format("  {}. {}  ({}{})\n", position++, dir.dir.string(), dir.origin,
                           std::filesystem::is_directory(dir.dir, error) ? "" : ", does not exist");
    }

    out += "\nPlugins:\n";
    if (registry->plugins().empty())
        out += "  none\n";
    size_t id_width = 2, kind_width = 4, version_width = 7;
    for (const ProbedPlugin &plugin : registry->plugins()) {
        id_width = std::max(id_width, plugin.id.size());
        kind_width = std::max(kind_width, plugin.kinds().size());
        version_width = std::max(version_width, plugin.version.size());
    }
    if (!registry->plugins().empty())
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<4}  {}\n", "ID", id_width, "KIND", kind_width,
                           "VERSION", version_width, "ABI", "PATH");
    for (const ProbedPlugin &plugin : registry->plugins())
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<4}  {}\n", plugin.id, id_width, plugin.kinds(),
                           kind_width, plugin.version, version_width,
                           fmt::format("{}.{}", plugin.abi_major, plugin.abi_minor), plugin.path.string());

    if (!registry->scripts().empty()) {
        bool bridge = registry->find_probed(PluginKind::Provider, "script") != nullptr;
        out += "\nScript providers (offload-provider-NAME, served by the script bridge):\n";
        for (const ScriptPlugin &script : registry->scripts())
            out += fmt::format("  {}  {}{}\n", script.provider_type, script.path.string(),
                               bridge ? "" : "  (unusable: the \"script\" provider plugin is not installed)");
    }

    if (!registry->refused().empty()) {
        out += "\nRefused:\n";
        for (const RefusedPlugin &refused : registry->refused())
            out += fmt::format("  {}: {}\n", refused.path.string(), refused.reason);
    }
    log::print(out);
    return 0;
}

} // namespace offload

namespace offload {

namespace {

constexpr std::chrono::seconds check_timeout{60};
constexpr std::string_view verdict_usable = "The plugin is usable.\n";
constexpr std::string_view verdict_problems = "The plugin has problems (see above).\n";

// Lines written to a descriptor as they come, so that a parent sees how far a check got when the
// plugin crashes it.
class ReportWriter {
  public:
    explicit ReportWriter(int fd) : m_fd(fd) {}
    ReportWriter &operator+=(std::string_view text)
    {
        write_all(m_fd, text);
        return *this;
    }

  private:
    int m_fd;
};

} // namespace

int command_plugins_check(const GlobalOptions &global, const std::string &path)
{
    (void)global;
    namespace fs = std::filesystem;
    std::error_code error;
    fs::path absolute = fs::absolute(path, error);
    if (error || !fs::exists(absolute))
        throw Error(fmt::format("{} does not exist", path));

    if (absolute.filename().string().rfind("offload-provider-", 0) == 0 && absolute.extension() != ".so") {
        log::print(
            fmt::format("Checking {}\n  a provider script: check it with `offload validate` on a config "
                        "with its type; the script bridge asks it `describe` first\n",
                        absolute.string()));
        return 0;
    }

    // The checks load the plugin and run its code: in a child (plugins_check_child_main), so that a
    // plugin that crashes or exits is reported, not fatal.
    ProcessSpec spec;
    spec.argv = {"/proc/self/exe", "__check-plugin", fs::current_path(error).string(), absolute.string()};
    spec.timeout = check_timeout;
    std::string report;
    spec.on_output = [&report](int stream, std::string_view data) {
        if (stream == 1 && report.size() < (1 << 20))
            report.append(data);
        else if (stream == 2)
            std::fwrite(data.data(), 1, data.size(), stderr);
    };
    const Expected<ProcessExit> exit = run_subprocess(spec);
    if (!exit)
        throw Error(fmt::format("cannot check {}: {}", absolute.string(), exit.error()));
    if (exit->cancelled)
        return exit_interrupted;
    const bool finished = !exit->timed_out && exit->term_signal == 0 &&
                          ((exit->exit_code == exit_passed && report.ends_with(verdict_usable)) ||
                           (exit->exit_code == exit_failed && report.ends_with(verdict_problems)));
    if (!finished) {
        if (report.empty())
            report = fmt::format("Checking {}\n", absolute.string());
        if (!report.ends_with('\n'))
            report += '\n';
        report +=
            fmt::format("  FAIL  {}\n", child_death_reason(*exit, check_timeout, "while being checked"));
        report += verdict_problems;
    }
    log::print(report);
    return finished ? exit->exit_code : exit_failed;
}

int plugins_check_child_main(const std::vector<std::string> &args)
{
    namespace fs = std::filesystem;
    if (args.size() != 2) {
        log::error("__check-plugin is offload's own: offload __check-plugin PROJECT_DIR FILE");
        return exit_usage;
    }
    const int fd = take_private_stdout();
    if (fd < 0)
        return exit_failed;
    ReportWriter out(fd);
    const fs::path absolute = args[1];
    out += fmt::format("Checking {}\n", absolute.string());
    HostEnvironment environment{args[0]};
    auto loaded = load_plugin(absolute, "offload plugins check", environment);
    if (auto *refused = std::get_if<RefusedPlugin>(&loaded)) {
        out += fmt::format("  FAIL  loading: {}\n", refused->reason);
        out += verdict_problems;
        return exit_failed;
    }
    const Plugin &plugin = std::get<Plugin>(loaded);
    out += fmt::format("  ok    loads; exports offload_plugin_entry_v1\n");
    out += fmt::format("  ok    descriptor: id \"{}\", version \"{}\", ABI {}.{}: {}\n", plugin.id,
                       plugin.version, plugin.abi_major, plugin.abi_minor, plugin.description);
    out += "  ok    init() succeeded\n";
    if (plugin.framework)
        out += "  ok    implements offload.framework.v1, every required function present\n";
    if (plugin.provider)
        out += "  ok    implements offload.provider.v1, every required function present\n";

    // A dry lifecycle: create and destroy an instance from an empty table. A plugin that needs keys
    // says which, through the same diagnostics a user would see.
    bool problems = false;
    toml::table empty;
    Diagnostics diagnostics;
    auto dry_run = [&](const char *section, auto make) {
        offload_config config(empty, section, "(an empty table)", diagnostics);
        try {
            make(config);
            out += fmt::format("  ok    create() and destroy() with an empty [{}] table\n", section);
        } catch (const Error &e) {
            out += fmt::format(
                "  note  create() with an empty [{}] table refused: {}\n        (fine if the plugin "
                "needs keys; the messages above say which)\n",
                section, e.what());
        } catch (const std::exception &e) {
            out += fmt::format("  FAIL  create() threw through the C ABI: {}\n", e.what());
            problems = true;
        }
    };
    if (plugin.framework)
        dry_run("discovery", [&](const offload_config &config) {
            FrameworkInstance instance(plugin, config);
            out += FrameworkInstance::config_template(plugin).empty()
                       ? "  warn  no config_template: `offload init` cannot describe its keys\n"
                       : "  ok    config_template() gives `offload init` its keys\n";
        });
    if (plugin.provider)
        dry_run("provider", [&](const offload_config &config) {
            ProviderInstance instance(plugin, config, plugin.id);
            out += ProviderInstance::config_template(plugin).empty()
                       ? "  warn  no config_template: `offload init` cannot describe its keys\n"
                       : "  ok    config_template() gives `offload init` its keys\n";
        });
    deinit_plugins();
    out += problems ? verdict_problems : verdict_usable;
    return problems ? exit_failed : exit_passed;
}

} // namespace offload
