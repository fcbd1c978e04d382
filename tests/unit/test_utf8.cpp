#include "util/edit_distance.hpp"
#include "util/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using offload::utf8_sequence_length;

namespace {
size_t length(std::string_view bytes)
{
    return utf8_sequence_length(bytes, 0);
}
std::string encoded(char32_t code_point)
{
    std::string out;
    offload::append_utf8(out, code_point);
    return out;
}
} // namespace

TEST_CASE("well-formed sequences have their length; everything else 0 (Unicode table 3-7)")
{
    CHECK(length("a") == 1);
    CHECK(length("\xC3\xA9") == 2);         // é
    CHECK(length("\xE2\x9C\x93") == 3);     // ✓
    CHECK(length("\xF0\x9F\x9A\x80") == 4); // 🚀
    CHECK(length("\xF4\x8F\xBF\xBF") == 4); // U+10FFFF
    CHECK(length("\xC0\x80") == 0);         // overlong NUL
    CHECK(length("\xE0\x80\xAF") == 0);     // overlong
    CHECK(length("\xED\xA0\x80") == 0);     // a surrogate
    CHECK(length("\xF4\x90\x80\x80") == 0); // above U+10FFFF
    CHECK(length("\xE2\x9C") == 0);         // cut short
    CHECK(length("\x80") == 0);             // a stray continuation byte
    CHECK(length("\xFF") == 0);
}

TEST_CASE("encoding round-trips through the validator")
{
    for (char32_t code_point : {U'a', U'\u00E9', U'\u2713', U'\U0001F680', U'\U0010FFFF'}) {
        const std::string bytes = encoded(code_point);
        CHECK(length(bytes) == bytes.size());
    }
    CHECK(encoded(U'\u00E9') == "\xC3\xA9");
}

TEST_CASE("the policy's escape of a byte is \\xNN, uppercase")
{
    std::string out = "a";
    offload::append_byte_escape(out, 0xFF);
    offload::append_byte_escape(out, 0x1B);
    CHECK(out == "a\\xFF\\x1B");
    CHECK(offload::is_utf8_continuation('\x80'));
    CHECK_FALSE(offload::is_utf8_continuation('\xC3'));
}

TEST_CASE("edit distance counts single-byte edits")
{
    CHECK(offload::edit_distance("", "") == 0);
    CHECK(offload::edit_distance("retry_count", "retry_count") == 0);
    CHECK(offload::edit_distance("retry_cout", "retry_count") == 1);
    CHECK(offload::edit_distance("max_paralel", "max_parallel") == 1);
    CHECK(offload::edit_distance("kitten", "sitting") == 3);
    CHECK(offload::edit_distance("", "abc") == 3);
}
