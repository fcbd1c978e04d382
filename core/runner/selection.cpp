#include "runner/selection.hpp"

#include "results/junit_reader.hpp"
#include "util/edit_distance.hpp"
#include "util/error.hpp"
#include "util/regex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_set>

namespace offload {

namespace {

uint64_t fnv1a(std::string_view text)
{
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

std::vector<Regex> compile(const std::vector<std::string> &patterns, const char *option)
{
    std::vector<Regex> compiled;
    for (const std::string &pattern : patterns) {
        Expected<Regex> regex = Regex::compile(pattern);
        if (!regex)
            throw Error(invalid_pattern_message(option, pattern, regex.error()), exit_usage);
        compiled.push_back(std::move(*regex));
    }
    return compiled;
}

bool matches_any(const std::vector<Regex> &patterns, const std::string &id)
{
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const Regex &pattern) { return pattern.search(id); });
}

std::string closest(const std::string &id, const std::vector<DiscoveredTest> &tests)
{
    const DiscoveredTest *best = nullptr;
    size_t best_distance = SIZE_MAX;
    for (const DiscoveredTest &test : tests) {
        if (test.id.size() > id.size() + 64 || id.size() > test.id.size() + 64)
            continue;
        size_t distance = edit_distance(id, test.id);
        if (distance < best_distance) {
            best_distance = distance;
            best = &test;
        }
    }
    return best ? best->id : "";
}

} // namespace

std::vector<std::string> failed_in_report(const std::filesystem::path &junit_file)
{
    std::vector<std::string> failed;
    Expected<std::optional<size_t>> read = read_junit(junit_file, [&](const JunitCase &test) {
        if (test.outcome == Outcome::Failed || test.outcome == Outcome::Error)
            failed.push_back(test.name);
    });
    if (!read)
        throw Error(fmt::format("--rerun-failed cannot read the last run's report: {}", read.error()));
    if (!*read)
        throw Error(
            fmt::format("--rerun-failed reads the last run's report, but there is none at {} (run `offload "
                        "run` first, with [report] junit = true)",
                        junit_file.string()));
    return failed;
}

std::vector<DiscoveredTest> select_tests(std::vector<DiscoveredTest> tests, const Selection &selection,
                                         const std::vector<std::string> &failed)
{
    if (!selection.ids.empty()) {
        std::unordered_set<std::string> discovered;
        for (const DiscoveredTest &test : tests)
            discovered.insert(test.id);
        for (const std::string &id : selection.ids) {
            if (discovered.count(id))
                continue;
            std::string near = closest(id, tests);
            throw Error(fmt::format("no test \"{}\" was discovered{}; `offload collect` lists them", id,
                                    near.empty() ? "" : fmt::format(" (the closest is \"{}\")", near)),
                        exit_usage);
        }
        std::unordered_set<std::string> wanted(selection.ids.begin(), selection.ids.end());
        std::erase_if(tests, [&](const DiscoveredTest &test) { return !wanted.count(test.id); });
    }
    std::vector<Regex> filters = compile(selection.filters, "--filter");
    std::vector<Regex> excludes = compile(selection.excludes, "--exclude");
    if (!filters.empty())
        std::erase_if(tests, [&](const DiscoveredTest &test) { return !matches_any(filters, test.id); });
    if (!excludes.empty())
        std::erase_if(tests, [&](const DiscoveredTest &test) { return matches_any(excludes, test.id); });
    if (selection.rerun_failed) {
        std::unordered_set<std::string> again(failed.begin(), failed.end());
        std::erase_if(tests, [&](const DiscoveredTest &test) { return !again.count(test.id); });
    }
    if (selection.partition)
        tests = partition_tests(tests, *selection.partition);
    return tests;
}

std::vector<DiscoveredTest> partition_tests(const std::vector<DiscoveredTest> &tests,
                                            const Partition &partition)
{
    const unsigned share = partition.index - 1;
    std::vector<bool> mine(tests.size(), false);
    if (partition.by_hash) {
        for (size_t i = 0; i < tests.size(); ++i)
            mine[i] = fnv1a(tests[i].id) % partition.count == share;
    } else {
        std::vector<size_t> order(tests.size());
        std::iota(order.begin(), order.end(), size_t{0});
        std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return tests[a].id < tests[b].id; });
        for (size_t rank = 0; rank < order.size(); ++rank)
            mine[order[rank]] = rank % partition.count == share;
    }
    std::vector<DiscoveredTest> selected;
    for (size_t i = 0; i < tests.size(); ++i)
        if (mine[i])
            selected.push_back(tests[i]);
    return selected;
}

} // namespace offload
