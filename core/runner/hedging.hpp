// Tail hedging: when the queue is empty and a sandbox is idle, the batch that runs furthest past
// its estimate is started again on the idle sandbox; the first run to finish settles the batch
// and the other is stopped.
#pragma once

#include "process/stop_token.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace offload {

// The two runs of a hedged batch. Guarded by the runner's mutex, except the tokens.
struct Race {
    explicit Race(size_t original_number) : number(original_number) {}
    const size_t number;     // the original batch's number
    StopToken original_stop;
    StopToken hedge_stop;
    bool hedged = false;     // a duplicate was started
    bool settled = false;    // one run's results were taken; the other's are dropped
    int running = 1;         // runs still going
};

struct RunningBatch {
    size_t number;           // the batch's number
    unsigned worker;         // who runs it
    double elapsed_secs;
    double estimated_secs;   // from the timing history
    bool hedged;
};

// Hedge only a batch that runs longer than this factor times its estimate (a loaded machine
// slows every batch somewhat: that is no reason to start more work)...
constexpr double straggler_factor = 1.5;
// ...and at least this long: duplicating a short batch costs more than it saves.
constexpr double straggler_min_secs = 1.0;

// The running batch most worth duplicating on idle_worker: not duplicated yet, not its own, and
// running for longer than max(straggler_min_secs, straggler_factor * estimate); of those, the one
// furthest past its estimate. nullopt if none.
std::optional<size_t> choose_straggler(const std::vector<RunningBatch> &running, unsigned idle_worker);

} // namespace offload
