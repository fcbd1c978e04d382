#include "plugin_host/host_extensions.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace offload {

namespace {

// `name/rev`: a dotted name of [a-z0-9_-] segments, a slash, a revision number from 1 up.
bool valid_extension_id(std::string_view id)
{
    size_t slash = id.rfind('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == id.size() || id[slash + 1] == '0')
        return false;
    std::string_view name = id.substr(0, slash), rev = id.substr(slash + 1);
    for (char c : rev)
        if (c < '0' || c > '9')
            return false;
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    return true;
}

} // namespace

void HostExtensions::add(std::string_view id, const void *table)
{
    if (!table)
        throw std::invalid_argument(fmt::format("host extension {}: the table is NULL", id));
    if (!valid_extension_id(id))
        throw std::invalid_argument(
            fmt::format("host extension \"{}\": an id reads offload.<area>.<name>/<rev>, rev from 1", id));
    std::lock_guard lock(m_mutex);
    if (!m_tables.emplace(std::string(id), table).second)
        throw std::invalid_argument(fmt::format("host extension {} is registered twice", id));
}

const void *HostExtensions::find(std::string_view id) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_tables.find(id);
    return it == m_tables.end() ? nullptr : it->second;
}

HostExtensions &host_extensions()
{
    static auto *extensions = new HostExtensions(); // never destroyed: plugins may ask until exit
    return *extensions;
}

void register_host_extension(std::string_view id, const void *table)
{
    host_extensions().add(id, table);
}

const void *host_get_extension(const offload_host *, const char *extension_id)
{
    return extension_id ? host_extensions().find(extension_id) : nullptr;
}

} // namespace offload
