#include "util/json.hpp"

#include "util/utf8.hpp"

#include <cstdio>

namespace offload {

void append_json_string(std::string &out, std::string_view text)
{
    out += '"';
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const size_t length = utf8_sequence_length(text, i);
            if (length == 0) {
                // The policy of util/utf8.hpp: the text \xNN, its backslash escaped for JSON.
                out += '\\';
                append_byte_escape(out, c);
                ++i;
            } else {
                out.append(text.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7F) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out += escaped;
            } else {
                out += char(c);
            }
        }
        ++i;
    }
    out += '"';
}

} // namespace offload
