#include "util/shell_quote.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdio>
#include <string>

namespace {

// What sh makes of `printf '%s\n' QUOTED`: the word must come back byte for byte.
std::string through_shell(const std::string &word)
{
    std::string command = "printf '%s' " + offload::shell_quote(word);
    std::FILE *pipe = popen(command.c_str(), "r");
    REQUIRE(pipe);
    std::string out;
    std::array<char, 4096> buffer{};
    size_t n;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
        out.append(buffer.data(), n);
    pclose(pipe);
    return out;
}

} // namespace

TEST_CASE("plain words stay readable")
{
    CHECK(offload::shell_quote("tests/test_a.py::test_b") == "tests/test_a.py::test_b");
    CHECK(offload::shell_quote("a-b_c.d=e,f@g%h+i") == "a-b_c.d=e,f@g%h+i");
}

TEST_CASE("the empty word is kept as an argument")
{
    CHECK(offload::shell_quote("") == "''");
}

TEST_CASE("hostile words reach the command intact and are never executed")
{
    const char *words[] = {
        "has space",
        "it's",
        "'''",
        "$(touch /tmp/offload-pwned)",
        "`touch /tmp/offload-pwned`",
        "a; rm -rf /nonexistent",
        "*",
        "$HOME",
        "back\\slash",
        "new\nline",
        "tab\there",
        "test_x[param with \"quotes\" and 'single']",
        "ünïcødé ✓",
        "-n",
    };
    for (const char *word : words) {
        CAPTURE(word);
        CHECK(through_shell(word) == word);
    }
}
