// UTF-8 in the core: one validator, one encoder, and one policy for bytes that are not UTF-8.
//
// The policy, wherever foreign bytes (test output, names from reports, plugin text) reach a
// document offload writes (JUnit XML, JSON events, the terminal): well-formed UTF-8 is kept byte
// for byte; each byte that does not belong to a well-formed sequence becomes the four characters
// "\xNN" (backslash, x, two uppercase hex digits). Nothing is lost silently, the result is valid
// UTF-8, and a reader can tell the escape from a replacement character the tests printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace offload {

// Length of the well-formed UTF-8 sequence starting at p (Unicode table 3-7: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the byte at p does not start one. ASCII is 1.
// p < end.
inline size_t utf8_sequence_length(const unsigned char *p, const unsigned char *end)
{
    const auto in_range = [&](size_t i, unsigned char low, unsigned char high) {
        return static_cast<size_t>(end - p) > i && p[i] >= low && p[i] <= high;
    };
    const unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return in_range(1, 0x80, 0xBF) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        const unsigned char low = c == 0xE0 ? 0xA0 : 0x80;
        const unsigned char high = c == 0xED ? 0x9F : 0xBF;
        return in_range(1, low, high) && in_range(2, 0x80, 0xBF) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        const unsigned char low = c == 0xF0 ? 0x90 : 0x80;
        const unsigned char high = c == 0xF4 ? 0x8F : 0xBF;
        return in_range(1, low, high) && in_range(2, 0x80, 0xBF) && in_range(3, 0x80, 0xBF) ? 4 : 0;
    }
    return 0;
}

// The same for text[at], at < text.size().
inline size_t utf8_sequence_length(std::string_view text, size_t at)
{
    const auto *begin = reinterpret_cast<const unsigned char *>(text.data());
    return utf8_sequence_length(begin + at, begin + text.size());
}

// A byte that continues a multi-byte sequence (10xxxxxx): never the first byte of a character.
inline bool is_utf8_continuation(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Appends the UTF-8 encoding of code_point (at most U+10FFFF). Surrogates are encoded as they
// are (ill-formed): a caller that may see them validates the result.
void append_utf8(std::string &out, char32_t code_point);

// The policy's escape of one byte: "\xNN".
inline constexpr size_t byte_escape_size = 4;
char *write_byte_escape(char *dest, unsigned char byte);
void append_byte_escape(std::string &out, unsigned char byte);

} // namespace offload
