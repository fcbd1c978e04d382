// What a run produced, for the reports written after it (summary, JUnit, history) and the exit code.
#pragma once

#include "results/test_result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace offload {

struct RunOutcome {
    RunReport report;
    bool interrupted = false;
    bool stopped_early = false; // --max-fail was reached
    size_t batches_run = 0;     // commands run: batches and workers
    unsigned sandboxes_created = 0;
    std::vector<std::string> incidents; // sandbox failures and the like, for the summary
    // Fixed costs, in seconds: of a batch whose tests all reported a duration (its wall time minus
    // theirs), or of a worker (until its first test started).
    std::vector<double> batch_overheads;
    size_t hedges_started = 0; // duplicates of straggling tests
    size_t hedges_won = 0;     // ...that passed before the original ended
    // A run that started before its tests were known (Runner with a TestListing):
    std::string listing_failed;         // why the workers' listing was not used (nothing ran then)
    std::optional<double> listing_secs; // when it was: how long the worker took to list the tests
};

} // namespace offload
