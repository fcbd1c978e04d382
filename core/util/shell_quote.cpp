#include "util/shell_quote.hpp"

namespace offload {

namespace {

bool is_plain(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '_':
    case '@':
    case '%':
    case '+':
    case '=':
    case ':':
    case ',':
    case '.':
    case '/':
    case '-': return true;
    default: return false;
    }
}

} // namespace

std::string shell_quote(std::string_view word)
{
    if (word.empty())
        return "''";
    bool plain = true;
    for (char c : word)
        plain = plain && is_plain(c);
    // A leading '-' or '=' is harmless to sh itself, so plain words stay readable in logs.
    if (plain)
        return std::string(word);
    std::string quoted;
    quoted.reserve(word.size() + 2);
    quoted += '\'';
    for (char c : word) {
        if (c == '\'')
            quoted += "'\\''";
        else
            quoted += c;
    }
    quoted += '\'';
    return quoted;
}

} // namespace offload
