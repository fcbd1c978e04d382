#include "groups/test_groups.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

#include <unordered_map>

namespace offload {

std::vector<DiscoveredTest> merge_groups(std::vector<GroupTests> groups)
{
    std::vector<DiscoveredTest> all;
    std::unordered_map<std::string, std::string> group_of;
    for (GroupTests &group : groups)
        for (DiscoveredTest &test : group.tests) {
            auto [found, added] = group_of.emplace(test.id, group.group);
            if (!added) {
                if (found->second == group.group)
                    continue; // listed twice by its own discovery: one test
                throw Error(fmt::format(
                    "the test {} is in two groups, [groups.{}] and [groups.{}]: a test belongs to one "
                    "group; change their filters so that only one of them selects it (`offload "
                    "collect` lists each group's tests)",
                    test.id, found->second, group.group));
            }
            test.group = group.group;
            all.push_back(std::move(test));
        }
    return all;
}

GroupEntries group_entries(const Settings &settings)
{
    GroupEntries result;
    for (size_t suite = 0; suite < settings.suites.size(); ++suite)
        result.entries.push_back({suite, false});
    std::vector<size_t> individual_entry(settings.suites.size(), 0); // 0: none yet
    for (const Settings::Group &group : settings.groups) {
        if (!group.schedule_individual) {
            result.entry_of_group.push_back(group.suite);
            continue;
        }
        if (individual_entry[group.suite] == 0) {
            individual_entry[group.suite] = result.entries.size();
            result.entries.push_back({group.suite, true});
        }
        result.entry_of_group.push_back(individual_entry[group.suite]);
    }
    return result;
}

std::vector<size_t> entries_of(const std::vector<DiscoveredTest> &tests, const Settings &settings,
                               const GroupEntries &entries)
{
    std::unordered_map<std::string, size_t> entry_of;
    for (size_t group = 0; group < settings.groups.size(); ++group)
        entry_of.emplace(settings.groups[group].name, entries.entry_of_group[group]);
    std::vector<size_t> result;
    result.reserve(tests.size());
    for (const DiscoveredTest &test : tests) {
        auto found = entry_of.find(test.group);
        if (found == entry_of.end())
            throw Error(fmt::format("internal error: the test {} has no group of this run", test.id));
        result.push_back(found->second);
    }
    return result;
}

void add_group_retries(const Settings &settings, RetryPolicy &retry)
{
    for (const Settings::Group &group : settings.groups)
        if (group.retry_count)
            retry.group_counts[group.name] = *group.retry_count;
}

} // namespace offload
