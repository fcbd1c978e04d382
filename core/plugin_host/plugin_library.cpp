#include "plugin_host/plugin_library.hpp"

#include "offload_build.hpp"

#include "plugin_host/process_service.hpp"
#include "util/expected.hpp"

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>
#include <fmt/format.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <vector>

namespace offload {

namespace {

// Loaded libraries and their services tables are never freed: code and data of a plugin may be
// referenced until exit, and unloading while anything from a library lives is undefined.
struct Loaded {
    boost::dll::shared_library library;
    std::unique_ptr<HostServices> services;
    const offload_plugin_descriptor *descriptor; // NULL once deinit is no longer owed
};
std::vector<Loaded> &loaded_libraries()
{
    static auto *libraries = new std::vector<Loaded>();
    return *libraries;
}

bool valid_id(const char *id)
{
    if (!id || !*id)
        return false;
    size_t length = 0;
    for (const char *c = id; *c; ++c, ++length) {
        bool ok = std::islower(static_cast<unsigned char>(*c)) ||
                  std::isdigit(static_cast<unsigned char>(*c)) || *c == '-' || *c == '_';
        if (!ok || length > 64)
            return false;
    }
    return true;
}

// A string from the descriptor, bounded so that a garbage pointer to a huge string cannot flood
// the terminal.
std::string bounded(const char *text, size_t max = 200)
{
    if (!text)
        return {};
    std::string value;
    for (size_t i = 0; text[i] && i < max; ++i)
        value += text[i];
    return value;
}

std::string text_of(const std::string &collected)
{
    return collected.empty() ? "no reason given" : collected;
}

void append_to_string(void *context, const char *data, size_t length)
{
    if (data)
        static_cast<std::string *>(context)->append(data, std::min<size_t>(length, 4096));
}

const char *missing_framework_function(const offload_framework_v1 &f)
{
    if (!f.create)
        return "create";
    if (!f.destroy)
        return "destroy";
    if (!f.discover_command)
        return "discover_command";
    if (!f.parse_discovery)
        return "parse_discovery";
    if (!f.batch_command)
        return "batch_command";
    if (!f.parse_results)
        return "parse_results";
    return nullptr;
}

const char *missing_provider_function(const offload_provider_v1 &p)
{
    if (!p.create)
        return "create";
    if (!p.destroy)
        return "destroy";
    if (!p.create_sandbox)
        return "create_sandbox";
    if (!p.exec)
        return "exec";
    if (!p.destroy_sandbox)
        return "destroy_sandbox";
    return nullptr;
}

const char *missing_provider_exec_function(const offload_provider_exec_v2 &p)
{
    return p.exec ? nullptr : "exec";
}

const char *missing_framework_live_function(const offload_framework_live_v1 &f)
{
    return f.capabilities ? nullptr : "capabilities";
}

const char *missing_framework_discovery_function(const offload_framework_discovery_inputs_v1 &f)
{
    return f.inputs ? nullptr : "inputs";
}

const char *missing_framework_filters_function(const offload_framework_filters_v1 &f)
{
    return f.discover_command ? nullptr : "discover_command";
}

// Asks the plugin for the interface with that id and checks it: at least as large as the first
// version of Table (OFFLOAD_MIN_SIZE), every required function present. NULL when the plugin does
// not implement it; an error when what it returned cannot be used.
template <typename Table>
Expected<const Table *> interface_of(const offload_plugin_descriptor &descriptor, const char *id,
                                     size_t min_size, const char *(*missing_function)(const Table &))
{
    const auto *table = static_cast<const Table *>(descriptor.get_interface(id));
    if (!table)
        return nullptr;
    if (table->struct_size < min_size)
        return failure(
            fmt::format("its {} interface is {} bytes, smaller than the {} bytes of its first version", id,
                        table->struct_size, min_size));
    if (const char *function = missing_function(*table))
        return failure(fmt::format("its {} interface has no {} function", id, function));
    return table;
}

} // namespace

std::string Plugin::kinds() const
{
    if (framework && provider)
        return "framework, provider";
    return framework ? "framework" : "provider";
}

std::variant<Plugin, RefusedPlugin> load_plugin(const std::filesystem::path &path, const std::string &origin,
                                                const HostEnvironment &environment)
{
    auto refuse = [&](std::string reason) { return RefusedPlugin{path, origin, std::move(reason)}; };
    // The host extensions a plugin may ask for from its init().
    offer_process_extension();

    boost::dll::shared_library library;
    try {
        library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
    } catch (const std::exception &e) {
        // dlerror's text names the problem: "undefined symbol: foo", "wrong ELF class", ...
        return refuse(fmt::format("cannot be loaded: {}", e.what()));
    }

    if (!library.has(OFFLOAD_PLUGIN_ENTRY_SYMBOL)) {
        for (int major = 0; major <= 16; ++major) {
            std::string other = fmt::format("offload_plugin_entry_v{}", major);
            if (major != OFFLOAD_ABI_MAJOR && library.has(other))
                return refuse(
                    fmt::format("built for plugin ABI {} (exports {}), but this offload loads ABI {}; "
                                "rebuild it against the offload {} SDK",
                                major, other, OFFLOAD_ABI_MAJOR, OFFLOAD_VERSION));
        }
        return refuse(
            fmt::format("not an offload plugin: it does not export {}", OFFLOAD_PLUGIN_ENTRY_SYMBOL));
    }

    auto entry = library.get<const offload_plugin_descriptor *()>(OFFLOAD_PLUGIN_ENTRY_SYMBOL);
    const offload_plugin_descriptor *descriptor = entry();
    if (!descriptor)
        return refuse(fmt::format("{} returned NULL instead of a descriptor", OFFLOAD_PLUGIN_ENTRY_SYMBOL));
    if (!OFFLOAD_SIZE_OK(descriptor, offload_plugin_descriptor))
        return refuse(fmt::format("its descriptor is {} bytes, smaller than the {} bytes of ABI {}.0",
                                  descriptor->struct_size, OFFLOAD_MIN_SIZE(offload_plugin_descriptor),
                                  OFFLOAD_ABI_MAJOR));
    if (descriptor->abi_major != OFFLOAD_ABI_MAJOR)
        return refuse(fmt::format("its descriptor says plugin ABI {}, but this offload loads ABI {}",
                                  descriptor->abi_major, OFFLOAD_ABI_MAJOR));
    if (!valid_id(descriptor->id))
        return refuse(
            fmt::format("its id \"{}\" is not a lowercase name of [a-z0-9_-] (at most 64 characters)",
                        bounded(descriptor->id)));
    if (!descriptor->get_interface)
        return refuse("its descriptor has no get_interface function");

    Plugin plugin;
    plugin.path = path;
    plugin.origin = origin;
    plugin.id = descriptor->id;
    plugin.version = bounded(descriptor->version);
    plugin.description = bounded(descriptor->description);
    plugin.abi_major = descriptor->abi_major;
    plugin.abi_minor = descriptor->abi_minor;

    auto services = std::make_unique<HostServices>(plugin.id, environment);
    if (descriptor->init) {
        std::string reason;
        offload_text_sink error{sizeof(offload_text_sink), &reason, append_to_string};
        if (descriptor->init(services->table(), &error) != OFFLOAD_OK) {
            // Whatever init left behind may still point into the library: keep it mapped.
            loaded_libraries().push_back(Loaded{std::move(library), std::move(services), nullptr});
            return refuse(fmt::format("init failed: {}", text_of(reason)));
        }
    }

    // The first problem found, in the order the interfaces are asked for, is the reason given.
    std::string problem;
    const auto usable = [&problem](auto checked) {
        if (!checked && problem.empty())
            problem = checked.error();
        return checked.value_or(nullptr);
    };
    auto framework = usable(interface_of(*descriptor, OFFLOAD_FRAMEWORK_INTERFACE_V1,
                                         OFFLOAD_MIN_SIZE(offload_framework_v1), missing_framework_function));
    auto provider = usable(interface_of(*descriptor, OFFLOAD_PROVIDER_INTERFACE_V1,
                                        OFFLOAD_MIN_SIZE(offload_provider_v1), missing_provider_function));
    // Extensions: interfaces of their own, so that a plugin built before them answers NULL.
    auto provider_exec =
        usable(interface_of(*descriptor, OFFLOAD_PROVIDER_EXEC_V2, OFFLOAD_MIN_SIZE(offload_provider_exec_v2),
                            missing_provider_exec_function));
    auto framework_live =
        usable(interface_of(*descriptor, OFFLOAD_FRAMEWORK_LIVE_V1,
                            OFFLOAD_MIN_SIZE(offload_framework_live_v1), missing_framework_live_function));
    auto framework_discovery = usable(interface_of(*descriptor, OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1,
                                                   OFFLOAD_MIN_SIZE(offload_framework_discovery_inputs_v1),
                                                   missing_framework_discovery_function));
    auto framework_filters = usable(interface_of(*descriptor, OFFLOAD_FRAMEWORK_FILTERS_V1,
                                                 OFFLOAD_MIN_SIZE(offload_framework_filters_v1),
                                                 missing_framework_filters_function));
    if (problem.empty() && provider_exec && !provider)
        problem =
            fmt::format("it provides {}, an extension of {}, but not {} itself", OFFLOAD_PROVIDER_EXEC_V2,
                        OFFLOAD_PROVIDER_INTERFACE_V1, OFFLOAD_PROVIDER_INTERFACE_V1);
    for (const auto &[present, id] :
         {std::pair{framework_live != nullptr, OFFLOAD_FRAMEWORK_LIVE_V1},
          std::pair{framework_discovery != nullptr, OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1},
          std::pair{framework_filters != nullptr, OFFLOAD_FRAMEWORK_FILTERS_V1}})
        if (problem.empty() && present && !framework)
            problem = fmt::format("it provides {}, an extension of {}, but not {} itself", id,
                                  OFFLOAD_FRAMEWORK_INTERFACE_V1, OFFLOAD_FRAMEWORK_INTERFACE_V1);
    if (problem.empty() && !framework && !provider)
        problem = fmt::format("it provides neither {} nor {}", OFFLOAD_FRAMEWORK_INTERFACE_V1,
                              OFFLOAD_PROVIDER_INTERFACE_V1);
    if (!problem.empty()) {
        if (descriptor->deinit)
            descriptor->deinit();
        loaded_libraries().push_back(Loaded{std::move(library), std::move(services), nullptr});
        return refuse(problem);
    }

    plugin.framework = framework;
    plugin.provider = provider;
    plugin.provider_exec = provider_exec;
    plugin.framework_live = framework_live;
    plugin.framework_discovery = framework_discovery;
    plugin.framework_filters = framework_filters;
    plugin.services = services.get();
    loaded_libraries().push_back(Loaded{std::move(library), std::move(services), descriptor});
    return plugin;
}

void deinit_plugins()
{
    static std::once_flag once;
    std::call_once(once, [] {
        auto &libraries = loaded_libraries();
        for (auto it = libraries.rbegin(); it != libraries.rend(); ++it)
            if (it->descriptor && it->descriptor->deinit)
                it->descriptor->deinit();
    });
}

} // namespace offload
