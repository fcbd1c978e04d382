#include "plugin_host/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <unistd.h>

namespace offload {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view script_prefix = "offload-provider-";

bool implements(const ProbedPlugin &plugin, PluginKind kind)
{
    return kind == PluginKind::Framework ? plugin.framework : plugin.provider;
}

} // namespace

std::string_view kind_name(PluginKind kind)
{
    return kind == PluginKind::Framework ? "framework" : "provider";
}

PluginRegistry::PluginRegistry(std::vector<SearchDir> search_path, const HostEnvironment &environment,
                               fs::path probe_executable)
    : m_search_path(std::move(search_path)), m_environment(environment)
{
    m_probe_options.executable = std::move(probe_executable);
    m_probe_options.project_dir = environment.project_dir;
    for (const SearchDir &dir : m_search_path) {
        std::error_code error;
        std::vector<fs::path> entries;
        for (const fs::directory_entry &entry : fs::directory_iterator(dir.dir, error))
            entries.push_back(entry.path());
        std::sort(entries.begin(), entries.end());
        Directory directory{dir.origin, {}};
        for (const fs::path &path : entries) {
            std::string name = path.filename().string();
            if (!fs::is_regular_file(path, error))
                continue;
            if (path.extension() == ".so") {
                directory.plugin_files.push_back(path);
            } else if (name.rfind(script_prefix, 0) == 0 && name.size() > script_prefix.size() &&
                       access(path.c_str(), X_OK) == 0) {
                m_scripts.push_back({path, dir.origin, name.substr(script_prefix.size())});
            }
        }
        m_directories.push_back(std::move(directory));
    }
}

bool PluginRegistry::probe_next()
{
    if (m_next >= m_directories.size())
        return false;
    const Directory &directory = m_directories[m_next++];
    for (ProbeAnswer &answer : probe_plugins(directory.plugin_files, directory.origin, m_probe_options)) {
        if (auto *refused = std::get_if<RefusedPlugin>(&answer)) {
            m_refused.push_back(std::move(*refused));
            continue;
        }
        ProbedPlugin &plugin = std::get<ProbedPlugin>(answer);
        auto earlier = std::find_if(m_probed.begin(), m_probed.end(),
                                    [&](const ProbedPlugin &other) { return other.id == plugin.id; });
        if (earlier != m_probed.end()) {
            m_refused.push_back(
                {plugin.path, plugin.origin,
                 fmt::format("shadowed: a plugin with id \"{}\" comes earlier in the search path ({})",
                             plugin.id, earlier->path.string())});
            continue;
        }
        m_probed.push_back(std::move(plugin));
    }
    return true;
}

const ProbedPlugin *PluginRegistry::first_with_id(const std::string &id)
{
    size_t checked = 0;
    do {
        for (; checked < m_probed.size(); ++checked)
            if (m_probed[checked].id == id)
                return &m_probed[checked];
    } while (probe_next());
    return nullptr;
}

const ProbedPlugin *PluginRegistry::find_probed(PluginKind kind, const std::string &id)
{
    const ProbedPlugin *probed = first_with_id(id);
    return probed && implements(*probed, kind) ? probed : nullptr;
}

const Plugin *PluginRegistry::find(PluginKind kind, const std::string &id)
{
    const ProbedPlugin *probed = find_probed(kind, id);
    if (!probed)
        return nullptr;
    if (auto found = m_loaded_by_path.find(probed->path); found != m_loaded_by_path.end())
        return found->second;

    // Its probe vouches for it: now it runs in this process.
    auto loaded = load_plugin(probed->path, probed->origin, m_environment);
    const Plugin *plugin = nullptr;
    if (auto *refused = std::get_if<RefusedPlugin>(&loaded)) {
        m_refused.push_back(std::move(*refused));
    } else if (std::get<Plugin>(loaded).id != id) {
        m_refused.push_back({probed->path, probed->origin,
                             fmt::format("its id changed from \"{}\" to \"{}\" while offload was running: "
                                         "was the file replaced?",
                                         id, std::get<Plugin>(loaded).id)});
    } else {
        plugin = &m_loaded.emplace_back(std::move(std::get<Plugin>(loaded)));
    }
    m_loaded_by_path[probed->path] = plugin;
    return plugin;
}

const ScriptPlugin *PluginRegistry::find_script(const std::string &provider_type) const
{
    for (const ScriptPlugin &script : m_scripts)
        if (script.provider_type == provider_type)
            return &script;
    return nullptr;
}

void PluginRegistry::probe_all()
{
    while (probe_next()) {
    }
}

std::string PluginRegistry::not_found_message(PluginKind kind, const std::string &id)
{
    probe_all();
    std::string message = fmt::format("no {} plugin \"{}\" was found.", kind_name(kind), id);
    std::vector<std::string> available;
    for (const ProbedPlugin &plugin : m_probed)
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
