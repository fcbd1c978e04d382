// offload plugin SDK — optional C++ conveniences over the C ABI, for plugins written in C++17 or
// later. Header only, standard library only. Nothing here crosses the boundary: these are
// adapters that live entirely inside the plugin.
#pragma once

#include "offload.h"

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
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
template <typename Body>
offload_status guarded(const offload_text_sink *error, Body &&body) noexcept
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

} // namespace offload::sdk
