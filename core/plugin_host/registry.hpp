// The plugins offload can use: found along the search path, the first plugin with a given id
// winning. Candidate files are looked at in child processes (probe.hpp), one search directory at a
// time and only as far along the path as a lookup needs; only the file chosen for an id a command
// asks for is loaded into offload itself.
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "plugin_host/probe.hpp"
#include "plugin_host/search_path.hpp"

#include <deque>
#include <filesystem>
#include <map>
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
    // environment must outlive the registry and every plugin it loads. probe_executable is the
    // offload binary that probes plugin files (`offload __probe`): this very one by default.
    PluginRegistry(std::vector<SearchDir> search_path, const HostEnvironment &environment,
                   std::filesystem::path probe_executable = "/proc/self/exe");

    // The first plugin along the search path with this id, if it implements the kind, loaded and
    // initialized in this process (once; later calls return the same). Probes search directories in
    // order until the id is found. nullptr when there is none, or when the file that its probe found
    // usable is refused when loaded here (refused() then says why).
    const Plugin *find(PluginKind kind, const std::string &id);

    // The same lookup, from probes alone: nothing is loaded in this process.
    const ProbedPlugin *find_probed(PluginKind kind, const std::string &id);

    // The first script provider named offload-provider-<type> along the search path, or nullptr.
    const ScriptPlugin *find_script(const std::string &provider_type) const;

    // Probes every search directory (for listings). Loads nothing in this process.
    void probe_all();

    const std::vector<SearchDir> &search_path() const { return m_search_path; }
    // The usable plugins probed so far, each the first of its id, in search order.
    const std::vector<ProbedPlugin> &plugins() const { return m_probed; }
    // Files refused so far: by their probe (with the reason), as shadowed, or when loaded here.
    const std::vector<RefusedPlugin> &refused() const { return m_refused; }
    const std::vector<ScriptPlugin> &scripts() const { return m_scripts; }

    // Explains why find(kind, id) found nothing: what was searched, which plugins of that kind
    // exist, which files were refused and why. Probes everything first.
    std::string not_found_message(PluginKind kind, const std::string &id);

  private:
    struct Directory {
        std::string origin;
        std::vector<std::filesystem::path> plugin_files; // .so files, sorted
    };
    bool probe_next();
    const ProbedPlugin *first_with_id(const std::string &id);

    std::vector<SearchDir> m_search_path;
    const HostEnvironment &m_environment;
    ProbeOptions m_probe_options;
    std::vector<Directory> m_directories; // in search order
    size_t m_next = 0;                    // first directory not probed yet
    std::vector<ProbedPlugin> m_probed;
    std::vector<RefusedPlugin> m_refused;
    std::vector<ScriptPlugin> m_scripts;
    std::deque<Plugin> m_loaded; // a deque: references handed out stay valid
    std::map<std::filesystem::path, const Plugin *> m_loaded_by_path;
};

std::string_view kind_name(PluginKind kind);

} // namespace offload
