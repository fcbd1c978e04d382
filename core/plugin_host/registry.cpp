#include "plugin_host/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <unistd.h>

namespace offload {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view script_prefix = "offload-provider-";

bool implements(const Plugin &plugin, PluginKind kind)
{
    return kind == PluginKind::Framework ? plugin.framework != nullptr : plugin.provider != nullptr;
}

} // namespace

std::string_view kind_name(PluginKind kind)
{
    return kind == PluginKind::Framework ? "framework" : "provider";
}

PluginRegistry::PluginRegistry(std::vector<SearchDir> search_path, const HostEnvironment &environment)
    : m_search_path(std::move(search_path)), m_environment(environment)
{
    for (const SearchDir &dir : m_search_path) {
        std::error_code error;
        std::vector<fs::path> entries;
        for (const fs::directory_entry &entry : fs::directory_iterator(dir.dir, error))
            entries.push_back(entry.path());
        std::sort(entries.begin(), entries.end());
        for (const fs::path &path : entries) {
            std::string name = path.filename().string();
            if (!fs::is_regular_file(path, error))
                continue;
            if (path.extension() == ".so") {
                m_candidates.push_back({path, dir.origin});
            } else if (name.rfind(script_prefix, 0) == 0 && name.size() > script_prefix.size() &&
                       access(path.c_str(), X_OK) == 0) {
                m_scripts.push_back({path, dir.origin, name.substr(script_prefix.size())});
            }
        }
    }
}

bool PluginRegistry::load_next()
{
    if (m_next >= m_candidates.size())
        return false;
    const Candidate &candidate = m_candidates[m_next++];
    auto loaded = load_plugin(candidate.path, candidate.origin, m_environment);
    if (auto *refused = std::get_if<RefusedPlugin>(&loaded)) {
        m_refused.push_back(std::move(*refused));
        return true;
    }
    Plugin &plugin = std::get<Plugin>(loaded);
    for (const Plugin &earlier : m_plugins) {
        if (earlier.id == plugin.id) {
            m_refused.push_back(
                {plugin.path, plugin.origin,
                 fmt::format("shadowed: a plugin with id \"{}\" comes earlier in the search path "
                             "({})",
                             plugin.id, earlier.path.string())});
            return true;
        }
    }
    m_plugins.push_back(std::move(plugin));
    return true;
}

const Plugin *PluginRegistry::find(PluginKind kind, const std::string &id)
{
    size_t checked = 0;
    do {
        for (; checked < m_plugins.size(); ++checked)
            if (m_plugins[checked].id == id && implements(m_plugins[checked], kind))
                return &m_plugins[checked];
    } while (load_next());
    return nullptr;
}

const ScriptPlugin *PluginRegistry::find_script(const std::string &provider_type) const
{
    for (const ScriptPlugin &script : m_scripts)
        if (script.provider_type == provider_type)
            return &script;
    return nullptr;
}

void PluginRegistry::load_all()
{
    while (load_next()) {
    }
}

std::string PluginRegistry::not_found_message(PluginKind kind, const std::string &id)
{
    load_all();
    std::string message = fmt::format("no {} plugin \"{}\" was found.", kind_name(kind), id);
    std::vector<std::string> available;
    for (const Plugin &plugin : m_plugins)
        if (implements(plugin, kind))
            available.push_back(plugin.id);
    if (kind == PluginKind::Provider)
        for (const ScriptPlugin &script : m_scripts)
            available.push_back(script.provider_type + " (script)");
    message += available.empty() ? fmt::format(" No {} plugins were found at all.", kind_name(kind))
                                 : fmt::format(" Available: {}.", fmt::join(available, ", "));
    for (const ScriptPlugin &script : m_scripts)
        if (kind == PluginKind::Provider && script.provider_type == id)
            message += fmt::format(" {} is a script provider, but no plugin with id \"script\" (the script "
                                   "bridge) is installed to serve it.",
                                   script.path.string());
    for (const RefusedPlugin &refused : m_refused)
        message += fmt::format("\n  refused {}: {}", refused.path.string(), refused.reason);
    message += "\n  searched:";
    for (const SearchDir &dir : m_search_path) {
        std::error_code error;
        message += fmt::format("\n    {} ({}{})", dir.dir.string(), dir.origin,
                               fs::is_directory(dir.dir, error) ? "" : ", does not exist");
    }
    message += "\n  Run `offload plugins` to list what offload finds.";
    return message;
}

} // namespace offload
