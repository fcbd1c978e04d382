// What every command that reads offload.toml shares: the settings, the plugin registry built
// from them, and the framework and provider instances.
#pragma once

#include "config/diagnostics.hpp"
#include "config/settings.hpp"
#include "plugin_host/framework_instance.hpp"
#include "plugin_host/host_services.hpp"
#include "plugin_host/plugin_config.hpp"
#include "plugin_host/provider_instance.hpp"
#include "plugin_host/registry.hpp"

#include <memory>
#include <string>
#include <vector>

namespace offload {

struct GlobalOptions {
    std::string config_file = "offload.toml";
    std::vector<std::string> plugin_paths; // --plugin-path, in order
    std::vector<std::string> command_line; // argv, for the run record
};

// The search path for a command that has no config file (plugins, init): --plugin-path,
// OFFLOAD_PLUGIN_PATH, the current directory's .offload/plugins, the installed plugins.
std::vector<SearchDir> search_path_without_config(const GlobalOptions &options);

// Thread: main. Destroys instances before the registry's plugins are deinitialized.
class Session {
  public:
    // Loads the config file and finds the plugins it names. Throws offload::Error.
    explicit Session(const GlobalOptions &options);
    ~Session();

    Settings &settings() { return *m_settings; }
    Diagnostics &diagnostics() { return m_diagnostics; }
    PluginRegistry &registry() { return *m_registry; }

    // Create the instances from [discovery] and [provider] (once; later calls return the same).
    // framework(): the first (the only one but in a run of several frameworks).
    FrameworkInstance &framework();
    // One per Settings::suites entry, in its order.
    std::vector<FrameworkInstance *> frameworks();
    ProviderInstance &provider();
    // Creates both, so that the problems of both tables are reported before the command fails:
    // the framework's error is printed and the provider's thrown when both fail.
    void create_instances();

  private:
    Diagnostics m_diagnostics;
    std::unique_ptr<Settings> m_settings;
    HostEnvironment m_environment;
    std::unique_ptr<PluginRegistry> m_registry;
    std::vector<std::unique_ptr<offload_config>> m_discovery_configs; // per suite
    std::unique_ptr<offload_config> m_provider_config;
    std::vector<std::unique_ptr<FrameworkInstance>> m_frameworks;
    std::unique_ptr<ProviderInstance> m_provider;
};

} // namespace offload
