// The merge of three versions of a history file (History::merge), as `offload history merge` does it
// for git: the policy alone, on histories parsed from text.
#include "history/history.hpp"

#include <doctest/doctest.h>

#include <string>

using offload::History;

namespace {

History parsed(const std::string &body)
{
    offload::Expected<History> history = History::parse("offload-history 2\n" + body);
    REQUIRE_MESSAGE(history, (history ? "" : history.error()));
    return *history;
}

} // namespace

TEST_CASE("runs both branches recorded since the ancestor add up, and every test of either is kept")
{
    const History base = parsed("run\t10\nt\t1.000000\t3\t10\told\n");
    // Ours ran twice more and met a new test; theirs ran once and measured "old" again.
    const History ours = parsed("run\t12\nt\t1.000000\t3\t10\told\nt\t2.000000\t1\t12\tmine\n");
    const History theirs = parsed("run\t11\nt\t3.000000\t4\t11\told\nt\t5.000000\t1\t11\tyours\n");
    const History merged = History::merge(base, ours, theirs);
    CHECK(merged.runs() == 13);
    REQUIRE(merged.find("old"));
    CHECK(merged.find("old")->mean_secs == doctest::Approx(3.0)); // only theirs changed it
    CHECK(merged.find("old")->samples == 4);
    CHECK(merged.find("old")->last_run == 13); // theirs' latest run is the merge's latest
    REQUIRE(merged.find("mine"));
    CHECK(merged.find("mine")->last_run == 13);
    REQUIRE(merged.find("yours"));
    CHECK(merged.find("yours")->mean_secs == doctest::Approx(5.0));
}

TEST_CASE("a test both branches measured gets both runs' outcomes and a mean weighted by their samples")
{
    const History base = parsed("run\t5\nt\t1.000000\t2\t5\tt\nf\t2\t0\t0\t-\t-\t5\tpp\tt\n");
    const History ours = parsed("run\t6\nt\t4.000000\t3\t6\tt\nf\t3\t1\t0\t-\t-\t6\tppF\tt\n");
    const History theirs = parsed(
        "run\t7\nt\t2.000000\t4\t7\tt\nf\t4\t0\t1\t2026-01-02T00:00:00\t2026-01-03T00:00:00\t7\tpppf\tt\n");
    const History merged = History::merge(base, ours, theirs);
    CHECK(merged.runs() == 8);
    REQUIRE(merged.find("t"));
    CHECK(merged.find("t")->samples == 5);
    // Ours added 1 sample at 4 s, theirs 2 at 2 s.
    CHECK(merged.find("t")->mean_secs == doctest::Approx((4.0 * 1 + 2.0 * 2) / 3));
    const History::Flakiness *flakiness = merged.flakiness("t");
    REQUIRE(flakiness);
    CHECK(flakiness->runs == 5);
    CHECK(flakiness->failures == 1);
    CHECK(flakiness->flaky == 1);
    CHECK(flakiness->first_flake == "2026-01-02T00:00:00");
    CHECK(flakiness->recent == "pp" + std::string("F") + "pf"); // base's, then the lesser string first
}

TEST_CASE("the merge does not depend on which side is ours")
{
    const History base = parsed("run\t3\noverhead\t0.500000\nt\t1.000000\t1\t3\ta\nt\t1.000000\t1\t3\tb\n");
    const History one = parsed("run\t5\noverhead\t0.500000\noverhead\t0.700000\nt\t2.000000\t2\t5\ta\n"
                               "t\t1.000000\t1\t3\tb\nf\t2\t1\t0\t-\t-\t5\tpF\ta\n");
    const History two = parsed("run\t4\noverhead\t0.500000\noverhead\t0.600000\nt\t3.000000\t2\t4\ta\n"
                               "t\t9.000000\t2\t4\tb\nt\t1.000000\t1\t4\tc\n");
    CHECK(History::merge(base, one, two).serialize() == History::merge(base, two, one).serialize());
    const History merged = History::merge(base, one, two);
    CHECK(merged.batch_overhead_secs().has_value());
    CHECK(merged.serialize().find("overhead\t0.600000\noverhead\t0.700000\n") != std::string::npos);
}

TEST_CASE("a test one branch forgot and the other left alone is gone; one the other changed stays")
{
    const History base = parsed("run\t60\nt\t1.000000\t1\t60\tgone\nt\t1.000000\t1\t60\tkept\n");
    const History ours = parsed("run\t61\n"); // forgot both
    const History theirs = parsed("run\t61\nt\t1.000000\t1\t60\tgone\nt\t2.000000\t2\t61\tkept\n");
    const History merged = History::merge(base, ours, theirs);
    CHECK_FALSE(merged.find("gone"));
    REQUIRE(merged.find("kept"));
    CHECK(merged.find("kept")->mean_secs == doctest::Approx(2.0));
}

TEST_CASE("a file both branches created from nothing merges from an empty base")
{
    const History merged = History::merge(History(), parsed("run\t1\nt\t1.000000\t1\t1\ta\n"),
                                          parsed("run\t2\nt\t3.000000\t2\t2\tb\n"));
    CHECK(merged.runs() == 3);
    CHECK(merged.find("a"));
    CHECK(merged.find("b"));
}

TEST_CASE("tests not seen for forget_after_runs runs of the merge are dropped")
{
    const History base = parsed("run\t100\nt\t1.000000\t1\t50\tstale\n");
    const History merged = History::merge(base, parsed("run\t100\nt\t1.000000\t1\t50\tstale\n"),
                                          parsed("run\t101\nt\t1.000000\t1\t50\tstale\n"));
    CHECK(merged.runs() == 101);
    CHECK_FALSE(merged.find("stale"));
}
