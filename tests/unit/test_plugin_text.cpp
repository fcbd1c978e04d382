// plugins/common: the helpers the shipped plugins share.
#include "common/text.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace offload::common;

TEST_CASE("lines: \\n and \\r\\n end them, a last line without one counts")
{
    CHECK(split_lines("a\nb\r\n\nc") == std::vector<std::string_view>{"a", "b", "", "c"});
    CHECK(split_lines("").empty());
    CHECK(split_lines("one\n") == std::vector<std::string_view>{"one"});
}

TEST_CASE("trim, join and replace_all")
{
    CHECK(trim(" \t x y\r\n") == "x y");
    CHECK(trim(" \n ").empty());
    CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
    CHECK(join({}, ",").empty());
    CHECK(replace_all("run {tests} then {tests}", "{tests}", "'a b'") == "run 'a b' then 'a b'");
    CHECK(replace_all("{x}", "{x}", "{x}{x}") == "{x}{x}"); // what comes in is not searched again
    CHECK(replace_all("abc", "", "z") == "abc");
}

TEST_CASE("the tail of an output keeps the last lines, without blank ones around them")
{
    CHECK(last_lines("1\n2\n3\n4\n", 2) == "3\n4");
    CHECK(last_lines("1\n2\n\n\n", 3) == "2");
    CHECK(last_lines("only", 5) == "only");
    CHECK(last_lines("", 5).empty());

    LastLines tail(2);
    tail.add(std::string(3000, 'x'));
    CHECK(tail.text().size() == 2000); // lines are cut
    tail.add("a");
    tail.add("b");
    CHECK(tail.text() == "a\nb");
}

TEST_CASE("edit distance, bounded")
{
    CHECK(edit_distance("test_a", "test_b") == 1);
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance(std::string(1000, 'a'), std::string(1000, 'b'), 10) == 10);
}
