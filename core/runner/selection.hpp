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
    bool by_hash = false; // hash:K/N: by a hash of each id (stable as tests come and go)
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
                                         const std::vector<std::string> &failed);

// The share of partition.index among partition.count. It depends on the discovered ids alone —
// never on a machine's own timing history, which CI machines rarely share — so that the N shares
// are disjoint and together cover every test whatever history each machine holds: every N-th test
// of the ids in sorted order (count:K/N, the default; equal counts), or by a hash of the id
// (hash:K/N; a test keeps its share when others are added or removed). Discovery order is kept.
std::vector<DiscoveredTest> partition_tests(const std::vector<DiscoveredTest> &tests,
                                            const Partition &partition);

} // namespace offload
