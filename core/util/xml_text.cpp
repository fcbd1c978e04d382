#include "util/xml_text.hpp"

#include "util/utf8.hpp"

#include <array>
#include <cstddef>
#include <cstring>

namespace offload {
namespace {

enum class Mode { Plain, Text, Attribute };

// What a byte asks for, decided by a table lookup so that the common case (runs of plain ASCII) costs one
// load and one compare per byte.
enum ByteClass : unsigned char {
    keep,      // copied as is
    entity,    // & < > " ' (and TAB/LF/CR in attributes): replaced by a character reference
    control,   // C0 controls other than TAB/LF/CR, and DEL: not allowed in XML 1.0, written as \xNN
    non_ascii, // first byte of a multi-byte sequence, or a stray byte: needs UTF-8 validation
};

constexpr std::array<ByteClass, 256> make_classes(Mode mode)
{
    std::array<ByteClass, 256> classes{};
    for (int c = 0; c < 256; ++c) {
        if (c >= 0x80)
            classes[c] = non_ascii;
        else if (c == '\t' || c == '\n' || c == '\r')
            classes[c] = mode == Mode::Attribute ? entity : keep;
        else if (c < 0x20 || c == 0x7F)
            classes[c] = control;
        else if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'')
            classes[c] = mode == Mode::Plain ? keep : entity;
        else
            classes[c] = keep;
    }
    return classes;
}

template <Mode mode> constexpr std::array<ByteClass, 256> byte_classes = make_classes(mode);

std::string_view entity_for(unsigned char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&apos;";
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    case '\r': return "&#13;";
    }
    return {};
}

// Where append_safe puts its result: the end of a std::string, or memory the caller has made room in.
class StringSink {
  public:
    explicit StringSink(std::string &out) : m_out(out) {}
    void put(const unsigned char *begin, const unsigned char *end)
    {
        m_out.append(reinterpret_cast<const char *>(begin), static_cast<size_t>(end - begin));
    }
    void put(std::string_view text) { m_out.append(text); }

  private:
    std::string &m_out;
};

class PointerSink {
  public:
    explicit PointerSink(char *dest) : m_pos(dest) {}
    void put(const unsigned char *begin, const unsigned char *end)
    {
        std::memcpy(m_pos, begin, static_cast<size_t>(end - begin));
        m_pos += end - begin;
    }
    void put(std::string_view text)
    {
        std::memcpy(m_pos, text.data(), text.size());
        m_pos += text.size();
    }
    char *pos() const { return m_pos; }

  private:
    char *m_pos;
};

template <class Sink> void put_byte_escape(Sink &sink, unsigned char c)
{
    char text[byte_escape_size];
    write_byte_escape(text, c);
    sink.put(std::string_view(text, sizeof text));
}

// One pass over bytes; runs of bytes that need nothing are handed to the sink whole.
template <Mode mode, class Sink> void append_safe(Sink &sink, std::string_view bytes)
{
    // A plain pointer, not std::array::operator[]: this loop must be quick in unoptimized builds too.
    const ByteClass *const classes = byte_classes<mode>.data();
    const auto *p = reinterpret_cast<const unsigned char *>(bytes.data());
    const auto *const end = p + bytes.size();
    const unsigned char *run = p; // start of the bytes not yet handed to the sink
    while (p < end) {
        while (p < end && classes[*p] == keep)
            ++p;
        if (p == end)
            break;
        const unsigned char c = *p;
        size_t length = 1;
        if (classes[c] == non_ascii) {
            length = utf8_sequence_length(p, end);
            // U+FFFE and U+FFFF are well-formed UTF-8 but not XML characters.
            const bool non_character = length == 3 && c == 0xEF && p[1] == 0xBF && p[2] >= 0xBE;
            if (length != 0 && !non_character) {
                p += length;
                continue;
            }
            sink.put(run, p);
            if (non_character) {
                sink.put(p[2] == 0xBE ? "\\uFFFE" : "\\uFFFF");
            } else {
                put_byte_escape(sink, c);
                length = 1;
            }
        } else {
            sink.put(run, p);
            if (classes[c] == entity)
                sink.put(entity_for(c));
            else
                put_byte_escape(sink, c);
        }
        p += length;
        run = p;
    }
    sink.put(run, end);
}

} // namespace

std::string sanitize_text(std::string_view bytes)
{
    std::string out;
    out.reserve(bytes.size());
    StringSink sink(out);
    append_safe<Mode::Plain>(sink, bytes);
    return out;
}

void append_sanitized(std::string &out, std::string_view bytes)
{
    StringSink sink(out);
    append_safe<Mode::Plain>(sink, bytes);
}

void append_xml_escaped(std::string &out, std::string_view bytes, bool in_attribute)
{
    StringSink sink(out);
    if (in_attribute)
        append_safe<Mode::Attribute>(sink, bytes);
    else
        append_safe<Mode::Text>(sink, bytes);
}

char *write_xml_escaped(char *dest, std::string_view bytes, bool in_attribute)
{
    PointerSink sink(dest);
    if (in_attribute)
        append_safe<Mode::Attribute>(sink, bytes);
    else
        append_safe<Mode::Text>(sink, bytes);
    return sink.pos();
}

} // namespace offload
