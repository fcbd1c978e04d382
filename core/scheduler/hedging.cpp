#include "scheduler/hedging.hpp"

#include <algorithm>

namespace offload {

std::optional<size_t> choose_straggler(const std::vector<RunningTestTiming> &running, unsigned idle_worker)
{
    std::optional<size_t> best;
    double best_overrun = 0;
    for (const RunningTestTiming &test : running) {
        if (test.hedged || test.worker == idle_worker)
            continue;
        const double threshold = std::max(straggler_min_secs, straggler_factor * test.estimated_secs);
        if (test.elapsed_secs < threshold)
            continue;
        const double overrun = test.elapsed_secs - test.estimated_secs;
        if (!best || overrun > best_overrun) {
            best = test.test;
            best_overrun = overrun;
        }
    }
    return best;
}

} // namespace offload
