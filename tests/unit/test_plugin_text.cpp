// plugins/common: the helpers the shipped plugins share.
#include "common/command.hpp"
#include "common/text.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
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

TEST_CASE("floats as TOML writes them: shortest round trip, .0 when integral, inf and nan")
{
    CHECK(toml_float(1234567.0) == "1234567.0"); // was 1.23457e+06
    CHECK(toml_float(0.1) == "0.1");
    CHECK(toml_float(2.5) == "2.5");
    CHECK(toml_float(-3.0) == "-3.0");
    CHECK(toml_float(-0.0) == "-0.0");
    CHECK(toml_float(1e22) == "1e+22");
    CHECK(toml_float(1.7976931348623157e308) == "1.7976931348623157e+308");
    CHECK(toml_float(5e-324) == "5e-324");
    CHECK(toml_float(0.30000000000000004) == "0.30000000000000004");
    CHECK(toml_float(INFINITY) == "inf");
    CHECK(toml_float(-INFINITY) == "-inf");
    CHECK(toml_float(NAN) == "nan");
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

TEST_CASE("filters split as sh splits words, and nothing in them is expanded")
{
    CHECK(split_shell_words("-m 'not slow' -k \"not test_flaky\"") ==
          std::vector<std::string>{"-m", "not slow", "-k", "not test_flaky"});
    CHECK(split_shell_words("  a\tb\n") == std::vector<std::string>{"a", "b"});
    CHECK(split_shell_words("'' x") == std::vector<std::string>{"", "x"});
    CHECK(split_shell_words("it\\'s \"say \\\"hi\\\" \\n\" $HOME *") ==
          std::vector<std::string>{"it's", "say \"hi\" \\n", "$HOME", "*"});
    CHECK(split_shell_words("a'b c'd") == std::vector<std::string>{"ab cd"});
    CHECK(split_shell_words("").empty());
    CHECK_THROWS_WITH_AS(split_shell_words("-k 'oops"), "the ' at character 4 is never closed",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(split_shell_words("\"x"), "the \" at character 1 is never closed",
                         std::invalid_argument);
    CHECK_THROWS_AS(split_shell_words("x \\"), std::invalid_argument);
}

TEST_CASE("a one-pattern filter: the pattern alone, or with its option")
{
    CHECK(single_pattern_filter("Net*.*", "--gtest_filter", "x") == "Net*.*");
    CHECK(single_pattern_filter("-Slow*", "--gtest_filter", "x") == "-Slow*");
    CHECK(single_pattern_filter("--gtest_filter=A.*:B.*", "--gtest_filter", "x") == "A.*:B.*");
    CHECK(single_pattern_filter("-run '^Test(A|B)$'", "-run", "x") == "^Test(A|B)$");
    CHECK(single_pattern_filter("-run=Rect", "-run", "x") == "Rect");
    for (const char *bad : {"-run", "a b", "--gtest_repeat=3", "--gtest_filter=", "-run ''", "'oops"})
        CHECK_THROWS_AS(single_pattern_filter(bad, bad[1] == 'r' ? "-run" : "--gtest_filter", "x"),
                        std::invalid_argument);
}
