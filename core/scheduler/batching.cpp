#include "scheduler/batching.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace offload {

namespace {

// A plan made from real estimates: the tests dealt longest-first onto `parallel` bins, always to
// the bin with the least work (LPT). Each bin is one batch; every sandbox starts with one, so each
// pays its fixed cost once. Measured on the skewed benchmark (2 cores, 8 sandboxes, ~0.5 s of
// interpreter start per batch): packing everything finished in 14.6 s, packing 90% or 95% and
// cutting the rest into guided batches in 17.5-19.7 s, because that tail runs after the bins and
// pays the start again. A wrong estimate is left to tail hedging. Stops early only when a bin is
// full (max_batch_size); returns how many tests of `order` it used, and takes their work off
// `remaining`.
size_t pack_all(const std::vector<double> &estimated_secs, const std::vector<size_t> &order,
                unsigned parallel, size_t max_batch_size, double &remaining,
                std::vector<std::vector<size_t>> &batches)
{
    std::vector<std::vector<size_t>> bins(parallel);
    std::vector<double> load(parallel, 0.0);
    size_t used = 0;
    while (used < order.size()) {
        size_t bin = size_t(std::min_element(load.begin(), load.end()) - load.begin());
        if (max_batch_size > 0 && bins[bin].size() == max_batch_size)
            break;
        const double secs = std::max(0.0, estimated_secs[order[used]]);
        load[bin] += secs;
        remaining -= secs;
        bins[bin].push_back(order[used++]);
    }
    std::vector<size_t> by_load(parallel);
    std::iota(by_load.begin(), by_load.end(), size_t{0});
    std::stable_sort(by_load.begin(), by_load.end(), [&](size_t a, size_t b) { return load[a] > load[b]; });
    for (size_t bin : by_load)
        if (!bins[bin].empty())
            batches.push_back(std::move(bins[bin]));
    return used;
}

} // namespace

std::vector<std::vector<size_t>> plan_batches(const std::vector<double> &estimated_secs, unsigned parallel,
                                              size_t max_batch_size, double batch_overhead_secs,
                                              bool from_history)
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
    const double minimum =
        std::min(4.0 * std::max(0.0, batch_overhead_secs), remaining / double(std::max(1u, parallel)));

    std::vector<std::vector<size_t>> batches;
    size_t next = 0;
    if (from_history && parallel > 1)
        next = pack_all(estimated_secs, order, parallel, max_batch_size, remaining, batches);
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

std::vector<std::vector<size_t>> plan_file_batches(const std::vector<std::string> &files,
                                                   const std::vector<double> &estimated_secs,
                                                   unsigned parallel, size_t max_batch_size,
                                                   double batch_overhead_secs, bool from_history)
{
    // The units: each file's tests in discovery order (cut at max_batch_size), each fileless test.
    std::vector<std::vector<size_t>> units;
    std::map<std::string, size_t> unit_of_file;
    for (size_t test = 0; test < files.size(); ++test) {
        if (files[test].empty()) {
            units.push_back({test});
            continue;
        }
        auto [it, added] = unit_of_file.try_emplace(files[test], units.size());
        if (!added && max_batch_size > 0 && units[it->second].size() == max_batch_size) {
            it->second = units.size(); // this file's next run
            added = true;
        }
        if (added)
            units.emplace_back();
        units[it->second].push_back(test);
    }
    std::vector<double> unit_secs;
    for (const std::vector<size_t> &unit : units) {
        double secs = 0;
        for (size_t test : unit)
            secs += std::max(0.0, estimated_secs[test]);
        unit_secs.push_back(secs);
    }
    // Units are planned as tests with no size limit, then packed by their tests' count.
    std::vector<std::vector<size_t>> batches;
    for (const std::vector<size_t> &planned :
         plan_batches(unit_secs, parallel, 0, batch_overhead_secs, from_history)) {
        std::vector<size_t> batch;
        for (size_t unit : planned) {
            if (max_batch_size > 0 && !batch.empty() && batch.size() + units[unit].size() > max_batch_size) {
                batches.push_back(std::move(batch));
                batch.clear();
            }
            batch.insert(batch.end(), units[unit].begin(), units[unit].end());
        }
        if (!batch.empty())
            batches.push_back(std::move(batch));
    }
    return batches;
}

} // namespace offload
