#include "plugin_host/plugin_config.hpp"

#include "config/toml_access.hpp"
#include "util/log.hpp"

#include <fmt/format.h>
#include <offload/sizes.h>

using offload::describe_key;
using offload::location_of;

offload_config::offload_config(const toml::table &table, std::string section, std::string file,
                               offload::Diagnostics &diagnostics)
    : m_table(table), m_section(std::move(section)), m_file(std::move(file)), m_diagnostics(diagnostics)
{
}

const toml::node *offload_config::find(const char *key) const
{
    if (!key) {
        offload::log::warning(fmt::format("a plugin asked for a NULL key in [{}]", m_section));
        return nullptr;
    }
    const auto path = offload::parse_key_path(key);
    if (!path) {
        offload::log::warning(
            fmt::format("a plugin asked for a malformed key in [{}]: {}", m_section, path.error()));
        return nullptr;
    }
    const toml::node *node = &m_table;
    std::lock_guard lock(m_mutex);
    if (!path->empty())
        if (const std::string *first = std::get_if<std::string>(&path->front());
            first && m_injected.contains(*first))
            node = &m_injected;
    for (const offload::PathSegment &segment : *path) {
        node = offload::find_node(*node, {segment});
        if (!node)
            return nullptr;
        m_read.insert(node);
    }
    return node;
}

offload_status offload_config::wrong_type(const char *key, const toml::node &node,
                                          std::string_view expected) const
{
    m_diagnostics.error(location_of(node, m_file),
                        fmt::format("{} must be {}, not {}", describe_key(m_section, key), expected,
                                    offload::type_description(node.type())));
    return OFFLOAD_WRONG_TYPE;
}

offload_value_type offload_config::type(const char *key) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_VALUE_NONE;
    switch (node->type()) {
    case toml::node_type::string: return OFFLOAD_VALUE_STRING;
    case toml::node_type::integer: return OFFLOAD_VALUE_INTEGER;
    case toml::node_type::floating_point: return OFFLOAD_VALUE_FLOAT;
    case toml::node_type::boolean: return OFFLOAD_VALUE_BOOLEAN;
    case toml::node_type::array: return OFFLOAD_VALUE_ARRAY;
    case toml::node_type::table: return OFFLOAD_VALUE_TABLE;
    default: return OFFLOAD_VALUE_OTHER;
    }
}

offload_status offload_config::get_string(const char *key, const offload_text_sink *value) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    const toml::value<std::string> *text = node->as_string();
    if (!text)
        return wrong_type(key, *node, "a string");
    if (value && OFFLOAD_SIZE_OK(value, offload_text_sink) && value->append)
        value->append(value->context, text->get().data(), text->get().size());
    return OFFLOAD_OK;
}

offload_status offload_config::get_integer(const char *key, int64_t *value) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    const toml::value<int64_t> *number = node->as_integer();
    if (!number)
        return wrong_type(key, *node, "an integer");
    if (value)
        *value = number->get();
    return OFFLOAD_OK;
}

offload_status offload_config::get_float(const char *key, double *value) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    double result = 0;
    if (const auto *integer = node->as_integer())
        result = double(integer->get());
    else if (const auto *floating = node->as_floating_point())
        result = floating->get();
    else
        return wrong_type(key, *node, "a number");
    if (value)
        *value = result;
    return OFFLOAD_OK;
}

offload_status offload_config::get_boolean(const char *key, int32_t *value) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    const toml::value<bool> *flag = node->as_boolean();
    if (!flag)
        return wrong_type(key, *node, "true or false");
    if (value)
        *value = flag->get() ? 1 : 0;
    return OFFLOAD_OK;
}

offload_status offload_config::get_size(const char *key, size_t *size) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    size_t result = 0;
    if (const toml::array *array = node->as_array()) {
        result = array->size();
    } else if (const toml::table *table = node->as_table()) {
        result = table->size();
        std::lock_guard lock(m_mutex);
        for (const auto &entry : *table)
            m_read.insert(&entry.second);
    } else {
        return wrong_type(key, *node, "an array or a table");
    }
    if (size)
        *size = result;
    return OFFLOAD_OK;
}

offload_status offload_config::get_key(const char *key, size_t index, const offload_text_sink *name) const
{
    const toml::node *node = find(key);
    if (!node)
        return OFFLOAD_NOT_FOUND;
    const toml::table *table = node->as_table();
    if (!table)
        return wrong_type(key, *node, "a table");
    if (index >= table->size())
        return OFFLOAD_NOT_FOUND;
    auto entry = std::next(table->begin(), std::ptrdiff_t(index));
    std::string_view entry_name = entry->first.str();
    if (name && OFFLOAD_SIZE_OK(name, offload_text_sink) && name->append)
        name->append(name->context, entry_name.data(), entry_name.size());
    return OFFLOAD_OK;
}

void offload_config::report(const char *key, offload_log_level level, const char *message) const
{
    const toml::node *node = key ? find(key) : nullptr;
    offload::Location where = location_of(node ? *node : static_cast<const toml::node &>(m_table), m_file);
    std::string text = fmt::format("{}: {}", describe_key(m_section, key ? key : ""), message ? message : "");
    if (level >= OFFLOAD_LOG_ERROR)
        m_diagnostics.error(where, text);
    else if (level == OFFLOAD_LOG_WARNING)
        m_diagnostics.warning(where, text);
    else
        offload::log::info(where.to_string() + ": " + text);
}

void offload_config::inject(const std::string &key, const std::string &value)
{
    std::lock_guard lock(m_mutex);
    m_injected.insert_or_assign(key, value);
}

namespace {

// Keys of a plugin's table that the host itself reads (config/settings.cpp).
bool is_host_key(const std::string &section, std::string_view key)
{
    const bool discovery = section == "discovery" || section.rfind("discovery.", 0) == 0;
    return discovery && key == "keep_files_together";
}

} // namespace

void offload_config::warn_unread_keys(const std::string &plugin_description) const
{
    std::lock_guard lock(m_mutex);
    for (const auto &[key, node] : m_table) {
        if (key.str() == "type" || m_read.count(&node) || is_host_key(m_section, key.str()))
            continue;
        m_diagnostics.warning(location_of(key, m_file),
                              fmt::format("unknown key {} ({} does not read it; it is ignored)",
                                          describe_key(m_section, key.str()), plugin_description));
    }
}
