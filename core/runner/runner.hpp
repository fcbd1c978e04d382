// Orchestration of one run: sandboxes pull batches from one queue, results become per-test
// attempts, failed tests are retried, and every sandbox is destroyed whatever happens.
#pragma once

#include "plugin_host/framework_instance.hpp"
#include "plugin_host/provider_instance.hpp"
#include "results/test_result.hpp"
#include "runner/hedging.hpp"
#include "runner/run_observer.hpp"
#include "scheduler/work_queue.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace offload {

struct RunOptions {
    unsigned parallel = 1;                       // sandboxes at once
    std::chrono::milliseconds batch_timeout{0};  // 0: none
    unsigned retries = 0;                        // extra attempts for a failed test
    std::filesystem::path output_dir;            // batch logs go to output_dir/logs
    std::vector<double> estimated_secs;          // per test, for planning; empty: all alike
    bool estimates_known = false;                // estimated_secs come from a timing history
    double batch_overhead_secs = 0;              // fixed cost of one batch, for planning
    bool tail_hedging = false;                   // duplicate stragglers on idle sandboxes (needs estimates)
    size_t max_fail = 0;                         // stop scheduling after this many failed tests; 0: never
    bool kill_running = false;                   // ...and stop the running batches too
};

struct RunOutcome {
    RunReport report;
    bool interrupted = false;
    bool stopped_early = false;                  // --max-fail was reached
    size_t batches_run = 0;
    unsigned sandboxes_created = 0;
    std::vector<std::string> incidents;          // sandbox failures and the like, for the summary
    // Per batch whose tests all reported a duration: its wall time minus theirs, in seconds.
    std::vector<double> batch_overheads;
    size_t hedges_started = 0;                   // duplicates of straggling batches
    size_t hedges_won = 0;                       // ...that finished before the original
};

class Runner {
public:
    // The framework and provider must outlive the runner; tests must not be empty.
    Runner(RunOptions options, const FrameworkInstance &framework, ProviderInstance &provider,
           const std::vector<DiscoveredTest> &tests);

    // Observers are told what happens; they must outlive run(). Before run().
    void add_observer(RunObserver &observer) { m_observers.push_back(&observer); }

    // Runs everything; returns when every batch is done or the run was interrupted, and every
    // sandbox has been destroyed. Main thread.
    RunOutcome run();

private:
    enum class BatchEnd { Done, SandboxFailed, Cancelled };
    enum class Role { Original, Hedge };
    struct Running {
        Batch batch;
        unsigned worker;
        std::chrono::steady_clock::time_point started;
        double estimated_secs;
        std::shared_ptr<Race> race;
    };

    void worker(unsigned worker_index);
    std::unique_ptr<Sandbox> create_sandbox_with_retries(std::string &error);
    // Runs one batch (or a duplicate of one) on the sandbox. SandboxFailed leaves the requeueing
    // to the caller unless carried_elsewhere says another run of the batch still goes or settled it.
    BatchEnd run_batch(const Batch &batch, unsigned worker, Sandbox &sandbox, const std::shared_ptr<Race> &race,
                       Role role, std::string &sandbox_error, bool &carried_elsewhere);
    // After a run of a batch ended: whether its results count (the first run to complete takes
    // the batch and stops the other). Sets carried_elsewhere when another run settled or still goes.
    bool finish_run(Race &race, Role role, bool completed, bool &carried_elsewhere);
    // Starts a duplicate of the worst straggler on this idle worker's sandbox, if there is one.
    // Returns false when the sandbox failed under it (the caller replaces the sandbox).
    bool try_hedge(unsigned worker, Sandbox &sandbox, std::string &sandbox_error);
    void lose_batch(const Batch &batch, const std::string &sandbox_error);
    void settle_batch(const Batch &batch, unsigned worker, unsigned sandbox,
                      const std::vector<ReportedResult> &results, const BatchRunFacts &facts, double timeout_secs);
    // Counts a test whose final outcome is known. Caller holds m_mutex.
    void settle(Outcome outcome);
    void note_incident(std::string text);
    void note_batch_overhead(const BatchRunFacts &facts, const std::vector<ReportedResult> &results);
    RunProgress progress();
    double seconds_since_start() const;

    RunOptions m_options;
    const FrameworkInstance &m_framework;
    ProviderInstance &m_provider;
    WorkQueue m_queue;
    std::chrono::steady_clock::time_point m_start;

    std::mutex m_mutex;              // guards everything below
    RunOutcome m_outcome;
    Counts m_settled;                // tests whose final outcome is known
    size_t m_running_batches = 0;
    std::string m_last_sandbox_error;
    std::map<size_t, Running> m_running;  // originals running now, by batch number
    bool m_stopped_early = false;
    std::vector<RunObserver *> m_observers;

    std::atomic<size_t> m_next_batch_number{1};
    std::atomic<unsigned> m_next_sandbox_index{0};
    std::atomic<unsigned> m_workers_left{0};
    StopToken m_workers_done;             // raised by the last worker to leave
};

} // namespace offload
