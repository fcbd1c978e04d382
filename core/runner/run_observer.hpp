// What happens during a run, for whoever reports it: the terminal, JSON events, a trace file.
// The runner calls observers from worker threads, concurrently: implementations lock themselves,
// never throw, and never block for long.
#pragma once

#include "results/test_result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace offload {

struct RunOutcome;

struct BatchEvent {
    size_t number = 0; // unique within the run
    unsigned sandbox = 0;
    unsigned attempt = 0; // 0: first run of its tests
    std::vector<std::string> test_ids;
    bool hedge = false; // a duplicate of a straggling batch
    double at_secs = 0; // since the run started
    // batch_finished only:
    double duration_secs = 0;
    int exit_code = 0;
    bool timed_out = false;
    // "completed", "timed out", "crashed", "lost race", "cancelled", "stopped", "moved",
    // "sandbox failed", "not started"
    std::string end;
    std::string log_path;
    bool worker = false; // a worker (tests on stdin), not a batch
};

struct TestStartEvent {
    std::string id;
    size_t batch = 0;
    unsigned sandbox = 0;
    unsigned attempt_number = 1; // 1: its first run
    bool hedge = false;          // a duplicate of a slow test
    double at_secs = 0;
};

struct TestEvent {
    std::string id;
    Attempt attempt;             // the attempt that just ended
    unsigned attempt_number = 1; // 1-based
    bool flaky = false;          // passed after failing: its final outcome
    size_t batch = 0;
    bool will_retry = false;
    bool quarantined = false; // its failure does not fail the run (TestReport::quarantined)
    double at_secs = 0;
};

// A test still running after a multiple of slow_timeout_secs.
struct TestSlowEvent {
    std::string id;
    size_t batch = 0;
    unsigned sandbox = 0;
    double running_secs = 0;
    double threshold_secs = 0; // the multiple of slow_timeout_secs it passed
    double at_secs = 0;
};

struct RunningTest {
    std::string id;
    double running_secs = 0;
};

struct RunProgress {
    Counts settled; // tests whose final outcome is known
    size_t total = 0;
    size_t running_batches = 0;       // commands (batches and workers) running
    std::vector<RunningTest> running; // the tests running now, longest first (a few at most)
    double elapsed_secs = 0;
    std::optional<double> eta_secs; // from the timing history, when there is one
};

class RunObserver {
  public:
    virtual ~RunObserver() = default;
    // batches: planned up front; 0 when workers are handed their tests as they need them.
    virtual void run_started(size_t /*tests*/, size_t /*batches*/, unsigned /*max_sandboxes*/,
                             const std::string & /*provider*/)
    {
    }
    virtual void sandbox_created(unsigned /*sandbox*/, double /*at_secs*/) {}
    virtual void sandbox_destroyed(unsigned /*sandbox*/, double /*at_secs*/) {}
    virtual void batch_started(const BatchEvent & /*batch*/) {}
    virtual void batch_finished(const BatchEvent & /*batch*/) {}
    virtual void test_started(const TestStartEvent & /*test*/) {}
    virtual void test_finished(const TestEvent & /*test*/) {}
    virtual void test_slow(const TestSlowEvent & /*test*/) {}
    virtual void incident(const std::string & /*text*/) {}
    // Main thread, a few times a second while the run goes on.
    virtual void tick(const RunProgress & /*progress*/) {}
    // Main thread, once, after every sandbox is gone.
    virtual void run_finished(const RunOutcome & /*outcome*/) {}
};

} // namespace offload
