#include "util/json_reader.hpp"

#include "util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace offload {

namespace {

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

std::string describe(char c)
{
    if (c >= 0x21 && c < 0x7F)
        return fmt::format("'{}'", c);
    return fmt::format("byte 0x{:02X}", static_cast<unsigned char>(c));
}

} // namespace

std::string JsonReader::where() const
{
    const size_t at = std::min(m_at, m_text.size());
    const std::string_view before = m_text.substr(0, at);
    const size_t line = size_t(std::count(before.begin(), before.end(), '\n')) + 1;
    const size_t line_start = before.rfind('\n');
    const size_t column = line_start == std::string_view::npos ? at + 1 : at - line_start;
    return fmt::format("line {}, column {}", line, column);
}

void JsonReader::fail(const std::string &what) const
{
    throw JsonError(fmt::format("{}: {}", where(), what));
}

void JsonReader::skip_space()
{
    while (m_at < m_text.size() &&
           (m_text[m_at] == ' ' || m_text[m_at] == '\n' || m_text[m_at] == '\r' || m_text[m_at] == '\t'))
        ++m_at;
}

char JsonReader::next_char()
{
    skip_space();
    if (m_at >= m_text.size())
        fail("the text ends before the JSON document does");
    return m_text[m_at];
}

void JsonReader::expect(char c)
{
    const char got = next_char();
    if (got != c)
        fail(fmt::format("expected '{}', not {}", c, describe(got)));
    ++m_at;
}

void JsonReader::expect_word(std::string_view word)
{
    if (m_text.substr(m_at, word.size()) != word)
        fail(fmt::format("expected {}", word));
    m_at += word.size();
}

JsonReader::Kind JsonReader::peek()
{
    const char c = next_char();
    switch (c) {
    case 'n': return Kind::Null;
    case 't':
    case 'f': return Kind::Bool;
    case '"': return Kind::String;
    case '[': return Kind::Array;
    case '{': return Kind::Object;
    default:
        if (c == '-' || is_digit(c))
            return Kind::Number;
        fail(fmt::format("expected a value, not {}", describe(c)));
    }
}

void JsonReader::enter()
{
    if (m_depth >= max_depth)
        fail(fmt::format("arrays and objects nest deeper than {} levels", max_depth));
    ++m_depth;
    m_has_items.push_back('\0');
}

void JsonReader::begin_object()
{
    expect('{');
    enter();
}

void JsonReader::begin_array()
{
    expect('[');
    enter();
}

bool JsonReader::next_key(std::string &key)
{
    const char c = next_char();
    if (c == '}' && !m_has_items.back()) {
        ++m_at;
        --m_depth;
        m_has_items.pop_back();
        return false;
    }
    if (m_has_items.back()) {
        if (c == '}') {
            ++m_at;
            --m_depth;
            m_has_items.pop_back();
            return false;
        }
        if (c != ',')
            fail(fmt::format("expected ',' or '}}', not {}", describe(c)));
        ++m_at;
    }
    if (next_char() != '"')
        fail(fmt::format("expected a key (a string), not {}", describe(next_char())));
    key = string();
    expect(':');
    m_has_items.back() = '\1';
    return true;
}

bool JsonReader::next_element()
{
    const char c = next_char();
    if (c == ']') {
        // After a comma a value must come: "[1,]" fails in peek() below, never here.
        ++m_at;
        --m_depth;
        m_has_items.pop_back();
        return false;
    }
    if (m_has_items.back()) {
        if (c != ',')
            fail(fmt::format("expected ',' or ']', not {}", describe(c)));
        ++m_at;
        if (next_char() == ']')
            fail("expected a value after ',', not ']'");
    }
    m_has_items.back() = '\1';
    return true;
}

unsigned JsonReader::hex4()
{
    unsigned value = 0;
    for (int i = 0; i < 4; ++i, ++m_at) {
        const char c = m_at < m_text.size() ? m_text[m_at] : '\0';
        value <<= 4;
        if (is_digit(c))
            value |= unsigned(c - '0');
        else if (c >= 'a' && c <= 'f')
            value |= unsigned(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            value |= unsigned(c - 'A' + 10);
        else
            fail("expected four hexadecimal digits after \\u");
    }
    return value;
}

void JsonReader::append_escape(std::string &out)
{
    const char c = m_at < m_text.size() ? m_text[m_at] : '\0';
    ++m_at;
    switch (c) {
    case '"': out += '"'; return;
    case '\\': out += '\\'; return;
    case '/': out += '/'; return;
    case 'b': out += '\b'; return;
    case 'f': out += '\f'; return;
    case 'n': out += '\n'; return;
    case 'r': out += '\r'; return;
    case 't': out += '\t'; return;
    case 'u': break;
    default: --m_at; fail(fmt::format("{} is not an escape of JSON", describe(c)));
    }
    char32_t code = hex4();
    if (code >= 0xDC00 && code <= 0xDFFF)
        fail("a low surrogate escape without a high one before it");
    if (code >= 0xD800 && code <= 0xDBFF) {
        if (m_text.substr(m_at, 2) != "\\u")
            fail("a high surrogate escape without a low one after it");
        m_at += 2;
        const char32_t low = hex4();
        if (low < 0xDC00 || low > 0xDFFF)
            fail("a high surrogate escape without a low one after it");
        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }
    append_utf8(out, code);
}

std::string JsonReader::string()
{
    expect('"');
    std::string out;
    for (;;) {
        if (m_at >= m_text.size())
            fail("the text ends inside a string");
        const char c = m_text[m_at];
        if (c == '"') {
            ++m_at;
            return out;
        }
        if (c == '\\') {
            ++m_at;
            append_escape(out);
            continue;
        }
        if (static_cast<unsigned char>(c) < 0x20)
            fail(fmt::format("a control character ({}) inside a string must be escaped", describe(c)));
        const size_t length = utf8_sequence_length(m_text, m_at);
        if (length == 0)
            fail(fmt::format("{} inside a string is not UTF-8", describe(c)));
        out.append(m_text.substr(m_at, length));
        m_at += length;
    }
}

double JsonReader::number()
{
    if (peek() != Kind::Number)
        fail("expected a number");
    const size_t start = m_at;
    auto digits = [&] {
        const size_t from = m_at;
        while (m_at < m_text.size() && is_digit(m_text[m_at]))
            ++m_at;
        if (m_at == from)
            fail("expected a digit");
    };
    if (m_text[m_at] == '-')
        ++m_at;
    if (m_at < m_text.size() && m_text[m_at] == '0')
        ++m_at;
    else
        digits();
    if (m_at < m_text.size() && m_text[m_at] == '.') {
        ++m_at;
        digits();
    }
    if (m_at < m_text.size() && (m_text[m_at] == 'e' || m_text[m_at] == 'E')) {
        ++m_at;
        if (m_at < m_text.size() && (m_text[m_at] == '+' || m_text[m_at] == '-'))
            ++m_at;
        digits();
    }
    if (m_at < m_text.size() && is_digit(m_text[m_at]))
        fail("a number with a leading zero");
    double value = 0;
    const auto [end, error] = std::from_chars(m_text.data() + start, m_text.data() + m_at, value);
    if (error != std::errc() || end != m_text.data() + m_at)
        fail("a number out of range");
    return value;
}

bool JsonReader::boolean()
{
    const char c = next_char();
    if (c == 't') {
        expect_word("true");
        return true;
    }
    if (c == 'f') {
        expect_word("false");
        return false;
    }
    fail(fmt::format("expected true or false, not {}", describe(c)));
}

void JsonReader::null()
{
    if (next_char() != 'n')
        fail(fmt::format("expected null, not {}", describe(next_char())));
    expect_word("null");
}

void JsonReader::skip()
{
    std::string key;
    switch (peek()) {
    case Kind::Null: null(); break;
    case Kind::Bool: boolean(); break;
    case Kind::Number: number(); break;
    case Kind::String: string(); break;
    case Kind::Array:
        begin_array();
        while (next_element())
            skip();
        break;
    case Kind::Object:
        begin_object();
        while (next_key(key))
            skip();
        break;
    }
}

void JsonReader::finish()
{
    skip_space();
    if (m_at < m_text.size())
        fail(fmt::format("{} after the end of the JSON document", describe(m_text[m_at])));
}

} // namespace offload
