#include "scheduler/batching.hpp"

#include <algorithm>
#include <numeric>

namespace offload {

std::vector<std::vector<size_t>> plan_batches(const std::vector<double> &estimated_secs, unsigned parallel,
                                              size_t max_batch_size, double batch_overhead_secs)
{
    std::vector<size_t> order(estimated_secs.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return estimated_secs[a] > estimated_secs[b]; });

    double remaining = 0;
    for (double secs : estimated_secs)
        remaining += std::max(0.0, secs);
    const double share = 1.0 / (2.0 * double(std::max(1u, parallel)));
    // Enough work per batch to pay for its fixed cost four times over, but never so much that
    // fewer batches than sandboxes are left: a small suite still spreads over every sandbox.
    const double minimum = std::min(4.0 * std::max(0.0, batch_overhead_secs),
                                    remaining / double(std::max(1u, parallel)));

    std::vector<std::vector<size_t>> batches;
    size_t next = 0;
    while (next < order.size()) {
        // Equal estimates make this the same as cutting by count: ceil(remaining tests / (2 * parallel)).
        double target = std::max(remaining * share, minimum);
        std::vector<size_t> batch;
        double planned = 0;
        while (next < order.size()) {
            // The test that reaches the target still goes in: with equal estimates this rounds up,
            // like ceil(tests left / (2 * parallel)).
            if (!batch.empty() && planned >= target * (1 - 1e-9))
                break;
            double secs = std::max(0.0, estimated_secs[order[next]]);
            if (max_batch_size > 0 && batch.size() == max_batch_size)
                break;
            batch.push_back(order[next++]);
            planned += secs;
        }
        remaining -= planned;
        batches.push_back(std::move(batch));
    }
    return batches;
}

} // namespace offload
