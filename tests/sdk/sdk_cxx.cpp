// The SDK's headers, C and C++ helper alike, compile alone as C++ with -pedantic-errors, the C
// structs have the same layout seen from C++, and plugin.hpp's glue answers what it was given.
#include <offload/offload.h>
#include <offload/plugin.hpp>

#include <cstring>
#include <string>

namespace {

uint32_t capabilities(const offload_framework_instance *)
{
    return OFFLOAD_LIVE_EVENTS;
}

const offload_framework_v1 framework_table = {
    .struct_size = sizeof(offload_framework_v1),
    .create = nullptr,
    .destroy = nullptr,
    .config_template = nullptr,
    .max_batch_size = nullptr,
    .discover_command = nullptr,
    .parse_discovery = nullptr,
    .batch_command = nullptr,
    .parse_results = nullptr,
};
const offload_framework_live_v1 live_table = {
    .struct_size = sizeof(offload_framework_live_v1),
    .capabilities = capabilities,
    .worker_command = nullptr,
};

constexpr offload::sdk::PluginInfo plugin_info{
    .id = "sdk-test",
    .version = "0.0.1",
    .description = "the glue of plugin.hpp",
};

const offload_host_process_v2 process_table = {.struct_size = sizeof(offload_host_process_v2),
                                               .run_process = nullptr};

const void *get_extension(const offload_host *, const char *id)
{
    return std::strcmp(id, OFFLOAD_HOST_PROCESS_V2) == 0 ? &process_table : nullptr;
}

// What the glue gives: 0 when every check passes.
int check_glue(const offload_plugin_descriptor &descriptor)
{
    if (descriptor.struct_size != sizeof(offload_plugin_descriptor) ||
        descriptor.abi_major != OFFLOAD_ABI_MAJOR || descriptor.abi_minor != OFFLOAD_ABI_MINOR ||
        std::strcmp(descriptor.id, "sdk-test") != 0 || descriptor.init != nullptr ||
        descriptor.deinit != nullptr)
        return 10;
    if (descriptor.get_interface(OFFLOAD_FRAMEWORK_INTERFACE_V1) != &framework_table ||
        descriptor.get_interface(OFFLOAD_FRAMEWORK_LIVE_V1) != &live_table ||
        descriptor.get_interface(OFFLOAD_PROVIDER_INTERFACE_V1) != nullptr ||
        descriptor.get_interface("offload.framework.live/2") != nullptr ||
        descriptor.get_interface(nullptr) != nullptr)
        return 11;

    // A host of ABI 1.0 ends before project_dir and get_extension: the helpers never read past
    // its struct_size (the fields are set here only to see that they are not read).
    offload_host host{};
    host.struct_size = static_cast<uint32_t>(OFFLOAD_MIN_SIZE(offload_host));
    host.project_dir = "/project";
    host.get_extension = get_extension;
    if (offload::sdk::host_extension<offload_host_process_v2>(&host) != nullptr ||
        offload::sdk::host_project_dir(&host) != nullptr)
        return 12;
    host.struct_size = sizeof host;
    if (offload::sdk::host_extension<offload_host_process_v2>(&host) != &process_table ||
        std::strcmp(offload::sdk::host_project_dir(&host), "/project") != 0)
        return 13;
    return 0;
}

} // namespace

OFFLOAD_PLUGIN(plugin_info, framework_table, live_table)

int main()
{
    std::string text;
    offload::sdk::StringSink sink(text);
    offload_text_printf(sink, "%s-%d", "abi", OFFLOAD_ABI_MAJOR);
    if (text != "abi-1")
        return 1;
    static_assert(offsetof(offload_plugin_descriptor, struct_size) == 0);
    static_assert(sizeof(offload_status) == 4);
    if (std::strcmp(OFFLOAD_PLUGIN_ENTRY_SYMBOL, "offload_plugin_entry_v1") != 0)
        return 2;
    return check_glue(*offload_plugin_entry_v1());
}
