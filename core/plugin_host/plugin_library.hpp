// Loading one plugin file: open it with Boost.DLL, check its ABI and descriptor, initialize it,
// and fetch its interfaces. A bad plugin is refused with a reason, never a crash of the host.
#pragma once

#include "plugin_host/host_services.hpp"

#include <offload/framework.h>
#include <offload/framework_discovery.h>
#include <offload/framework_live.h>
#include <offload/plugin.h>
#include <offload/provider.h>
#include <offload/provider_exec.h>
#include <offload/sizes.h>

#include <filesystem>
#include <string>
#include <variant>

namespace offload {

// A loaded, initialized plugin. The library stays loaded until the process exits, and the
// pointers here stay valid that long.
struct Plugin {
    std::filesystem::path path;
    std::string origin; // which search directory it came from
    std::string id;
    std::string version;
    std::string description;
    uint32_t abi_major = 0;
    uint32_t abi_minor = 0;
    const offload_framework_v1 *framework = nullptr; // NULL when not a framework
    const offload_provider_v1 *provider = nullptr;   // NULL when not a provider
    // Extensions (ABI 1.2), checked like the interfaces they extend; NULL when the plugin does not
    // offer them, always NULL without the interface they extend.
    const offload_provider_exec_v2 *provider_exec = nullptr;   // offload.provider.exec/2
    const offload_framework_live_v1 *framework_live = nullptr; // offload.framework.live/1
    // offload.framework.discovery_inputs/1
    const offload_framework_discovery_inputs_v1 *framework_discovery = nullptr;
    // offload.framework.filters/1 (ABI 1.3)
    const offload_framework_filters_v1 *framework_filters = nullptr;
    const HostServices *services = nullptr;

    // "framework", "provider" or "framework, provider".
    std::string kinds() const;
};

struct RefusedPlugin {
    std::filesystem::path path;
    std::string origin;
    std::string reason; // one line: why it cannot be used and what to do
};

// Loads the shared library at path (absolute). Thread: main.
std::variant<Plugin, RefusedPlugin> load_plugin(const std::filesystem::path &path, const std::string &origin,
                                                const HostEnvironment &environment);

// Calls deinit() of every plugin loaded so far, once, in reverse order of loading. The libraries
// stay mapped. Call after every plugin instance has been destroyed.
void deinit_plugins();

} // namespace offload
