// Orchestration of one run: worker threads, one per sandbox, run commands that each hold some of
// the tests — a batch (its tests fixed in the command) or a worker (tests written to its stdin as
// it needs them). Each test is witnessed as it starts and ends (docs/test-protocol.md) where the
// framework can tell; the runner enforces per-test timeouts, keeps the results of a command that
// crashed and runs its unstarted tests elsewhere, retries failures, moves work to idle sandboxes,
// duplicates stragglers, stops on --fail-fast, and destroys every sandbox whatever happens.
//
// A run may hold the tests of several frameworks (SuiteCommands): each command holds one
// framework's tests, built and read by that framework.
//
// The rules of what a command's end means live in scheduler/exec_tracker.hpp; this class carries
// them out with threads and processes, behind the Executor and TestCommands interfaces.
#pragma once

#include "results/run_outcome.hpp"
#include "results/test_result.hpp"
#include "runner/executor.hpp"
#include "runner/run_observer.hpp"
#include "scheduler/exec_tracker.hpp"
#include "scheduler/retry_policy.hpp"
#include "scheduler/test_queue.hpp"
#include "util/fd.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace offload {

struct TestRecord;

struct RunOptions {
    unsigned parallel = 1;                     // sandboxes at once
    std::chrono::milliseconds test_timeout{0}; // the most one test may take; 0: none
    std::chrono::milliseconds slow_timeout{0}; // report a test running past multiples of this; 0: never
    RetryPolicy retry;                         // how often a failed test runs again, and when
    std::filesystem::path output_dir;          // command logs go to output_dir/logs
    std::vector<double> estimated_secs;        // per test, for planning; empty: all alike
    bool estimates_known = false;              // estimated_secs come from a timing history
    double batch_overhead_secs = 0;            // fixed cost of one batch, for planning
    std::optional<bool> tail_hedging;          // duplicate stragglers; default: where duplicates are cheap
    size_t max_fail = 0;                       // stop after this many failed tests; 0: never
    bool kill_running = false;                 // ...and kill the running tests too
    std::vector<std::string> env;              // "NAME=VALUE" for every command of a batch (--env)
    // Why a test is quarantined (flaky/quarantine.hpp), "" when it is not: its failure counts as
    // quarantined, not failed (for --max-fail too). Unset: none is.
    std::function<std::string(const std::string &id)> quarantine;
};

// The tests of a run and what plans them, once they are known.
struct TestPlan {
    std::vector<DiscoveredTest> tests;
    std::vector<double> estimated_secs; // per test; empty: all alike
    bool estimates_known = false;       // from a timing history
};

// Where a runner started before its tests are known gets them: from the first of its workers that
// lists what it collected (docs/test-protocol.md, `list`), so that a first run collects once per
// sandbox, in parallel, instead of once before anything runs and again in every worker.
class TestListing {
  public:
    virtual ~TestListing() = default;
    // [main-thread] The tests to run, read from a worker's listing: the text the discovery command
    // would print, the exit code it would end with, and how long the worker took. An error when
    // the listing cannot be used (it says why): the runner then stops its workers and ends, with
    // RunOutcome::listing_failed, and nothing has run.
    virtual Expected<TestPlan> take(const std::string &listing, int exit_code, double secs) = 0;
};

// One framework's share of a run of several ([discovery.NAME] tables).
struct SuiteCommands {
    const TestCommands *commands = nullptr; // borrowed: must outlive the runner
    // "NAME:", what the run's ids of its tests start with (also the report's suite name), and its
    // commands, results and records leave out; "" in a run of one framework.
    std::string id_prefix;
    // The tests of one source file run in one command, one after another, never duplicated
    // ([discovery] keep_files_together): module and class fixtures are set up once. Planned by
    // plan_file_batches; a worker gets its whole batch and takes nothing from the queue.
    bool keep_files_together = false;
    // Every command holds one test of it: a batch of its own, or a worker given that test alone
    // ([groups.NAME] schedule_individual). Another entry may hold the same framework's other tests.
    bool individual = false;
};

class Runner {
  public:
    // The commands and executor must outlive the runner; tests must not be empty.
    Runner(RunOptions options, const TestCommands &commands, Executor &executor,
           const std::vector<DiscoveredTest> &tests);
    // A run of several frameworks: suite_of_test[i] is the index in suites of tests[i]'s, whose
    // id starts with that suite's id_prefix. Batches and workers each hold tests of one suite.
    Runner(RunOptions options, std::vector<SuiteCommands> suites, Executor &executor,
           const std::vector<DiscoveredTest> &tests, std::vector<size_t> suite_of_test);
    // A runner whose workers list the tests first: commands.worker_lists() and
    // executor.feeds_input() must hold. options.estimated_secs and estimates_known come from the
    // plan instead. listing must outlive the runner.
    Runner(RunOptions options, const TestCommands &commands, Executor &executor, TestListing &listing);
    ~Runner();
    Runner(const Runner &) = delete;
    Runner &operator=(const Runner &) = delete;

    // Observers are told what happens; they must outlive run(). Before run().
    void add_observer(RunObserver &observer) { m_observers.push_back(&observer); }

    // Runs everything; returns when every test has an outcome or the run was interrupted, and every
    // sandbox has been destroyed. Main thread.
    RunOutcome run();

  private:
    struct Exec;
    struct TestState;
    struct Job {
        Batch batch;                   // its tests; for a worker fed live, the first of them
        std::optional<size_t> copy_of; // a hedged copy of this test
    };
    // Observer calls collected under the lock and made after it is released.
    using Notes = std::vector<std::function<void()>>;

    // --- worker threads (runner.cpp) ---
    void worker(unsigned worker);
    std::optional<Job> next_job(unsigned worker, bool has_sandbox);
    std::unique_ptr<Sandbox> create_sandbox(std::string &error, bool &cancelled);
    // Runs one command on the sandbox (runner_exec.cpp). False when the sandbox failed under it.
    bool run_job(unsigned worker, Sandbox &sandbox, Job job);

    // --- the rest: the caller holds m_mutex ---
    std::optional<Job> hedge_job(unsigned worker);
    bool move_work(unsigned worker);
    void give(Exec &exec, size_t test);
    // Writes a worker's next tests to its input (`asked`: it wrote `next`), or ends its input.
    void feed(Exec &exec, bool asked = false);
    void on_record(Exec &exec, const TestRecord &record, Notes &notes);
    void on_copy_record(Exec &copy, const TestRecord &record, Notes &notes);
    void copy_passed(Exec &copy, const TestVerdict &verdict, Notes &notes);
    void settle_attempt(size_t test, const TestVerdict &verdict, const Exec &exec, Notes &notes,
                        bool may_retry = true);
    void revise_attempt(size_t test, const TestVerdict &verdict, const Exec &exec, Notes &notes);
    void decide(size_t test, const Exec &exec, bool may_retry, Notes &notes);
    void settle_not_run(size_t test, std::string reason);
    void apply(Exec &exec, const Conclusion &conclusion, Notes &notes);
    void stop_exec(Exec &exec, StopReason why);
    void stop_early();
    void count_settled(size_t test, Outcome outcome, int delta);
    void incident(std::string text, Notes &notes);
    std::string stopped_reason(Reached reached) const;
    // The incident of a command that left processes running, naming its tests.
    std::string leak_text(const Exec &exec, const std::vector<std::string> &leaked) const;
    double estimate(size_t test) const;
    // The suite a test belongs to, and its id as that suite's commands and records know it.
    struct Suite;
    const Suite &suite_of(size_t test) const { return m_suites[m_suite_of[test]]; }
    std::string native_id(size_t test) const;
    // Retries whose backoff has passed join the queue; returns how long until the next one does.
    std::optional<std::chrono::steady_clock::duration> release_due_retries();

    void set_suites(const std::vector<SuiteCommands> &suites); // constructors
    // Queues the tests to run (constructors, take_listing()); under m_mutex once workers run.
    void plan_tests(const std::vector<DiscoveredTest> &tests);

    // --- listing: a run started before its tests are known (runner_listing.cpp) ---
    void end_listing();                        // under m_mutex: stop every worker; nothing runs
    void fail_listing(std::string why);        // ...because the listing cannot be used
    void lister_gone(std::string why);         // under m_mutex: a worker ended without listing the tests
    void on_listed(Exec &exec, int exit_code); // under m_mutex: a worker's listing is complete
    void take_listing();                       // main thread: a listing arrived
    bool listing_unsettled();                  // the tests are not known yet, or will not be

    // --- main thread ---
    void watch();
    RunProgress progress();
    void run_notes(Notes &notes);

    double seconds_since_start() const;

    RunOptions m_options;
    struct Suite {
        const TestCommands *commands;
        std::string id_prefix;
        TestCommandStyle style;
        bool live_input; // its workers get their tests while they run
        bool keep_files_together;
        bool individual; // one test per command
    };
    std::vector<Suite> m_suites;
    std::vector<size_t> m_suite_of; // per test: its index in m_suites
    Executor &m_executor;
    bool m_all_live = false; // every suite's workers get their tests while they run: no batch is planned
    bool m_hedging = false;
    std::chrono::steady_clock::time_point m_start;
    std::vector<RunObserver *> m_observers;

    std::mutex m_mutex;                // guards everything below
    std::condition_variable m_changed; // queue, execs or stop state changed
    RunOutcome m_outcome;
    std::vector<TestState> m_tests;
    TestQueue m_queue;
    // Retries waiting out their backoff ([retry] backoff), with when each may start.
    std::vector<std::pair<std::chrono::steady_clock::time_point, Batch>> m_backing_off;
    std::minstd_rand m_jitter{std::random_device{}()};
    std::vector<std::shared_ptr<Exec>> m_execs; // commands running now
    Counts m_settled;                           // tests whose final outcome is known
    size_t m_waiting = 0;                       // workers waiting for work
    size_t m_busy_workers = 0;                  // workers holding a job (starting or running its command)
    size_t m_jobs_starting = 0;                 // jobs taken whose command is not registered yet (a sandbox
                                                // is being created for them): they may come back
    size_t m_next_batch_number = 1;
    size_t m_planned_batches = 0; // batches planned up front (not for workers fed live)
    bool m_stopped_early = false;
    bool m_interrupted = false;
    std::string m_last_sandbox_error;

    // Listing: the first worker's listing waits for the main thread in m_listing_ready.
    struct Listing {
        std::string text;
        int exit_code = 0;
        double secs = 0;
        unsigned sandbox = 0;
    };
    TestListing *m_listing = nullptr; // set: the run started before its tests were known
    bool m_list_pending = false;      // ...and they are not planned yet
    bool m_listing_taken = false;     // a worker's listing reached m_listing_ready
    size_t m_listers = 0;             // workers listing the tests, or starting to
    std::optional<Listing> m_listing_ready;
    std::string m_first_listing;       // the text taken, to compare the other workers' with
    std::vector<bool> m_listing_given; // per worker thread: it started a listing worker
    Notes m_deferred;                  // observer calls held back until run_started
    bool m_observers_muted = false;    // the listing ended the run before it started: they hear nothing
    Fd m_listing_fd;                   // an eventfd raised when a listing is ready

    std::atomic<unsigned> m_next_sandbox_index{0};
    std::atomic<unsigned> m_workers_left{0};
    Fd m_workers_done_fd; // an eventfd raised by the last worker to leave
};

} // namespace offload
