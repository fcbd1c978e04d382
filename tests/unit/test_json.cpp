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

TEST_CASE("valid UTF-8 passes, invalid bytes become U+FFFD")
{
    CHECK(json("ünï ✓ 🚀") == "\"ünï ✓ 🚀\"");
    CHECK(json("a\xff" "b") == "\"a\\ufffdb\"");
    CHECK(json("\xc0\x80") == "\"\\ufffd\\ufffd\"");       // overlong
    CHECK(json("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
    CHECK(json("\xe2\x9c") == "\"\\ufffd\\ufffd\"");       // truncated
}
