// The gtest plugin's pure parts: its ids and the frames of its shell half.
#include "common/frames.hpp"
#include "common/gtest_cases.hpp"
#include "gtest/gtest_ids.hpp"

#include <doctest/doctest.h>

using namespace offload::gtest;
using namespace offload::common;

TEST_CASE("an id is the binary and GoogleTest's full name, split at the last ::")
{
    CHECK(format_id("build/calc_test", "Small/Square.IsNotNegative/2") ==
          "build/calc_test::Small/Square.IsNotNegative/2");
    const auto id = parse_id("odd::dir/calc_test::Identity/0.AddZero");
    REQUIRE(id);
    CHECK(id->binary == "odd::dir/calc_test");
    CHECK(id->name == "Identity/0.AddZero");
    CHECK_FALSE(parse_id("no separator"));
    CHECK_FALSE(parse_id("::Suite.Case"));
    CHECK_FALSE(parse_id("binary::"));
}

TEST_CASE("DISABLED_ on the suite or the case")
{
    CHECK(is_disabled("Divide.DISABLED_HugeNumbers"));
    CHECK(is_disabled("DISABLED_Slow.Anything"));
    CHECK_FALSE(is_disabled("Divide.NotDISABLED_"));
    CHECK(is_disabled("Inst/DISABLED_Suite.Case/0"));
    CHECK_FALSE(is_disabled("Suite.Case_DISABLED_x"));
}

TEST_CASE("percent-encoding for record values")
{
    CHECK(percent_encode("a b%c\td\ne") == "a%20b%25c%09d%0Ae");
}

TEST_CASE("frames are delimited by their lengths, whatever their bytes hold")
{
    const std::string fake = "x\n@offload-gtest xml 3\nabc\n";
    const std::string text = "@offload-gtest binary 4\ncalc\n@offload-gtest output " +
                             std::to_string(fake.size()) + "\n" + fake + "\n@offload-gtest exit 1\n0\n";
    const Frames read = read_frames(text);
    CHECK(read.error.empty());
    REQUIRE(read.frames.size() == 3);
    CHECK(read.frames[0].kind == "binary");
    CHECK(read.frames[0].data == "calc");
    CHECK(read.frames[1].kind == "output");
    CHECK(read.frames[1].data == fake);
    CHECK(read.frames[2].data == "0");
}

TEST_CASE("a cut-off frame ends the reading with an error, keeping the frames before it")
{
    const Frames read = read_frames("@offload-gtest exit 1\n0\n@offload-gtest xml 100\n<testsuites>");
    REQUIRE(read.frames.size() == 1);
    CHECK(read.error.find("cut off") != std::string::npos);
    CHECK_FALSE(read_frames("garbage\n").error.empty());
    CHECK_FALSE(read_frames("@offload-gtest exit x\n").error.empty());
}
