// Flakiness from the history: rates, the flakiest tests, and the quarantine built on them.
#include "flaky/flake_rate.hpp"
#include "flaky/quarantine.hpp"

#include <doctest/doctest.h>

using namespace offload;

namespace {

History::Flakiness with_recent(const std::string &marks)
{
    History::Flakiness flakiness;
    flakiness.recent = marks;
    flakiness.runs = marks.size();
    for (char mark : marks) {
        flakiness.flaky += mark == 'f';
        flakiness.failures += mark == 'F';
    }
    return flakiness;
}

History history_of(const std::vector<std::pair<std::string, std::string>> &tests)
{
    std::string text = "offload-history 2\nrun\t10\n";
    for (const auto &[id, marks] : tests) {
        const History::Flakiness f = with_recent(marks);
        text += "f\t" + std::to_string(f.runs) + "\t" + std::to_string(f.failures) + "\t" +
                std::to_string(f.flaky) + "\t2026-11-01T10:00:00Z\t2026-11-02T10:00:00Z\t10\t" + marks +
                "\t" + id + "\n";
    }
    Expected<History> history = History::parse(text);
    REQUIRE_MESSAGE(history, (history ? "" : history.error()));
    return *history;
}

} // namespace

TEST_CASE("a test that flaked 3 times in 10 runs has a 30% flake rate")
{
    const FlakeRate rate = recent_rate(with_recent("pfppfpppfp"), 50);
    CHECK(rate.runs == 10);
    CHECK(rate.flaky == 3);
    CHECK(rate.failures == 0);
    CHECK(rate.flake_rate() == doctest::Approx(0.3));
}

TEST_CASE("rates are over the window's last runs only")
{
    const History::Flakiness flakiness = with_recent("ffffFppppp");
    CHECK(recent_rate(flakiness, 5).flaky == 0);
    CHECK(recent_rate(flakiness, 6).failures == 1);
    CHECK(recent_rate(flakiness, 100).flaky == 4);
    CHECK(recent_rate(History::Flakiness{}, 50).flake_rate() == 0);
}

TEST_CASE("the flakiest tests come first, then the most failing; steady tests are not listed")
{
    const History history = history_of({{"steady", "pppppppppp"},
                                        {"sometimes", "pppppppppf"},
                                        {"often", "pfpfpfpfpp"},
                                        {"broken", "FFFFFFFFFF"},
                                        {"often_too", "fpfpfpfppp"}});
    const std::vector<FlakyTest> all = flakiest_tests(history, 50, 0);
    REQUIRE(all.size() == 4);
    CHECK(all[0].id == "often");
    CHECK(all[1].id == "often_too");
    CHECK(all[2].id == "sometimes");
    CHECK(all[3].id == "broken");
    CHECK(all[0].all->last_flake == "2026-11-02T10:00:00Z");
    const std::vector<FlakyTest> top = flakiest_tests(history, 50, 2);
    REQUIRE(top.size() == 2);
    CHECK(top[1].id == "often_too");
}

TEST_CASE("quarantine: listed ids and patterns, with the entry named")
{
    QuarantineSettings settings;
    settings.listed = {IdPattern("tests/a.py::test_x[1]"), IdPattern("tests/net/*")};
    CHECK(quarantine_reason(settings, "tests/a.py::test_x[1]", nullptr) == "listed in [flaky] quarantine");
    CHECK(quarantine_reason(settings, "tests/net/t.py::test_y", nullptr) ==
          "listed in [flaky] quarantine as \"tests/net/*\"");
    CHECK(quarantine_reason(settings, "tests/a.py::test_x[2]", nullptr).empty());
}

TEST_CASE("quarantine by rate: at or above it, once the window holds min_runs runs")
{
    QuarantineSettings settings;
    settings.rate = 0.3;
    settings.min_runs = 10;
    const History::Flakiness three_in_ten = with_recent("pfppfpppfp");
    CHECK(quarantine_reason(settings, "t", &three_in_ten) ==
          "flaked in 3 of its last 10 runs (30%; [flaky] quarantine_rate = 30%)");
    const History::Flakiness three_in_nine = with_recent("fppfpppfp");
    CHECK(quarantine_reason(settings, "t", &three_in_nine).empty()); // not enough runs yet
    const History::Flakiness two_in_ten = with_recent("ppppfpppfp");
    CHECK(quarantine_reason(settings, "t", &two_in_ten).empty());
    const History::Flakiness failing = with_recent("FFFFFFFFFF");
    CHECK(quarantine_reason(settings, "t", &failing).empty()); // broken is not flaky
    settings.window_runs = 5;
    settings.min_runs = 5;
    const History::Flakiness recovered = with_recent("fffffppppp");
    CHECK(quarantine_reason(settings, "t", &recovered).empty()); // fixed: it leaves the quarantine
    settings.rate.reset();
    CHECK(quarantine_reason(settings, "t", &three_in_ten).empty());
}

TEST_CASE("listed entries that name no test of the run are reported")
{
    QuarantineSettings settings;
    settings.listed = {IdPattern("a"), IdPattern("gone"), IdPattern("b*")};
    RunReport report;
    report.tests = {{"a", "", {}, {}, {}}, {"bc", "", {}, {}, {}}};
    CHECK(unmatched_entries(settings, report) == std::vector<std::string>{"gone"});
}
