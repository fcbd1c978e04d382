// Foreign text on the terminal: control characters are shown, not obeyed.
#include "util/terminal_text.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace std::string_literals;
using offload::terminal_safe;

TEST_CASE("escape sequences, bells and lone carriage returns are shown escaped")
{
    CHECK(terminal_safe("\x1b[2J\x1b]0;owned\x07red") == "\\x1B[2J\\x1B]0;owned\\x07red");
    CHECK(terminal_safe("progress 10%\rprogress 20%") == "progress 10%\\x0Dprogress 20%");
    CHECK(terminal_safe("a\0b\x7f"s) == "a\\x00b\\x7F");
    CHECK(terminal_safe("\x08\x0b\x0c") == "\\x08\\x0B\\x0C");
}

TEST_CASE("tabs, newlines, CR LF and printable UTF-8 pass unchanged")
{
    const std::string text = "col1\tcol2\nline2\r\nh\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80";
    CHECK(terminal_safe(text) == text);
    CHECK(terminal_safe("") == "");
}

TEST_CASE("C1 controls and bytes that are not UTF-8 are escaped byte by byte")
{
    CHECK(terminal_safe("\xC2\x9B"
                        "31m") == "\\xC2\\x9B31m"); // U+009B, CSI to some terminals
    CHECK(terminal_safe("\xC2\xA0") == "\xC2\xA0"); // U+00A0 is printable
    CHECK(terminal_safe("\x9B"
                        "31m\xFF") == "\\x9B31m\\xFF");
    CHECK(terminal_safe("\xE2\x9C") == "\\xE2\\x9C"); // a truncated sequence
}
