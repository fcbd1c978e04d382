#include "config/diagnostics.hpp"

#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

namespace offload {

std::string Location::to_string() const
{
    if (line == 0)
        return file;
    return fmt::format("{}:{}:{}", file, line, column);
}

void Diagnostics::error(const Location &where, std::string_view message)
{
    std::string line = fmt::format("{}: error: {}", where.to_string(), message);
    if (m_print)
        log::print_error_line(line);
    std::lock_guard lock(m_mutex);
    ++m_errors;
    m_messages.push_back(std::move(line));
}

void Diagnostics::warning(const Location &where, std::string_view message)
{
    std::string line = fmt::format("{}: warning: {}", where.to_string(), message);
    if (m_print)
        log::print_error_line(line);
    std::lock_guard lock(m_mutex);
    m_messages.push_back(std::move(line));
}

std::vector<std::string> Diagnostics::messages() const
{
    std::lock_guard lock(m_mutex);
    return m_messages;
}

size_t Diagnostics::error_count() const
{
    std::lock_guard lock(m_mutex);
    return m_errors;
}

void Diagnostics::throw_if_errors(std::string_view file) const
{
    size_t errors = error_count();
    if (errors > 0)
        throw Error(fmt::format("{} has {} error{} (see above)", file, errors, errors == 1 ? "" : "s"));
}

} // namespace offload
