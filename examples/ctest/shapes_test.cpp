// A GoogleTest binary for the ctest example: passing, failing, skipped, disabled and
// value-parametrized cases.
#include <gtest/gtest.h>

namespace {

int area(int width, int height)
{
    return width * height;
}

} // namespace

TEST(Rectangle, Area)
{
    EXPECT_EQ(area(2, 3), 6);
}

TEST(Rectangle, WrongArea)
{
    std::cout << "computing the area of a 2x2 square\n";
    EXPECT_EQ(area(2, 2), 5) << "a 2x2 square";
}

TEST(Rectangle, NotOnThisMachine)
{
    GTEST_SKIP() << "needs a plotter";
}

TEST(Rectangle, DISABLED_Huge)
{
    EXPECT_EQ(area(1 << 20, 1 << 20), 0);
}

class Square : public testing::TestWithParam<int> {};

TEST_P(Square, IsNotNegative)
{
    EXPECT_GE(area(GetParam(), GetParam()), 0);
}

INSTANTIATE_TEST_SUITE_P(Small, Square, testing::Values(0, 1, 7));
