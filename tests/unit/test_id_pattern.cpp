#include "util/id_pattern.hpp"

#include <doctest/doctest.h>

using offload::IdPattern;

TEST_CASE("an id without * matches only itself, whatever characters it holds")
{
    const IdPattern exact("tests/test_a.py::test_b[1-2]");
    CHECK(exact.matches("tests/test_a.py::test_b[1-2]"));
    CHECK_FALSE(exact.matches("tests/test_a.py::test_b[1-20]"));
    CHECK_FALSE(exact.matches("tests/test_a.py::test_b1"));
    CHECK_FALSE(exact.matches("xtests/test_a.py::test_b[1-2]"));
    CHECK(IdPattern("a.b").matches("a.b"));
    CHECK_FALSE(IdPattern("a.b").matches("axb"));
}

TEST_CASE("* matches any run of characters, the empty one too, and the whole id must match")
{
    CHECK(IdPattern("tests/net/*").matches("tests/net/test_x.py::test_a"));
    CHECK(IdPattern("tests/net/*").matches("tests/net/"));
    CHECK_FALSE(IdPattern("tests/net/*").matches("tests/netx/a"));
    CHECK(IdPattern("*::test_slow*").matches("a/b.py::test_slow_one"));
    CHECK_FALSE(IdPattern("*::test_slow").matches("a/b.py::test_slow_one"));
    CHECK(IdPattern("*a*b*c").matches("xxaybbzc"));
    CHECK_FALSE(IdPattern("*a*b*c").matches("xxaybbzcd"));
    CHECK(IdPattern("*").matches(""));
    CHECK(IdPattern("**").matches("anything"));
    CHECK_FALSE(IdPattern("").matches("a"));
}

TEST_CASE("a long id against a pattern of many stars takes no time to speak of")
{
    const std::string id(200000, 'a');
    CHECK_FALSE(IdPattern("*a*a*a*a*a*b").matches(id));
    CHECK(IdPattern("*a*a*a*a*a*").matches(id));
}
