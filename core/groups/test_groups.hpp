// [groups.NAME]: the tests of a run, group by group. Each group's tests are discovered with its
// filters (the caller runs discovery); here they become the run's one list, each test marked with
// its group, and each group's policy reaches the runner: its retries, and its tests each in a
// command of its own when it says schedule_individual.
#pragma once

#include "config/settings.hpp"
#include "results/test_result.hpp"

#include <string>
#include <vector>

namespace offload {

// One group's discovered tests, ids as the run knows them ("NAME:" in front in a run of several
// frameworks).
struct GroupTests {
    std::string group;
    std::vector<DiscoveredTest> tests;
};

// The run's tests: every group's, in the groups' order, each with its group set. Throws
// offload::Error naming a test two groups discovered, and both groups: a test belongs to one.
std::vector<DiscoveredTest> merge_groups(std::vector<GroupTests> groups);

// The runner's entries for a run with groups: one per framework of settings.suites (index i is
// suite i), then one more per framework that a schedule_individual group takes tests from (every
// command of it holds one test). entry_of_group[g] is the entry group g's tests run under.
struct GroupEntries {
    struct Entry {
        size_t suite = 0; // index into settings.suites
        bool individual = false;
    };
    std::vector<Entry> entries;
    std::vector<size_t> entry_of_group;
};
GroupEntries group_entries(const Settings &settings);

// Per test of `tests` (from merge_groups), the index of its entry in `entries`.
std::vector<size_t> entries_of(const std::vector<DiscoveredTest> &tests, const Settings &settings,
                               const GroupEntries &entries);

// The retries of each group that gives retry_count, for RetryPolicy::group_counts.
void add_group_retries(const Settings &settings, RetryPolicy &retry);

} // namespace offload
