// Small text helpers shared by the cargo framework's readers.
#pragma once

#include <deque>
#include <string>
#include <string_view>

namespace offload::cargo {

// Calls on_line(line) for each line of text, without its "\n" or "\r\n"; a last line without a
// newline counts too.
template <typename OnLine>
void for_each_line(std::string_view text, OnLine &&on_line)
{
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        on_line(line);
        start = end + 1;
    }
}

inline std::string_view trim(std::string_view text)
{
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos)
        return {};
    return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

// The last `limit` lines added, for the tail of an output in an error message.
class LastLines {
public:
    explicit LastLines(size_t limit) : m_limit(limit) {}
    void add(std::string_view line)
    {
        m_lines.emplace_back(line.substr(0, 2000));
        if (m_lines.size() > m_limit)
            m_lines.pop_front();
    }
    void clear() { m_lines.clear(); }
    // The lines joined with "\n"; leading and trailing blank lines dropped.
    std::string text() const
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

private:
    size_t m_limit;
    std::deque<std::string> m_lines;
};

} // namespace offload::cargo
