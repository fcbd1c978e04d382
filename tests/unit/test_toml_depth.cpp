// How deep a TOML document nests, measured before toml++ parses it (toml++ recurses per level of
// dotted keys and table headers, without a limit of its own).
#include "config/toml_depth.hpp"

#include <doctest/doctest.h>

#include <string>

using offload::toml_too_deep;

namespace {

std::string repeat(std::string_view text, size_t times)
{
    std::string out;
    for (size_t i = 0; i < times; ++i)
        out += text;
    return out;
}

} // namespace

TEST_CASE("dotted keys and table headers 100,000 levels deep are found, with their position")
{
    const auto dotted = toml_too_deep("x = 1\n" + repeat("a.", 100000) + "a = 1\n");
    REQUIRE(dotted);
    CHECK(dotted->line == 2);
    CHECK(dotted->column == 2 * 257); // the dot after the 257th segment

    const auto header = toml_too_deep("[" + repeat("a.", 100000) + "a]\nx = 1\n");
    REQUIRE(header);
    CHECK(header->line == 1);
    CHECK(header->column == 1 + 2 * 256); // the dot after the 257th segment
}

TEST_CASE("levels add up: a header, the dotted keys under it, inline tables and arrays")
{
    const std::string header = "[" + repeat("a.", 199) + "a]\n";       // 200 levels
    CHECK_FALSE(toml_too_deep(header + repeat("b.", 55) + "b = 1\n")); // 200 + 56 segments
    CHECK(toml_too_deep(header + repeat("b.", 56) + "b = 1\n"));       // 200 + 57
    CHECK_FALSE(toml_too_deep(header + "x = " + repeat("[", 55) + repeat("]", 55) + "\n"));
    CHECK(toml_too_deep(header + "x = " + repeat("{y = ", 56) + "1" + repeat("}", 56) + "\n"));
    // A statement ends at its line: the next key starts under the header again.
    CHECK_FALSE(toml_too_deep(header + repeat("b.", 50) + "b = 1\n" + repeat("c.", 50) + "c = 1\n"));
    // So does a closed inline table or array, and each key of an inline table starts afresh.
    CHECK_FALSE(toml_too_deep("x = [" + repeat("{a.b.c = 1}, ", 500) + "]\n"));
    CHECK_FALSE(toml_too_deep("x = {" + repeat("a.b.c = 1, ", 500) + "d = 1}\n"));
}

TEST_CASE("dots in values, strings and comments are no levels")
{
    CHECK_FALSE(toml_too_deep("x = [" + repeat("1.5, ", 1000) + "]\n"));
    CHECK_FALSE(toml_too_deep("x = \"" + repeat("a.", 1000) + "\"\n"));
    CHECK_FALSE(toml_too_deep("x = '" + repeat("[{", 1000) + "'\n"));
    CHECK_FALSE(toml_too_deep("x = \"\"\"\n" + repeat("a.b.[\n", 1000) + "\"\"\"\n"));
    CHECK_FALSE(toml_too_deep("x = '''" + repeat("a.b.{", 1000) + "'''\n"));
    CHECK_FALSE(toml_too_deep("# " + repeat("a.", 1000) + "\nx = 1 # " + repeat("[", 1000) + "\n"));
    CHECK_FALSE(toml_too_deep("\"" + repeat("a.", 1000) + "\" = 1\n"));
    CHECK_FALSE(toml_too_deep("x = \"\\\"" + repeat("a.", 1000) + "\"\n"));
    CHECK_FALSE(toml_too_deep("x = [\n" + repeat("  2.5,\n", 1000) + "]\n"));
}

TEST_CASE("an ordinary configuration is nowhere near the limit")
{
    CHECK_FALSE(toml_too_deep(R"([offload]
max_parallel = 4
plugin_paths = ["tools/offload-plugins"]

[provider]
type = "process"
env = { A = "1", B.C = "2" }

[discovery]
type = "generic"
discover_command = "ls tests/test_*.sh"
run_command = "./run-tests.sh {result_file} {tests}"
)",
                              5)); // [provider] env {} B C: an inline table counts as a level of its own
}
