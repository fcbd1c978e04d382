#include "common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace offload::common {

std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
    return lines;
}

std::string_view trim(std::string_view text)
{
    const size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos)
        return {};
    return text.substr(start, text.find_last_not_of(" \t\r\n") - start + 1);
}

std::string join(const std::vector<std::string> &values, std::string_view separator)
{
    std::string text;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0)
            text += separator;
        text += values[i];
    }
    return text;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to)
{
    if (from.empty())
        return text;
    size_t at = 0;
    while ((at = text.find(from, at)) != std::string::npos) {
        text.replace(at, from.size(), to);
        at += to.size();
    }
    return text;
}

void LastLines::add(std::string_view line)
{
    m_lines.emplace_back(line.substr(0, 2000));
    if (m_lines.size() > m_limit)
        m_lines.pop_front();
}

std::string LastLines::text() const
{
    size_t first = 0, last = m_lines.size();
    while (first < last && trim(m_lines[first]).empty())
        ++first;
    while (last > first && trim(m_lines[last - 1]).empty())
        --last;
    std::string joined;
    for (size_t i = first; i < last; ++i)
        joined += m_lines[i] + (i + 1 < last ? "\n" : "");
    return joined;
}

std::string last_lines(std::string_view text, size_t count)
{
    LastLines tail(count);
    for_each_line(text, [&](std::string_view line) { tail.add(line); });
    return tail.text();
}

size_t edit_distance(std::string_view a, std::string_view b, size_t limit)
{
    a = a.substr(0, limit);
    b = b.substr(0, limit);
    std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            current[j] =
                std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] != b[j - 1])});
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::string toml_float(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value < 0 ? "-inf" : "inf";
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
    std::string text(buffer, error == std::errc() ? end : buffer);
    if (text.find_first_of(".e") == std::string::npos)
        text += ".0";
    return text;
}

} // namespace offload::common
