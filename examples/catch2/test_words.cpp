// A small word-splitting function and its Catch2 cases: passing, failing, hidden, [!shouldfail],
// [!mayfail], sections, an exception, a crash, and names that Catch2's test specs treat specially.
#include <catch2/catch.hpp>

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

TEST_CASE("splits on the separator", "[split]")
{
    CHECK(split("a,b,c", ',') == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("keeps empty words", "[split]")
{
    CHECK(split(",a,", ',').size() == 3);
}

TEST_CASE("trims spaces around words", "[split]")
{
    std::printf("splitting \" a , b \"\n");
    CHECK(split(" a , b ", ',')[0] == "a"); // split does not trim: this fails
}

TEST_CASE("splits \"a, b\" on \\, too [sic] *really*", "[edge]")
{
    CHECK(split("a\\b", '\\').size() == 2);
}

TEST_CASE("~tilde and exclude:words", "[edge]")
{
    CHECK(split("~", '~').size() == 2);
}

TEST_CASE("sections each check one separator", "[split]")
{
    SECTION("comma")
    {
        CHECK(split("a,b", ',').size() == 2);
    }
    SECTION("semicolon")
    {
        CHECK(split("a;b", ';').size() == 2);
    }
}

TEST_CASE("unicode separators are not supported yet", "[.][unicode]")
{
    const std::string text = std::string("a\xc2\xb7") + "b";
    CHECK(split(text, '\xb7')[0] == "a"); // splits inside the UTF-8 sequence
}

TEST_CASE("should fail: trailing separator ignored", "[!shouldfail]")
{
    CHECK(split("a,", ',').size() == 1);
}

TEST_CASE("may fail: locale-dependent", "[!mayfail]")
{
    CHECK(split("a b", ' ').size() == 3);
}

TEST_CASE("rejects a null separator", "[split]")
{
    throw std::invalid_argument("separator must not be NUL");
}

TEST_CASE("reads past the end", "[split]")
{
    std::printf("about to crash\n");
    std::fflush(stdout);
    std::raise(SIGSEGV);
}

TEST_CASE("long text", "[split]")
{
    std::string text(10000, 'x');
    CHECK(split(text, ',').size() == 1);
}
