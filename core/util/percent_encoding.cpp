#include "util/percent_encoding.hpp"

namespace offload {

namespace {

constexpr char hex_upper[] = "0123456789ABCDEF";

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool must_encode(unsigned char c)
{
    return c == '%' || c == ' ' || c < 0x20 || c == 0x7f;
}

} // namespace

std::string percent_encode(std::string_view bytes)
{
    std::string encoded;
    encoded.reserve(bytes.size());
    for (char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (must_encode(byte)) {
            encoded += '%';
            encoded += hex_upper[byte >> 4];
            encoded += hex_upper[byte & 0xf];
        } else {
            encoded += c;
        }
    }
    return encoded;
}

std::string percent_decode(std::string_view text)
{
    std::string decoded;
    decoded.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int high = hex_value(text[i + 1]), low = hex_value(text[i + 2]);
            if (high >= 0 && low >= 0) {
                decoded += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        decoded += text[i];
    }
    return decoded;
}

} // namespace offload
