// The C++ third: the same conversions once more, as GoogleTest cases.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>

namespace {

double miles_to_km(double miles)
{
    return miles * 1.609344;
}

} // namespace

TEST(Miles, OneIsAboutOneAndAHalfKm)
{
    EXPECT_NEAR(miles_to_km(1), 1.609, 1e-3);
}

TEST(Miles, ZeroIsZero)
{
    EXPECT_EQ(miles_to_km(0), 0);
}

TEST(Miles, ALongDriveTakesAMoment)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GT(miles_to_km(500), 800);
}

TEST(Miles, TruncatesToWholeKm)
{
    // Wrong on purpose: the conversion does not round — the example's C++ failure.
    EXPECT_EQ(miles_to_km(2), std::floor(miles_to_km(2)));
}
