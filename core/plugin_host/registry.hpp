// The plugins offload can use: found along the search path, loaded lazily in search order, the
// first plugin with a given id winning.
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "plugin_host/search_path.hpp"

#include <deque>
#include <filesystem>
#include <string>
#include <vector>

namespace offload {

// An executable named offload-provider-NAME: a provider written as a script, served by the
// script bridge under the provider type NAME.
struct ScriptPlugin {
    std::filesystem::path path;
    std::string origin;
    std::string provider_type;
};

enum class PluginKind { Framework, Provider };

// Thread: main.
class PluginRegistry {
  public:
    PluginRegistry(std::vector<SearchDir> search_path, const HostEnvironment &environment);

    // The first plugin along the search path with this id that implements the kind; loads
    // plugin files in search order until it is found. nullptr when there is none.
    const Plugin *find(PluginKind kind, const std::string &id);

    // The first script provider named offload-provider-<type> along the search path, or nullptr.
    const ScriptPlugin *find_script(const std::string &provider_type) const;

    // Loads every plugin file along the search path (for listings).
    void load_all();

    const std::vector<SearchDir> &search_path() const { return m_search_path; }
    const std::deque<Plugin> &plugins() const { return m_plugins; }
    const std::vector<RefusedPlugin> &refused() const { return m_refused; }
    const std::vector<ScriptPlugin> &scripts() const { return m_scripts; }

    // Explains why find(kind, id) found nothing: what was searched, which plugins of that kind
    // exist, which files were refused and why. Loads everything first.
    std::string not_found_message(PluginKind kind, const std::string &id);

  private:
    struct Candidate {
        std::filesystem::path path;
        std::string origin;
    };
    bool load_next();

    std::vector<SearchDir> m_search_path;
    const HostEnvironment &m_environment;
    std::vector<Candidate> m_candidates; // .so files, in search order
    size_t m_next = 0;                   // first candidate not loaded yet
    std::deque<Plugin> m_plugins;        // a deque: references handed out stay valid
    std::vector<RefusedPlugin> m_refused;
    std::vector<ScriptPlugin> m_scripts;
};

std::string_view kind_name(PluginKind kind);

} // namespace offload
