// Making arbitrary bytes (test output, names from foreign reports) safe to put into an XML 1.0 document.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace offload {

// Returns bytes as valid UTF-8 that XML 1.0 accepts: every byte of an invalid UTF-8 sequence becomes the text
// "\xNN" (backslash, x, two uppercase hex digits: the policy of util/utf8.hpp); control characters other than
// TAB, LF and CR (C0, DEL) and the non-characters U+FFFE/U+FFFF become "\xNN" too (for U+FFFE/FFFF use
// "\uFFFE"/"\uFFFF"), so nothing is lost silently and the file stays valid. Valid multi-byte UTF-8 (including
// emoji, CJK) passes unchanged. CR LF stays as is. One pass, no allocation beyond the result.
std::string sanitize_text(std::string_view bytes);

// Appends bytes sanitized as sanitize_text() does, without a temporary string.
void append_sanitized(std::string &out, std::string_view bytes);

// Appends bytes sanitized as above and escaped for use in XML text or a double-quoted attribute
// (& < > " and ', plus TAB/LF/CR as &#9; &#10; &#13; when in_attribute is true so attribute values
// round-trip).
void append_xml_escaped(std::string &out, std::string_view bytes, bool in_attribute);

// The most bytes append_xml_escaped() writes for one input byte ("'" becomes "&apos;").
inline constexpr size_t xml_escaped_max_growth = 6;

// Writes what append_xml_escaped() appends to dest, which has room for xml_escaped_max_growth * bytes.size()
// bytes, and returns the end of what it wrote. For writers that manage their own buffer.
char *write_xml_escaped(char *dest, std::string_view bytes, bool in_attribute);

} // namespace offload
