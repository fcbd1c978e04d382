// Choosing which discovered tests run: explicit ids, --filter/--exclude, --rerun-failed, and
// --partition K/N for sharding a suite over N CI machines.
#pragma once

#include "history/history.hpp"
#include "plugin_host/framework_instance.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace offload {

// --partition K/N: this machine's share.
struct Partition {
    unsigned index = 1;   // K, 1-based
    unsigned count = 1;   // N
    bool by_hash = false; // hash:K/N, ignoring the timing history
};

struct Selection {
    std::vector<std::string> ids;      // exactly these (positional arguments)
    std::vector<std::string> filters;  // --filter: a test must match one of them
    std::vector<std::string> excludes; // --exclude: a test must match none
    bool rerun_failed = false;
    std::optional<Partition> partition;

    bool empty() const
    {
        return ids.empty() && filters.empty() && excludes.empty() && !rerun_failed && !partition;
    }
};

// The ids that the last run's JUnit report shows as failed, errored or not run. Throws
// offload::Error when the report is missing or unreadable.
std::vector<std::string> failed_in_report(const std::filesystem::path &junit_file);

// Applies the selection, keeping discovery order. `failed` is what failed_in_report returned (only
// read with rerun_failed). Throws offload::Error for an id that was not discovered (naming the
// closest one) and for an invalid regular expression.
std::vector<DiscoveredTest> select_tests(std::vector<DiscoveredTest> tests, const Selection &selection,
                                         const History &history, const std::vector<std::string> &failed);

// The share of partition.index among partition.count: with a timing history for some of the
// tests (and not by_hash), longest-first onto the share with the least work, so shares take about
// equally long; else by a hash of the id. Deterministic for the same tests and the same history:
// every machine must see the same history file (restore it from a CI cache) or use hash:K/N.
std::vector<DiscoveredTest> partition_tests(const std::vector<DiscoveredTest> &tests,
                                            const Partition &partition, const History &history);

} // namespace offload
