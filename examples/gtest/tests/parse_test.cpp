// Tests of calc::parse, one of which crashes the whole process (a null pointer read): the cases
// before and after it still have their own outcomes.
#include "calc.hpp"

#include <gtest/gtest.h>

TEST(Parse, Digits)
{
    EXPECT_EQ(calc::parse("42"), 42);
}

TEST(Parse, LeadingMinus)
{
    EXPECT_EQ(calc::parse("-7"), -7);
}

// A known bug: parse() does not check its argument, and a null one crashes the process.
TEST(Parse, NullCrashes)
{
    EXPECT_EQ(calc::parse(nullptr), 0);
}

TEST(Parse, Whitespace)
{
    EXPECT_EQ(calc::parse(" 5"), 5) << "parse() does not skip leading spaces";
}

TEST(Parse, Empty)
{
    EXPECT_EQ(calc::parse(""), 0);
}
