// Tail hedging: when nothing is left to start and a sandbox is idle, the test that runs furthest
// past its estimate is started again on the idle sandbox. The copy counts only if it passes first:
// a copy that fails is ignored and never stops the original (a test that binds a fixed port or a
// lock file fails as a copy, not as the original).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace offload {

// A test that runs now (an original, not a copy), as hedging sees it.
struct RunningTestTiming {
    size_t test;     // the test's index
    unsigned worker; // who runs it
    double elapsed_secs;
    double estimated_secs; // from the timing history
    bool hedged;           // a copy was started already
};

// Hedge only a test that runs longer than this factor times its estimate (a loaded machine slows
// every test somewhat: that is no reason to start more work)...
constexpr double straggler_factor = 1.5;
// ...and at least this long: duplicating a short test costs more than it saves.
constexpr double straggler_min_secs = 1.0;

// The running test most worth duplicating on idle_worker: not duplicated yet, not its own, and
// running for longer than max(straggler_min_secs, straggler_factor * estimate); of those, the one
// furthest past its estimate. nullopt if none.
std::optional<size_t> choose_straggler(const std::vector<RunningTestTiming> &running, unsigned idle_worker);

} // namespace offload
