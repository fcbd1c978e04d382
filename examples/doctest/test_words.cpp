// A small word-splitting function and its doctest cases: passing, failing, skipped, may_fail, a
// subcase, an exception, a crash, and names that doctest's filters treat specially.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

static std::vector<std::string> split(const std::string &text, char separator)
{
    std::vector<std::string> words;
    std::string word;
    for (char c : text) {
        if (c == separator) {
            words.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    words.push_back(word);
    return words;
}

TEST_CASE("splits on the separator")
{
    CHECK(split("a,b,c", ',') == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("keeps empty words")
{
    CHECK(split(",a,", ',').size() == 3);
}

TEST_CASE("trims spaces around words")
{
    std::printf("splitting \" a , b \"\n");
    CHECK(split(" a , b ", ',')[0] == "a"); // split does not trim: this fails
}

TEST_SUITE("edge cases")
{
    TEST_CASE("empty text gives one empty word")
    {
        CHECK(split("", ',').size() == 1);
    }

    TEST_CASE("splits \"a, b\" on \\, too [sic]")
    {
        CHECK(split("a\\b", '\\').size() == 2);
    }

    TEST_CASE("glob-like name: *?")
    {
        CHECK(split("*?", '?').size() == 2);
    }
}

TEST_CASE("subcases each check one separator")
{
    SUBCASE("comma")
    {
        CHECK(split("a,b", ',').size() == 2);
    }
    SUBCASE("semicolon")
    {
        CHECK(split("a;b", ';').size() == 2);
    }
}

TEST_CASE("unicode separators are not supported yet" * doctest::skip())
{
    CHECK(split("a·b", '\xb7').size() == 2);
}

TEST_CASE("may fail: locale-dependent" * doctest::may_fail())
{
    CHECK(split("a b", ' ').size() == 3);
}

TEST_CASE("rejects a null separator")
{
    throw std::invalid_argument("separator must not be NUL");
}

TEST_CASE("reads past the end")
{
    std::printf("about to crash\n");
    std::fflush(stdout);
    std::raise(SIGSEGV);
}

TEST_CASE("long text")
{
    std::string text(10000, 'x');
    CHECK(split(text, ',').size() == 1);
}
