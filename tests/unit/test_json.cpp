#include "util/json.hpp"

#include <doctest/doctest.h>

namespace {
std::string json(std::string_view text)
{
    std::string out;
    offload::append_json_string(out, text);
    return out;
}
} // namespace

TEST_CASE("JSON strings escape what JSON requires")
{
    CHECK(json("plain") == "\"plain\"");
    CHECK(json("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(json("l1\nl2\tt\r") == "\"l1\\nl2\\tt\\r\"");
    CHECK(json(std::string_view("\x01\x1b\x7f", 3)) == "\"\\u0001\\u001b\\u007f\"");
}

TEST_CASE("valid UTF-8 passes, each invalid byte becomes the text \\xNN (util/utf8.hpp's policy)")
{
    CHECK(json("ünï ✓ 🚀") == "\"ünï ✓ 🚀\"");
    CHECK(json("a\xff"
               "b") == "\"a\\\\xFFb\"");
    CHECK(json("\xc0\x80") == "\"\\\\xC0\\\\x80\"");              // overlong
    CHECK(json("\xed\xa0\x80") == "\"\\\\xED\\\\xA0\\\\x80\"");   // surrogate
    CHECK(json("\xe2\x9c") == "\"\\\\xE2\\\\x9C\"");              // truncated
    CHECK(json("\xe2\x9c\x93\xe2") == "\"\xe2\x9c\x93\\\\xE2\""); // a check mark, then a cut one
}
