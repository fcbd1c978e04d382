#include "common/json.hpp"

#include <cstdint>

namespace offload::common {

namespace {
const Json null_value;
}

class JsonParser {
  public:
    explicit JsonParser(std::string_view text) : m_text(text) {}

    bool document(Json &out) { return value(out, 0) && (skip_space(), m_at == m_text.size()); }

  private:
    static constexpr int max_depth = 64;

    void skip_space()
    {
        while (m_at < m_text.size() &&
               (m_text[m_at] == ' ' || m_text[m_at] == '\t' || m_text[m_at] == '\n' || m_text[m_at] == '\r'))
            ++m_at;
    }
    bool literal(std::string_view word)
    {
        if (m_text.substr(m_at, word.size()) != word)
            return false;
        m_at += word.size();
        return true;
    }

    bool value(Json &out, int depth)
    {
        if (depth > max_depth)
            return false;
        skip_space();
        if (m_at >= m_text.size())
            return false;
        char c = m_text[m_at];
        if (c == '"') {
            out.m_type = Json::Type::String;
            return string(out.m_text);
        }
        if (c == '{')
            return object(out, depth);
        if (c == '[')
            return array(out, depth);
        if (literal("true") || literal("false")) {
            out.m_type = Json::Type::Boolean;
            out.m_boolean = c == 't';
            return true;
        }
        if (literal("null"))
            return true;
        size_t start = m_at;
        while (m_at < m_text.size() &&
               std::string_view("+-.eE0123456789").find(m_text[m_at]) != std::string_view::npos)
            ++m_at;
        if (m_at == start)
            return false;
        out.m_type = Json::Type::Number;
        out.m_text = std::string(m_text.substr(start, m_at - start));
        return true;
    }

    bool object(Json &out, int depth)
    {
        out.m_type = Json::Type::Object;
        ++m_at;
        skip_space();
        if (m_at < m_text.size() && m_text[m_at] == '}') {
            ++m_at;
            return true;
        }
        for (;;) {
            skip_space();
            std::string key;
            if (m_at >= m_text.size() || m_text[m_at] != '"' || !string(key))
                return false;
            skip_space();
            if (m_at >= m_text.size() || m_text[m_at++] != ':')
                return false;
            Json member;
            if (!value(member, depth + 1))
                return false;
            out.m_members.emplace_back(std::move(key), std::move(member));
            skip_space();
            if (m_at >= m_text.size())
                return false;
            char c = m_text[m_at++];
            if (c == '}')
                return true;
            if (c != ',')
                return false;
        }
    }

    bool array(Json &out, int depth)
    {
        out.m_type = Json::Type::Array;
        ++m_at;
        skip_space();
        if (m_at < m_text.size() && m_text[m_at] == ']') {
            ++m_at;
            return true;
        }
        for (;;) {
            Json element;
            if (!value(element, depth + 1))
                return false;
            out.m_elements.push_back(std::move(element));
            skip_space();
            if (m_at >= m_text.size())
                return false;
            char c = m_text[m_at++];
            if (c == ']')
                return true;
            if (c != ',')
                return false;
        }
    }

    static void append_utf8(std::string &out, uint32_t code)
    {
        if (code < 0x80) {
            out += char(code);
        } else if (code < 0x800) {
            out += char(0xC0 | (code >> 6));
            out += char(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += char(0xE0 | (code >> 12));
            out += char(0x80 | ((code >> 6) & 0x3F));
            out += char(0x80 | (code & 0x3F));
        } else {
            out += char(0xF0 | (code >> 18));
            out += char(0x80 | ((code >> 12) & 0x3F));
            out += char(0x80 | ((code >> 6) & 0x3F));
            out += char(0x80 | (code & 0x3F));
        }
    }

    bool hex4(uint32_t &code)
    {
        if (m_at + 4 > m_text.size())
            return false;
        code = 0;
        for (int i = 0; i < 4; ++i) {
            char c = m_text[m_at++];
            code <<= 4;
            if (c >= '0' && c <= '9')
                code |= uint32_t(c - '0');
            else if (c >= 'a' && c <= 'f')
                code |= uint32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                code |= uint32_t(c - 'A' + 10);
            else
                return false;
        }
        return true;
    }

    // At the opening quote; leaves m_at after the closing one.
    bool string(std::string &out)
    {
        ++m_at;
        while (m_at < m_text.size()) {
            char c = m_text[m_at++];
            if (c == '"')
                return true;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_at >= m_text.size())
                return false;
            char escape = m_text[m_at++];
            switch (escape) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                uint32_t code = 0;
                if (!hex4(code))
                    return false;
                if (code >= 0xD800 && code < 0xDC00 && m_text.substr(m_at, 2) == "\\u") {
                    m_at += 2;
                    uint32_t low = 0;
                    if (!hex4(low) || low < 0xDC00 || low >= 0xE000)
                        return false;
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(out, code);
                break;
            }
            default: return false;
            }
        }
        return false;
    }

    std::string_view m_text;
    size_t m_at = 0;
};

std::optional<Json> Json::parse(std::string_view text)
{
    Json root;
    if (!JsonParser(text).document(root))
        return std::nullopt;
    return root;
}

const Json &Json::operator[](std::string_view key) const
{
    for (const auto &[name, member] : m_members)
        if (name == key)
            return member;
    return null_value;
}

const Json &Json::operator[](size_t index) const
{
    return index < m_elements.size() ? m_elements[index] : null_value;
}

} // namespace offload::common
