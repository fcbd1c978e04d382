#include "config/toml_depth.hpp"

#include <algorithm>
#include <vector>

namespace offload {

namespace {

class DepthScanner {
  public:
    DepthScanner(std::string_view text, size_t max_depth) : m_text(text), m_max(max_depth) {}

    // The offset where the limit is first passed, or npos.
    size_t scan()
    {
        while (m_at < m_text.size()) {
            const char c = m_text[m_at];
            if (c == '#') {
                skip_to_newline();
            } else if (c == '"' || c == '\'') {
                skip_string(c);
                m_statement_start = false;
            } else if (c == '\n') {
                newline();
            } else if (c == ' ' || c == '\t' || c == '\r') {
                ++m_at;
            } else if (c == '[' && m_open.empty() && m_statement_start) {
                if (!table_header())
                    return m_failed_at;
            } else if (!step(c)) {
                return m_failed_at;
            }
        }
        return std::string_view::npos;
    }

  private:
    struct Open {
        char bracket; // '[' or '{'
        size_t depth; // the depth where it was opened
    };

    bool deeper(size_t at)
    {
        if (++m_depth <= m_max)
            return true;
        m_failed_at = at;
        return false;
    }

    void skip_to_newline()
    {
        const size_t newline = m_text.find('\n', m_at);
        m_at = newline == std::string_view::npos ? m_text.size() : newline;
    }

    // At an opening quote: past the string, basic or literal, single-line or multi-line.
    void skip_string(char quote)
    {
        const std::string_view triple = quote == '"' ? std::string_view("\"\"\"") : std::string_view("'''");
        const bool multiline = m_text.substr(m_at, 3) == triple;
        m_at += multiline ? 3 : 1;
        while (m_at < m_text.size()) {
            const char c = m_text[m_at];
            if (c == '\\' && quote == '"') {
                m_at += 2;
            } else if (c == quote && (!multiline || m_text.substr(m_at, 3) == triple)) {
                m_at += multiline ? 3 : 1;
                // A multi-line string may end with up to two more quotes of its own.
                while (multiline && m_at < m_text.size() && m_text[m_at] == quote)
                    ++m_at;
                return;
            } else if (c == '\n' && !multiline) {
                return; // unterminated: toml::parse says so
            } else {
                ++m_at;
            }
        }
    }

    void newline()
    {
        ++m_at;
        // Arrays may span lines; anything else ends its statement at the end of the line.
        if (m_open.empty()) {
            m_depth = m_header_depth;
            m_key = true;
            m_statement_start = true;
        }
    }

    // At the '[' of [table] or [[array.of.tables]]: its segments set the depth of what follows.
    bool table_header()
    {
        m_depth = 0;
        m_at += m_text.substr(m_at, 2) == "[[" ? 2 : 1;
        if (!deeper(m_at))
            return false;
        while (m_at < m_text.size() && m_text[m_at] != ']' && m_text[m_at] != '\n') {
            if (m_text[m_at] == '"' || m_text[m_at] == '\'') {
                skip_string(m_text[m_at]);
                continue;
            }
            if (m_text[m_at] == '.' && !deeper(m_at))
                return false;
            ++m_at;
        }
        m_header_depth = m_depth;
        m_statement_start = false;
        return true;
    }

    bool step(char c)
    {
        const size_t at = m_at++;
        m_statement_start = false;
        if (m_key) {
            if (c == '.')
                return deeper(at);
            if (c == '=') {
                m_key = false;
                return deeper(at);
            }
        } else if (c == '[' || c == '{') {
            m_open.push_back({c, m_depth});
            m_key = c == '{';
            return deeper(at);
        } else if (c == ',' && !m_open.empty() && m_open.back().bracket == '{') {
            // The next key of an inline table starts at the table's own depth.
            m_depth = m_open.back().depth + 1;
            m_key = true;
            return true;
        }
        if ((c == ']' || c == '}') && !m_open.empty()) {
            m_depth = m_open.back().depth;
            m_open.pop_back();
            m_key = false;
        }
        return true;
    }

    std::string_view m_text;
    size_t m_max;
    size_t m_at = 0;
    size_t m_depth = 0;
    size_t m_header_depth = 0;
    bool m_key = true;             // reading a key: its dots are levels
    bool m_statement_start = true; // nothing but blanks since the line began (outside brackets)
    std::vector<Open> m_open;      // arrays and inline tables open at m_at
    size_t m_failed_at = std::string_view::npos;
};

} // namespace

std::optional<TextPosition> toml_too_deep(std::string_view text, size_t max_depth)
{
    const size_t at = DepthScanner(text, max_depth).scan();
    if (at == std::string_view::npos)
        return std::nullopt;
    const std::string_view before = text.substr(0, at);
    const size_t line_start = before.rfind('\n');
    TextPosition position;
    position.line = uint32_t(1 + std::count(before.begin(), before.end(), '\n'));
    position.column = uint32_t(at - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
    return position;
}

} // namespace offload
