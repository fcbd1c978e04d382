#include "scheduler/hedging.hpp"

#include <doctest/doctest.h>

using offload::choose_straggler;
using offload::RunningTestTiming;

TEST_CASE("the test furthest past its estimate is duplicated")
{
    std::vector<RunningTestTiming> running = {
        {1, 0, 3.5, 2.0, false},  // 1.5 s past
        {2, 1, 9.0, 2.0, false},  // 7 s past
        {3, 2, 5.0, 10.0, false}, // within its estimate
    };
    CHECK(choose_straggler(running, 3) == 2u);
}

TEST_CASE("never a test of the idle worker itself, never twice, never a young one")
{
    CHECK_FALSE(choose_straggler({{1, 0, 9.0, 1.0, false}}, 0));
    CHECK_FALSE(choose_straggler({{1, 0, 9.0, 1.0, true}}, 1));
    // Past its tiny estimate, but duplicating a test younger than a second costs more than it saves.
    CHECK_FALSE(choose_straggler({{1, 0, 0.5, 0.01, false}}, 1));
    // Within 1.5 times its estimate: not a straggler yet.
    CHECK_FALSE(choose_straggler({{1, 0, 14.0, 10.0, false}}, 1));
    CHECK(choose_straggler({{1, 0, 15.5, 10.0, false}}, 1) == 1u);
    CHECK_FALSE(choose_straggler({}, 0));
}
