#include "util/json.hpp"
#include "util/json_reader.hpp"

#include <doctest/doctest.h>

#include <vector>

using offload::JsonError;
using offload::JsonReader;

namespace {

// The message of the error reading text with read throws, "" when it throws none.
template <typename Read> std::string error_of(std::string_view text, Read read)
{
    try {
        JsonReader json(text);
        read(json);
        json.finish();
    } catch (const JsonError &error) {
        return error.what();
    }
    return "";
}

std::string skip_error(std::string_view text)
{
    return error_of(text, [](JsonReader &json) { json.skip(); });
}

} // namespace

TEST_CASE("objects, arrays, strings, numbers, booleans and null are read as written")
{
    JsonReader json(R"( {"a": [1, -2.5e1, 0], "b": {"c": "x\"y\u00e9\ud83d\ude80"}, "d": true, "e": null} )");
    std::string key;
    json.begin_object();
    REQUIRE(json.next_key(key));
    CHECK(key == "a");
    json.begin_array();
    std::vector<double> numbers;
    while (json.next_element())
        numbers.push_back(json.number());
    CHECK(numbers == std::vector<double>{1, -25, 0});
    REQUIRE(json.next_key(key));
    json.begin_object();
    REQUIRE(json.next_key(key));
    CHECK(json.string() == "x\"y\xc3\xa9\xf0\x9f\x9a\x80");
    CHECK_FALSE(json.next_key(key));
    REQUIRE(json.next_key(key));
    CHECK(json.boolean());
    REQUIRE(json.next_key(key));
    CHECK(json.peek() == JsonReader::Kind::Null);
    json.null();
    CHECK_FALSE(json.next_key(key));
    json.finish();
}

TEST_CASE("whatever append_json_string writes reads back as the same text (invalid UTF-8 as \\xNN)")
{
    using namespace std::string_literals;
    const std::string text = "quote\" backslash\\ nl\n nul\0 del\x7f </script> \xff ok \xe2\x9c\x93"s;
    std::string written;
    offload::append_json_string(written, text);
    JsonReader json(written);
    std::string expected = text;
    expected.replace(expected.find('\xff'), 1, "\\xFF");
    CHECK(json.string() == expected);
}

TEST_CASE("anything that is not strict JSON is refused, saying where")
{
    CHECK(skip_error("[1,]").find("expected a value after ','") != std::string::npos);
    CHECK(skip_error("{\"a\":1,}").find("expected a key") != std::string::npos);
    CHECK(skip_error("[1 2]").find("expected ',' or ']'") != std::string::npos);
    CHECK(skip_error("\"a\nb\"").find("control character") != std::string::npos);
    CHECK(skip_error("\"\xff\"").find("not UTF-8") != std::string::npos);
    CHECK(skip_error("\"\\ud800\"").find("surrogate") != std::string::npos);
    CHECK(skip_error("\"\\x41\"").find("not an escape") != std::string::npos);
    CHECK(skip_error("01").find("leading zero") != std::string::npos);
    CHECK(skip_error("NaN").find("expected a value") != std::string::npos);
    CHECK(skip_error("1.").find("expected a digit") != std::string::npos);
    CHECK(skip_error("{} x").find("after the end") != std::string::npos);
    CHECK(skip_error("[\"abc").find("ends inside a string") != std::string::npos);
    CHECK(skip_error("").find("ends before") != std::string::npos);
    CHECK(skip_error("{\"a\":\n  tru}") == "line 2, column 3: expected true");
    CHECK(skip_error(" [1, {\"k\": [true, false, null, \"s\", -0.5E+3]}, []] ") == "");
}

TEST_CASE("nesting deeper than max_depth is refused, not a stack overflow")
{
    const std::string deep(100000, '[');
    CHECK(skip_error(deep).find("deeper than 256") != std::string::npos);
    const std::string fine = std::string(256, '[') + std::string(256, ']');
    CHECK(skip_error(fine) == "");
}
