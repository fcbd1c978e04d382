// Text helpers the shipped plugins share: lines, trimming, the tail of an output for a message,
// placeholders, "did you mean". Not part of the ABI: a static library linked into the plugins that
// need it (plugins/meson.build); a third-party plugin copies what it wants.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace offload::common {

// Calls on_line(line) for each line of text, without its "\n" or "\r\n"; a last line without a
// newline counts too.
template <typename OnLine> void for_each_line(std::string_view text, OnLine &&on_line)
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

// The lines of text, as for_each_line() sees them.
std::vector<std::string_view> split_lines(std::string_view text);

// text without leading and trailing spaces, tabs, CRs and LFs.
std::string_view trim(std::string_view text);

// values joined with separator between them.
std::string join(const std::vector<std::string> &values, std::string_view separator);

// text with every occurrence of from replaced by to, left to right; what to brings in is not
// searched again.
std::string replace_all(std::string text, std::string_view from, std::string_view to);

// The last `limit` lines added, for the tail of an output in an error message. Lines are cut at
// 2000 bytes.
class LastLines {
  public:
    explicit LastLines(size_t limit) : m_limit(limit) {}
    void add(std::string_view line);
    void clear() { m_lines.clear(); }
    // The lines joined with "\n"; leading and trailing blank lines dropped.
    std::string text() const;

  private:
    size_t m_limit;
    std::deque<std::string> m_lines;
};

// The last `count` lines of text, as LastLines keeps them.
std::string last_lines(std::string_view text, size_t count);

// The Levenshtein distance between the first `limit` bytes of a and of b (the bound keeps it
// cheap on absurd input).
size_t edit_distance(std::string_view a, std::string_view b, size_t limit = 300);

// A float as TOML writes it: the shortest text that reads back as the same double ("0.1",
// "1e+22"), with ".0" where it would otherwise read as an integer ("1234567.0", "-0.0"); "inf",
// "-inf" and "nan" as TOML spells them.
std::string toml_float(double value);

} // namespace offload::common
