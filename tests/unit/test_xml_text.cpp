#include "util/xml_text.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace std::string_literals;
using offload::append_xml_escaped;
using offload::sanitize_text;

namespace {

std::string escaped(std::string_view bytes, bool in_attribute)
{
    std::string out = "prefix:";
    append_xml_escaped(out, bytes, in_attribute);
    return out;
}

} // namespace

TEST_CASE("sanitize_text passes printable ASCII and TAB/LF/CR unchanged")
{
    const std::string text = "def test_x():\n\tassert 1 == 2  # <&>\"'\r\n~";
    CHECK(sanitize_text(text) == text);
    CHECK(sanitize_text("") == "");
}

TEST_CASE("sanitize_text passes valid multi-byte UTF-8: accents, CJK, emoji, highest code point")
{
    const std::string text =
        "caf\xC3\xA9 \xE6\xB5\x8B\xE8\xAF\x95 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD";
    CHECK(sanitize_text(text) == text);
}

TEST_CASE("sanitize_text writes each byte of an invalid UTF-8 sequence as \\xNN")
{
    SUBCASE("lone continuation byte")
    {
        CHECK(sanitize_text("a\x80z") == "a\\x80z");
    }
    SUBCASE("truncated sequence at the end")
    {
        CHECK(sanitize_text("ok \xE2\x82") == "ok \\xE2\\x82");
    }
    SUBCASE("truncated sequence followed by ASCII")
    {
        CHECK(sanitize_text("\xF0\x9F\x98z") == "\\xF0\\x9F\\x98z");
    }
    SUBCASE("overlong encoding of NUL")
    {
        CHECK(sanitize_text("\xC0\x80") == "\\xC0\\x80");
    }
    SUBCASE("overlong three-byte form")
    {
        CHECK(sanitize_text("\xE0\x80\xAF") == "\\xE0\\x80\\xAF");
    }
    SUBCASE("UTF-16 surrogate")
    {
        CHECK(sanitize_text("\xED\xA0\x80") == "\\xED\\xA0\\x80");
    }
    SUBCASE("above U+10FFFF")
    {
        CHECK(sanitize_text("\xF4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");
    }
    SUBCASE("bytes never used in UTF-8")
    {
        CHECK(sanitize_text("\xFF\xFE") == "\\xFF\\xFE");
    }
    SUBCASE("valid text around an invalid byte is kept")
    {
        CHECK(sanitize_text("\xC3\xA9\xA9\xC3\xA9") == "\xC3\xA9\\xA9\xC3\xA9");
    }
}

TEST_CASE("sanitize_text writes control characters XML forbids as \\xNN")
{
    CHECK(sanitize_text("\x1B[31mred\x1B[0m") == "\\x1B[31mred\\x1B[0m");
    CHECK(sanitize_text("a\0b"s) == "a\\x00b");
    CHECK(sanitize_text("\x7F\x01\x1F") == "\\x7F\\x01\\x1F");
    CHECK(sanitize_text("\xEF\xBF\xBE|\xEF\xBF\xBF") == "\\uFFFE|\\uFFFF");
}

TEST_CASE("sanitize_text keeps CR LF line endings")
{
    CHECK(sanitize_text("one\r\ntwo\r\n") == "one\r\ntwo\r\n");
}

TEST_CASE("append_xml_escaped escapes the five XML specials in text and appends to what is there")
{
    CHECK(escaped("a < b && c > \"d\" 'e'", false) ==
          "prefix:a &lt; b &amp;&amp; c &gt; &quot;d&quot; &apos;e&apos;");
    CHECK(escaped("]]>", false) == "prefix:]]&gt;");
}

TEST_CASE("append_xml_escaped keeps TAB/LF/CR in text and writes them as references in attributes")
{
    CHECK(escaped("a\tb\r\nc", false) == "prefix:a\tb\r\nc");
    CHECK(escaped("a\tb\r\nc", true) == "prefix:a&#9;b&#13;&#10;c");
    CHECK(escaped("x=\"1\" & y", true) == "prefix:x=&quot;1&quot; &amp; y");
}

TEST_CASE("append_xml_escaped sanitizes as well as escapes")
{
    CHECK(escaped("<\x1B\xFF\xC3\xA9>", false) == "prefix:&lt;\\x1B\\xFF\xC3\xA9&gt;");
    CHECK(escaped("\x00"s, true) == "prefix:\\x00");
}
