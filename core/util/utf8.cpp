#include "util/utf8.hpp"

namespace offload {

void append_utf8(std::string &out, char32_t code_point)
{
    char bytes[4];
    size_t size;
    if (code_point < 0x80) {
        bytes[0] = static_cast<char>(code_point);
        size = 1;
    } else if (code_point < 0x800) {
        bytes[0] = static_cast<char>(0xC0 | (code_point >> 6));
        bytes[1] = static_cast<char>(0x80 | (code_point & 0x3F));
        size = 2;
    } else if (code_point < 0x10000) {
        bytes[0] = static_cast<char>(0xE0 | (code_point >> 12));
        bytes[1] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        bytes[2] = static_cast<char>(0x80 | (code_point & 0x3F));
        size = 3;
    } else {
        bytes[0] = static_cast<char>(0xF0 | (code_point >> 18));
        bytes[1] = static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
        bytes[2] = static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
        bytes[3] = static_cast<char>(0x80 | (code_point & 0x3F));
        size = 4;
    }
    out.append(bytes, size);
}

char *write_byte_escape(char *dest, unsigned char byte)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    dest[0] = '\\';
    dest[1] = 'x';
    dest[2] = digits[byte >> 4];
    dest[3] = digits[byte & 0xF];
    return dest + byte_escape_size;
}

void append_byte_escape(std::string &out, unsigned char byte)
{
    char escaped[byte_escape_size];
    write_byte_escape(escaped, byte);
    out.append(escaped, sizeof escaped);
}

} // namespace offload
