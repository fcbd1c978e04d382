#include "util/terminal_text.hpp"

#include "util/utf8.hpp"

namespace offload {

namespace {

// The length of what starts at text[at] when it may be printed as is, 0 when its bytes must be
// escaped.
size_t printable_length(std::string_view text, size_t at)
{
    const size_t length = utf8_sequence_length(text, at);
    const auto c = static_cast<unsigned char>(text[at]);
    if (length == 1) {
        if (c == '\t' || c == '\n' || (c == '\r' && at + 1 < text.size() && text[at + 1] == '\n'))
            return 1;
        return c < 0x20 || c == 0x7F ? 0 : 1;
    }
    // U+0080-U+009F: 0xC2 0x80-0x9F.
    if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[at + 1]) < 0xA0)
        return 0;
    return length;
}

} // namespace

std::string terminal_safe(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    size_t at = 0;
    while (at < text.size()) {
        if (const size_t length = printable_length(text, at)) {
            out.append(text, at, length);
            at += length;
            continue;
        }
        // A C1 control is two bytes, each escaped; anything else one byte at a time.
        const size_t bytes = utf8_sequence_length(text, at) == 2 ? 2 : 1;
        for (size_t i = 0; i < bytes; ++i)
            append_byte_escape(out, static_cast<unsigned char>(text[at + i]));
        at += bytes;
    }
    return out;
}

} // namespace offload
