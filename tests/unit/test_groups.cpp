// [groups.NAME]: reading the tables, and what a run with groups makes of their tests.
#include "groups/test_groups.hpp"
#include "config/settings.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace offload;

namespace {

const char *provider = "[provider]\ntype = \"process\"\n";

struct Loaded {
    std::unique_ptr<Settings> settings;
    std::vector<std::string> messages;
    bool failed = false;
};

Loaded load(const std::string &text)
{
    Diagnostics diagnostics;
    Loaded loaded;
    try {
        loaded.settings = settings_from_text(text, "/project/offload.toml", "offload.toml", diagnostics);
    } catch (const Error &) {
        loaded.failed = true;
    }
    loaded.messages = diagnostics.messages();
    return loaded;
}

bool any_contains(const std::vector<std::string> &lines, const std::string &part)
{
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string &line) { return line.find(part) != std::string::npos; });
}

std::vector<DiscoveredTest> tests_of(std::initializer_list<const char *> ids)
{
    std::vector<DiscoveredTest> tests;
    for (const char *id : ids)
        tests.push_back({id, "", ""});
    return tests;
}

} // namespace

TEST_CASE("groups are read in the file's order, with their keys and defaults")
{
    Loaded loaded = load(std::string(provider) + R"([discovery]
type = "pytest"
[groups.zeta]
filters = "-m 'not slow'"
retry_count = 2
[groups.alpha]
schedule_individual = true
)");
    REQUIRE_FALSE(loaded.failed);
    const std::vector<Settings::Group> &groups = loaded.settings->groups;
    REQUIRE(groups.size() == 2);
    CHECK(groups[0].name == "zeta");
    CHECK(groups[0].filters == "-m 'not slow'");
    CHECK(groups[0].retry_count == 2u);
    CHECK_FALSE(groups[0].schedule_individual);
    CHECK(groups[1].name == "alpha");
    CHECK(groups[1].filters.empty());
    CHECK_FALSE(groups[1].retry_count);
    CHECK(groups[1].schedule_individual);
    CHECK(loaded.messages.empty());
    CHECK(describe_settings(*loaded.settings)
              .find("[groups.zeta]\nfilters = \"-m 'not slow'\"\nretry_count = 2") != std::string::npos);
}

TEST_CASE("a file without [groups] has none: the run is as it was")
{
    Loaded loaded = load(std::string(provider) + "[discovery]\ntype = \"pytest\"\n");
    REQUIRE_FALSE(loaded.failed);
    CHECK(loaded.settings->groups.empty());
    CHECK(describe_settings(*loaded.settings).find("[groups") == std::string::npos);
}

TEST_CASE("wrong types and ranges are errors with file:line:column; unknown keys warn")
{
    Loaded loaded = load(std::string(provider) + R"([discovery]
type = "pytest"
[groups.unit]
filters = ["-m", "slow"]
retry_count = 101
schedule_individual = "yes"
retries = 2
[groups.bad]
[groups]
"a b" = {}
)");
    CHECK(loaded.failed);
    CHECK(any_contains(loaded.messages,
                       "offload.toml:6:11: error: [groups.unit] filters must be a string, not"));
    CHECK(any_contains(loaded.messages,
                       "offload.toml:7:15: error: [groups.unit] retry_count must be from 0 to 100"));
    CHECK(any_contains(loaded.messages, "[groups.unit] schedule_individual must be true or false"));
    CHECK(any_contains(loaded.messages, "warning: unknown key [groups.unit] retries is ignored"));
    CHECK(any_contains(loaded.messages, "a group's name is letters, digits, _ and -"));
}

TEST_CASE("with several [discovery.NAME] tables each group names its suite, one of them")
{
    const std::string suites =
        std::string(provider) + "[discovery.py]\ntype = \"pytest\"\n[discovery.rs]\ntype = \"cargo\"\n";
    Loaded missing = load(suites + "[groups.unit]\nfilters = \"-m fast\"\n");
    CHECK(missing.failed);
    CHECK(any_contains(missing.messages,
                       "[groups.unit] suite is missing; with several [discovery.NAME] tables "
                       "a group names the one its tests come from: \"py\", \"rs\""));

    Loaded unknown = load(suites + "[groups.unit]\nsuite = \"go\"\n");
    CHECK(unknown.failed);
    CHECK(any_contains(unknown.messages, "[groups.unit] suite = \"go\" names no [discovery.NAME] table"));

    Loaded good = load(suites + "[groups.unit]\nsuite = \"rs\"\n[groups.py]\nsuite = \"py\"\n");
    REQUIRE_FALSE(good.failed);
    CHECK(good.settings->groups[0].suite == 1);
    CHECK(good.settings->groups[1].suite == 0);
    CHECK(describe_settings(*good.settings)
              .find("[groups.unit]\nfilters = ''\nretry_count = 0\n"
                    "schedule_individual = false\nsuite = 'rs'") != std::string::npos);

    Loaded single =
        load(std::string(provider) + "[discovery]\ntype = \"pytest\"\n[groups.unit]\nsuite = \"py\"\n");
    CHECK(single.failed);
    CHECK(any_contains(single.messages, "this file has one [discovery]"));
}

TEST_CASE("merged groups: every test once, marked with its group, in the groups' order")
{
    std::vector<DiscoveredTest> all =
        merge_groups({{"unit", tests_of({"a", "b"})}, {"slow", tests_of({"c"})}, {"empty", {}}});
    REQUIRE(all.size() == 3);
    CHECK(all[0].id == "a");
    CHECK(all[0].group == "unit");
    CHECK(all[2].id == "c");
    CHECK(all[2].group == "slow");
}

TEST_CASE("a test two groups found is an error naming the test and both groups")
{
    try {
        merge_groups({{"unit", tests_of({"a", "b"})}, {"slow", tests_of({"c", "b"})}});
        FAIL("no error");
    } catch (const Error &error) {
        CHECK(
            std::string(error.what()).find("the test b is in two groups, [groups.unit] and [groups.slow]") ==
            0);
    }
}

TEST_CASE("schedule_individual groups get an entry of their own per framework; the others share theirs")
{
    Loaded loaded = load(std::string(provider) + R"([discovery.py]
type = "pytest"
[discovery.rs]
type = "cargo"
[groups.unit]
suite = "py"
[groups.slow]
suite = "py"
schedule_individual = true
[groups.heavy]
suite = "py"
schedule_individual = true
[groups.rust]
suite = "rs"
retry_count = 4
)");
    REQUIRE_FALSE(loaded.failed);
    const Settings &settings = *loaded.settings;
    const GroupEntries entries = group_entries(settings);
    // py, rs, then py one test at a time (slow and heavy share it).
    REQUIRE(entries.entries.size() == 3);
    CHECK(entries.entries[2].suite == 0);
    CHECK(entries.entries[2].individual);
    CHECK_FALSE(entries.entries[0].individual);
    CHECK(entries.entry_of_group == std::vector<size_t>{0, 2, 2, 1});

    std::vector<DiscoveredTest> tests = merge_groups(
        {{"unit", tests_of({"py:a"})}, {"slow", tests_of({"py:b"})}, {"rust", tests_of({"rs:c"})}});
    CHECK(entries_of(tests, settings, entries) == std::vector<size_t>{0, 2, 1});

    RetryPolicy retry;
    add_group_retries(settings, retry);
    CHECK(retry.group_counts == std::map<std::string, unsigned, std::less<>>{{"rust", 4}});
}
