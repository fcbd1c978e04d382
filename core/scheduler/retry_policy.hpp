// How often a failed test runs again, and how long it waits first: [offload] retry_count, the
// [retry] table and its [[retry.overrides]]. Pure policy; the runner carries it out.
#pragma once

#include "util/id_pattern.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

enum class Backoff {
    None,        // a retry is queued at once
    Fixed,       // each retry waits delay_secs
    Exponential, // the first waits delay_secs, each next one twice as long, up to max_delay_secs
};

// "none", "fixed", "exponential"
std::string_view backoff_name(Backoff backoff);

// Tests that get another number of retries than the run's.
struct RetryOverride {
    std::vector<IdPattern> tests; // util/id_pattern.hpp: exact ids, or with `*`
    unsigned count = 0;
};

struct RetryPolicy {
    unsigned count = 0; // extra attempts for a failed test
    Backoff backoff = Backoff::None;
    double delay_secs = 1;
    double max_delay_secs = 60;
    bool jitter = false;                  // each wait is a random 50 to 100% of the computed one
    std::vector<RetryOverride> overrides; // the first one naming a test decides its count
    // [groups.NAME] retry_count, by group name: a group's tests get it instead of count.
    std::map<std::string, unsigned, std::less<>> group_counts;

    // The retries the test (of that group, "" for none) gets: the first override that names it,
    // else its group's count, else count.
    unsigned retries_for(std::string_view id, std::string_view group = {}) const;
    // Seconds to wait before the test's retry-th retry (1 for the first). random01, in [0, 1),
    // is jitter's draw (unused without jitter), so that the policy stays deterministic to test.
    double delay_before(unsigned retry, double random01) const;
};

} // namespace offload
