#include "runner/hedging.hpp"

#include <algorithm>

namespace offload {

std::optional<size_t> choose_straggler(const std::vector<RunningBatch> &running, unsigned idle_worker)
{
    std::optional<size_t> best;
    double best_overrun = 0;
    for (const RunningBatch &batch : running) {
        if (batch.hedged || batch.worker == idle_worker)
            continue;
        double threshold = std::max(straggler_min_secs, straggler_factor * batch.estimated_secs);
        if (batch.elapsed_secs < threshold)
            continue;
        double overrun = batch.elapsed_secs - batch.estimated_secs;
        if (!best || overrun > best_overrun) {
            best = batch.number;
            best_overrun = overrun;
        }
    }
    return best;
}

} // namespace offload
