// offload plugins: what the plugin search path holds, and what was refused and why.
#include "cli/commands.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

#include <algorithm>
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
    registry->load_all();

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
    for (const Plugin &plugin : registry->plugins()) {
        id_width = std::max(id_width, plugin.id.size());
        kind_width = std::max(kind_width, plugin.kinds().size());
        version_width = std::max(version_width, plugin.version.size());
    }
    if (!registry->plugins().empty())
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<4}  {}\n", "ID", id_width, "KIND", kind_width, "VERSION",
                           version_width, "ABI", "PATH");
    for (const Plugin &plugin : registry->plugins())
        out += fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:<4}  {}\n", plugin.id, id_width, plugin.kinds(), kind_width,
                           plugin.version, version_width, fmt::format("{}.{}", plugin.abi_major, plugin.abi_minor),
                           plugin.path.string());

    if (!registry->scripts().empty()) {
        bool bridge = registry->find(PluginKind::Provider, "script") != nullptr;
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
