// The runner's bookkeeping of one command in flight and of one test: shared by runner.cpp (the
// scheduling) and runner_exec.cpp (running one command). Internal to the runner.
#pragma once

#include "process/cancel_token.hpp"
#include "process/input_feed.hpp"
#include "runner/runner.hpp"

#include <string>
#include <unordered_map>

namespace offload {

// One command on a sandbox: a batch, or a worker. Guarded by the runner's mutex, but for the cancel
// token and the input feed, which are thread-safe.
struct Runner::Exec {
    Exec(size_t number_, unsigned worker_, unsigned sandbox_, ExecKind kind, std::vector<size_t> tests)
        : number(number_), worker(worker_), sandbox(sandbox_), tracker(kind, std::move(tests))
    {
    }

    const size_t number; // its batch number: logs/batch-NNNN.log
    const unsigned worker;
    const unsigned sandbox;
    ExecTracker tracker;
    size_t suite = 0;              // the framework of its tests (Runner::m_suites)
    bool live_input = false;       // a worker whose tests are written to `input` as it runs
    bool pulls = false;            // ...that asks for each test (`next`): none is sent ahead
    std::vector<size_t> held;      // its tests not written yet: each goes out at a `next`
    bool asked = false;            // it wrote `next` at least once
    std::optional<size_t> copy_of; // a hedged copy of this test: counts only if it passes
    InputFeed input;
    CancelToken cancel;
    std::string mark; // OFFLOAD_EVENT_MARK of this command
    std::string log_path;
    double started_at = 0;
    std::optional<double> first_start;                  // when its first test started
    StopReason stop = StopReason::None;                 // why offload stopped it, once it did
    bool stop_after_test = false;                       // stop it when its running test ends
    StopReason stop_after = StopReason::None;           // ...for this reason
    std::unordered_map<std::string, size_t> ids;        // the tests it was given, by id
    std::unordered_map<size_t, unsigned> slow_reported; // test -> multiples of slow_timeout reported
    bool problem_reported = false;                      // a malformed record was reported already
    bool lists = false;        // started to list the tests (OFFLOAD_WORKER_LIST), not done yet
    std::string listing;       // ...what it listed so far
    bool next_waiting = false; // it asked (`next`) before the tests were known: answered once they are
    double ready_at = 0;       // when it could first be given a test: its start, or when the list came
};

// Everything the runner knows of one test besides its report.
struct Runner::TestState {
    Exec *owner = nullptr;      // the command responsible for its current attempt
    std::shared_ptr<Exec> copy; // a hedged copy running now
    bool hedged = false;        // a copy was started for the current attempt
    bool settled = false;       // its final outcome is known
    size_t last_exec = 0;       // the command its last attempt came from
    unsigned strikes = 0;       // commands in a row that ended abnormally before it ran
};

} // namespace offload
