// One command's tests (a batch's, or a worker's): which it was given, what its records said while it
// ran, and what all of that means for each test once the command has ended. The rules of
// docs/test-protocol.md ("What offload concludes") live here, apart from the threads and processes
// that carry them out, so that they can be tested alone.
//
// Invariants this class keeps:
// - a failure never becomes a pass: two results of one test combine by severity;
// - a batch whose exit status contradicts its results vouches for none of its passes;
// - a test is charged (gets an attempt) only for what it did: a crash or a timeout while it ran,
//   or its own result; tests that never started, or that offload itself stopped, run again.
//
// Not thread-safe: the runner guards it with its own lock. Times are seconds since the run began.
#pragma once

#include "results/test_result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace offload {

enum class ExecKind {
    Batch,            // a batch command; results read when it ends (offload_framework_v1)
    BatchWithRecords, // a batch command that also reports each test with records
    Worker,           // a worker: tests arrive on stdin, each reported with records
};

// Why offload stopped a command itself.
enum class StopReason {
    None,
    TestTimeout,  // a test ran past test_timeout_secs (see ExecTracker::timed_out_test)
    Stalled,      // no test started within test_timeout_secs (a worker hung before its tests)
    LostRace,     // the other copy of a hedged test settled it
    Moved,        // its unstarted tests go to an idle sandbox
    StoppedEarly, // --fail-fast/--max-fail, at the end of a test
    KillRunning,  // --fail-fast/--max-fail with --kill-running
    Interrupted,  // Ctrl-C
    Unneeded,     // a worker started to list the tests, for a run that discovers them otherwise
};

// How a command ended.
struct ExecEnding {
    enum class Status {
        Ran,         // it exited on its own (see exit_code)
        Cancelled,   // offload stopped it (see stop)
        InfraFailed, // its sandbox failed under it
        NotStarted,  // it could not be started, or no command could be built (see failure)
    };
    Status status = Status::Ran;
    int exit_code = 0;
    bool timed_out = false; // it ran into its own time limit (batches without records)
    StopReason stop = StopReason::None;
    std::string failure;          // InfraFailed, NotStarted: why
    std::string output_tail;      // the end of its output, for crash messages
    double test_timeout_secs = 0; // for messages
    double at = 0;                // when it ended
};

// What the tracker concludes for one test.
struct TestVerdict {
    size_t test = 0;
    Outcome outcome = Outcome::Failed;
    double duration_secs = -1;
    std::string message;
    std::string output;
};

// How far a test had got when its command ended: only a command that reports test by test can
// say; a batch that reports nothing may have been running any of its tests.
enum class Reached { NotStarted, Running, Unknown };

// A test that goes back to the queue without being charged an attempt.
struct Rerun {
    size_t test = 0;
    Reached reached = Reached::NotStarted;
    // The command ended abnormally while nothing else could be blamed (it crashed, hung or failed
    // before the test started, or ended without running it): after a few strikes in a row the
    // test is reported with `reason` instead of being run again.
    bool strike = false;
    std::string reason;
    // The command never ran (its sandbox failed, it could not be started): a test out of strikes
    // is reported not run, not as an error of its own.
    bool never_ran = false;
    std::string output; // with a strike: the end of the command's output (where it says why)
};

struct Conclusion {
    std::vector<TestVerdict> charged; // new attempts: crashes, timeouts, results read at the end
    std::vector<TestVerdict> revised; // results given live that change (a worse result came)
    std::vector<Rerun> rerun;
    std::vector<size_t> rerun_alone; // a batch without records timed out: each again on its own
    std::string incident;            // something the user should hear about the command itself
};

class ExecTracker {
  public:
    // `tests`: what the command is given up front (a batch's, or a worker's fixed input).
    ExecTracker(ExecKind kind, std::vector<size_t> tests);

    ExecKind kind() const { return m_kind; }

    // A worker's next test, written to its input.
    void give(size_t test);
    bool given(size_t test) const { return m_index.count(test) > 0; }
    const std::vector<size_t> &tests() const { return m_order; }
    size_t unstarted() const;                    // given, not started
    std::vector<size_t> unstarted_tests() const; // in the order given

    // --- Records, in the order they arrived. Each returns false when it changes nothing: the test
    // was not given to this command, or the record repeats one already taken.
    bool start(size_t test, double at);
    // Text for the test's report (an `output` record).
    void add_output(size_t test, std::string_view data);
    // The command's own output while tests run: each running test keeps the last part of it.
    void add_stream_output(std::string_view data);
    struct Ended {
        bool first = false;   // the test's first end: a new result
        bool changed = false; // a later end made its result worse
        TestVerdict verdict;  // its result now
    };
    Ended end(size_t test, Outcome outcome, std::optional<double> secs, std::string message, double at);
    void done() { m_done = true; }
    bool done_seen() const { return m_done; }

    struct Running {
        size_t test;
        double started_at;
    };
    std::vector<Running> running() const;
    // The time of the last start or end, or of `since` (the command's start) if none came yet.
    double last_activity(double since) const;
    // The test that started last, if the command reported any start.
    std::optional<size_t> last_started() const { return m_last_started; }

    // Set by the runner when it stops the command for this test's timeout. From then on the test's
    // end records are ignored: it ends as a timeout, whatever the kill made it report.
    void set_timed_out_test(size_t test) { m_timed_out_test = test; }
    std::optional<size_t> timed_out_test() const { return m_timed_out_test; }

    // What the end of the command means for every test it was given. `parsed`: for batches, what
    // the framework read from the batch's results (unknown tests already removed).
    Conclusion conclude(const ExecEnding &ending,
                        const std::vector<std::pair<size_t, ReportedResult>> &parsed) const;

    // The most of a test's output kept in memory and in the report (its end); the whole output
    // stays in the command's log, which the report names when it cut something. Bounded so that
    // thousands of failing tests that print megabytes cost megabytes, not gigabytes.
    static constexpr size_t max_output_bytes = 16 << 10;

    // The log the report points to when a test's output was cut.
    void set_log_path(std::string path) { m_log_path = std::move(path); }

  private:
    enum class State { Given, Running, Ended };
    struct Test {
        size_t test;
        State state = State::Given;
        double started_at = -1;
        double ended_at = -1;
        Outcome outcome = Outcome::Passed;
        double secs = -1;
        std::string message;
        std::string reported; // from output records
        std::string streamed; // the command's output while it ran (its end)
        size_t dropped = 0;   // bytes of either that were cut
    };
    Test *find(size_t test);
    const Test *find(size_t test) const;
    std::string output_of(const Test &test, std::string_view tail) const;

    ExecKind m_kind;
    std::vector<size_t> m_order;
    std::unordered_map<size_t, Test> m_index;
    bool m_done = false;
    std::optional<size_t> m_timed_out_test;
    double m_last_activity = -1;
    std::optional<size_t> m_last_started;
    std::string m_log_path;
};

// "killed by signal 11 (SIGSEGV)", "exit code 3".
std::string describe_exit(int exit_code);

} // namespace offload
