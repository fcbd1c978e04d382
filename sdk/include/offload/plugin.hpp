// offload plugin SDK — optional C++ conveniences over the C ABI, for plugins written in C++17 or
// later. Header only, standard library only. Nothing here crosses the boundary: these are
// adapters that live entirely inside the plugin.
//
// With OFFLOAD_PLUGIN (at the end) a plugin is its logic only: its functions, its interface
// tables (designated initializers) and one line naming them:
//
//     const offload_provider_v1 provider_interface = {
//         .struct_size = sizeof(offload_provider_v1),
//         .create = create,
//         ...
//     };
//     constexpr offload::sdk::PluginInfo plugin_info{
//         .id = "my-cloud", .version = "1.0.0", .description = "sandboxes on my cloud",
//     };
//     OFFLOAD_PLUGIN(plugin_info, provider_interface)
#pragma once

#include "offload.h"

#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace offload::sdk {

// An offload_text_sink that appends into a std::string owned by the caller.
class StringSink {
  public:
    explicit StringSink(std::string &target) : m_sink{sizeof(offload_text_sink), &target, &append} {}
    const offload_text_sink *get() const { return &m_sink; }
    operator const offload_text_sink *() const { return &m_sink; }

  private:
    static void append(void *context, const char *data, size_t length)
    {
        static_cast<std::string *>(context)->append(data, length);
    }
    offload_text_sink m_sink;
};

inline void append_text(const offload_text_sink *sink, std::string_view text)
{
    if (sink && sink->append)
        sink->append(sink->context, text.data(), text.size());
}

// Runs body and turns any escaping exception into OFFLOAD_ERROR with its message in error, so
// that no exception crosses the ABI. Wrap every function a plugin exports with it.
template <typename Body> offload_status guarded(const offload_text_sink *error, Body &&body) noexcept
{
    try {
        return body();
    } catch (const std::exception &e) {
        append_text(error, e.what());
    } catch (...) {
        append_text(error, "unknown C++ exception");
    }
    return OFFLOAD_ERROR;
}

// Thrown by Config when a value was present but unusable; the host has already told the user.
struct ConfigError : std::exception {
    const char *what() const noexcept override { return "invalid configuration (see above)"; }
};

// Typed access to the plugin's config table. Every getter returns nullopt when the key is
// absent and throws ConfigError when it has the wrong type (the host reports the location).
class Config {
  public:
    Config(const offload_host *host, const offload_config *config) : m_host(host), m_config(config) {}

    offload_value_type type(const std::string &key) const
    {
        return m_host->config_type(m_host, m_config, key.c_str());
    }
    bool has(const std::string &key) const { return type(key) != OFFLOAD_VALUE_NONE; }

    std::optional<std::string> string(const std::string &key) const
    {
        std::string value;
        StringSink sink(value);
        if (!check(m_host->config_get_string(m_host, m_config, key.c_str(), sink)))
            return std::nullopt;
        return value;
    }
    std::optional<int64_t> integer(const std::string &key) const
    {
        int64_t value = 0;
        if (!check(m_host->config_get_integer(m_host, m_config, key.c_str(), &value)))
            return std::nullopt;
        return value;
    }
    std::optional<double> number(const std::string &key) const
    {
        double value = 0;
        if (!check(m_host->config_get_float(m_host, m_config, key.c_str(), &value)))
            return std::nullopt;
        return value;
    }
    std::optional<bool> boolean(const std::string &key) const
    {
        int32_t value = 0;
        if (!check(m_host->config_get_boolean(m_host, m_config, key.c_str(), &value)))
            return std::nullopt;
        return value != 0;
    }
    // An array of strings; a single string is accepted as a one-element list.
    std::optional<std::vector<std::string>> string_list(const std::string &key) const
    {
        if (type(key) == OFFLOAD_VALUE_STRING)
            return std::vector<std::string>{*string(key)};
        size_t size = 0;
        if (!check(m_host->config_get_size(m_host, m_config, key.c_str(), &size)))
            return std::nullopt;
        if (type(key) != OFFLOAD_VALUE_ARRAY) {
            report(key, "must be a string or an array of strings");
            throw ConfigError();
        }
        std::vector<std::string> values;
        for (size_t i = 0; i < size; ++i)
            values.push_back(*string(key + "[" + std::to_string(i) + "]"));
        return values;
    }
    // A table of strings, as (name, value) pairs sorted by name (as host->config_get_key gives
    // them; TOML tables keep no order).
    std::optional<std::vector<std::pair<std::string, std::string>>> string_table(const std::string &key) const
    {
        if (!has(key))
            return std::nullopt;
        if (type(key) != OFFLOAD_VALUE_TABLE) {
            report(key, "must be a table of strings, e.g. { NAME = \"value\" }");
            throw ConfigError();
        }
        size_t size = 0;
        check(m_host->config_get_size(m_host, m_config, key.c_str(), &size));
        std::vector<std::pair<std::string, std::string>> entries;
        for (size_t i = 0; i < size; ++i) {
            std::string name;
            StringSink sink(name);
            check(m_host->config_get_key(m_host, m_config, key.c_str(), i, sink));
            entries.emplace_back(name, *string(key + "." + quote_key(name)));
        }
        return entries;
    }
    // Tells the user what is wrong with the value at key (with its location) and fails.
    [[noreturn]] void fail(const std::string &key, const std::string &message) const
    {
        report(key, message);
        throw ConfigError();
    }
    void report(const std::string &key, const std::string &message,
                offload_log_level level = OFFLOAD_LOG_ERROR) const
    {
        m_host->config_report(m_host, m_config, key.c_str(), level, message.c_str());
    }

    // A key segment quoted for a config path: "a.b" -> "\"a.b\"", escaping " and \\.
    static std::string quote_key(const std::string &segment)
    {
        std::string quoted = "\"";
        for (char c : segment) {
            if (c == '"' || c == '\\')
                quoted += '\\';
            quoted += c;
        }
        return quoted + "\"";
    }

  private:
    static bool check(offload_status status)
    {
        if (status == OFFLOAD_OK)
            return true;
        if (status == OFFLOAD_NOT_FOUND)
            return false;
        throw ConfigError();
    }
    const offload_host *m_host;
    const offload_config *m_config;
};

// host->shell_quote into a std::string.
inline std::string shell_quote(const offload_host *host, const std::string &word)
{
    std::string quoted;
    StringSink sink(quoted);
    host->shell_quote(host, word.c_str(), sink);
    return quoted;
}

inline void log(const offload_host *host, offload_log_level level, const std::string &message)
{
    host->log(host, level, message.c_str());
}

// --- Interfaces and extensions, by type -------------------------------------------------------

// The id and minimum size (sizes.h) of each interface table type, and which side offers it: a
// plugin from get_interface, the host from get_extension. No definition for other types.
template <typename Table> struct Interface;
#define OFFLOAD_SDK_INTERFACE(TYPE, ID, OFFERED_BY_PLUGIN)                                                   \
    template <> struct Interface<TYPE> {                                                                     \
        static constexpr const char *id = ID;                                                                \
        static constexpr size_t min_size = OFFLOAD_MIN_SIZE(TYPE);                                           \
        static constexpr bool offered_by_plugin = OFFERED_BY_PLUGIN;                                         \
    }
OFFLOAD_SDK_INTERFACE(offload_framework_v1, OFFLOAD_FRAMEWORK_INTERFACE_V1, true);
OFFLOAD_SDK_INTERFACE(offload_provider_v1, OFFLOAD_PROVIDER_INTERFACE_V1, true);
OFFLOAD_SDK_INTERFACE(offload_provider_exec_v2, OFFLOAD_PROVIDER_EXEC_V2, true);
OFFLOAD_SDK_INTERFACE(offload_framework_live_v1, OFFLOAD_FRAMEWORK_LIVE_V1, true);
OFFLOAD_SDK_INTERFACE(offload_framework_discovery_inputs_v1, OFFLOAD_FRAMEWORK_DISCOVERY_INPUTS_V1, true);
OFFLOAD_SDK_INTERFACE(offload_framework_filters_v1, OFFLOAD_FRAMEWORK_FILTERS_V1, true);
OFFLOAD_SDK_INTERFACE(offload_host_process_v2, OFFLOAD_HOST_PROCESS_V2, false);
#undef OFFLOAD_SDK_INTERFACE

// The host's extension Extension (e.g. offload_host_process_v2), or nullptr when this host does
// not offer it: hosts before ABI 1.2 have no get_extension, and a table smaller than the
// extension's first version is not used. [thread-safe]
template <typename Extension> const Extension *host_extension(const offload_host *host) noexcept
{
    static_assert(!Interface<Extension>::offered_by_plugin, "not a host extension");
    if (!host || !OFFLOAD_HAS_FIELD(host, offload_host, get_extension) || !host->get_extension)
        return nullptr;
    const auto *table = static_cast<const Extension *>(host->get_extension(host, Interface<Extension>::id));
    return table && table->struct_size >= Interface<Extension>::min_size ? table : nullptr;
}

// host->project_dir, or nullptr from a host too old to have it. [thread-safe]
inline const char *host_project_dir(const offload_host *host) noexcept
{
    return host && OFFLOAD_HAS_FIELD(host, offload_host, project_dir) ? host->project_dir : nullptr;
}

// --- The glue: descriptor, get_interface and entry symbol -------------------------------------

// What the descriptor says about the plugin. Declare it constexpr.
struct PluginInfo {
    const char *id;          // what users write in `type = "..."`: [a-z0-9_-]+
    const char *version;     // the plugin's own version
    const char *description; // one line
    offload_status (*init)(const offload_host *host, const offload_text_sink *error) = nullptr;
    void (*deinit)() = nullptr;
};

namespace detail {
template <const auto &Table> using TableType = std::remove_cv_t<std::remove_reference_t<decltype(Table)>>;

template <typename First, typename... Rest> constexpr bool distinct_types()
{
    if constexpr (sizeof...(Rest) == 0)
        return true;
    else
        return (!std::is_same_v<First, Rest> && ...) && distinct_types<Rest...>();
}
} // namespace detail

// get_interface answering each of Tables (namespace-scope objects of interface types) under
// its type's id, and NULL for any other id. [main-thread]
template <const auto &...Tables> const void *get_interface(const char *id) noexcept
{
    static_assert(detail::distinct_types<detail::TableType<Tables>...>(), "one table per interface type");
    static_assert((Interface<detail::TableType<Tables>>::offered_by_plugin && ...),
                  "a host extension, not a plugin's");
    const void *found = nullptr;
    if (id)
        (void)((std::strcmp(id, Interface<detail::TableType<Tables>>::id) == 0 ? (found = &Tables, true)
                                                                               : false) ||
               ...);
    return found;
}

// The descriptor of a plugin: Info's facts, this SDK's ABI version, get_interface<Tables...>.
template <const PluginInfo &Info, const auto &...Tables> constexpr offload_plugin_descriptor make_descriptor()
{
    offload_plugin_descriptor descriptor{};
    descriptor.struct_size = sizeof(offload_plugin_descriptor);
    descriptor.abi_major = OFFLOAD_ABI_MAJOR;
    descriptor.abi_minor = OFFLOAD_ABI_MINOR;
    descriptor.id = Info.id;
    descriptor.version = Info.version;
    descriptor.description = Info.description;
    descriptor.init = Info.init;
    descriptor.deinit = Info.deinit;
    descriptor.get_interface = &get_interface<Tables...>;
    return descriptor;
}
template <const PluginInfo &Info, const auto &...Tables>
inline constexpr offload_plugin_descriptor plugin_descriptor = make_descriptor<Info, Tables...>();

} // namespace offload::sdk

// Defines the entry symbol of a plugin described by INFO (a constexpr offload::sdk::PluginInfo)
// whose interfaces are the tables named after it (offload_provider_v1, offload_framework_v1,
// offload_provider_exec_v2, ... objects at namespace scope). Use once per plugin, at global scope.
#define OFFLOAD_PLUGIN(INFO, ...)                                                                            \
    OFFLOAD_DEFINE_PLUGIN((::offload::sdk::plugin_descriptor<INFO, __VA_ARGS__>))
