// The offload_host table each plugin receives: logging, config access, cancellation, local
// processes, shell quoting and JUnit reading, implemented by the core.
#pragma once

#include <offload/host.h>

#include <filesystem>
#include <memory>
#include <string>

namespace offload {

// Facts shared by every plugin's services. Set before the first plugin is loaded, and not
// changed afterwards (plugins keep pointers into it).
struct HostEnvironment {
    std::filesystem::path project_dir; // default working directory of run_process
};

// One plugin's services table. The table's address is what the plugin keeps, so the object is
// neither copyable nor movable; it must outlive the plugin (the plugin host never frees it).
class HostServices {
  public:
    HostServices(std::string plugin_id, const HostEnvironment &environment);
    HostServices(const HostServices &) = delete;
    HostServices &operator=(const HostServices &) = delete;

    const offload_host *table() const { return &m_table; }
    const std::string &plugin_id() const { return m_plugin_id; }
    const HostEnvironment &environment() const { return m_environment; }

  private:
    std::string m_plugin_id;
    const HostEnvironment &m_environment;
    offload_host m_table;
};

} // namespace offload
