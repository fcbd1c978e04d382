// The history of earlier runs: what each test took, what a batch costs beyond its tests, and how
// each test ended run after run (its flakiness). The scheduler turns the timings into estimates;
// `offload flaky` and the quarantine read the outcomes; a run adds its numbers at the end.
//
// On disk (default .offload/history): a versioned text file, a line or two per test, written
// atomically under a lock and merged with what is there, so concurrent runs lose nothing. A
// missing file is an empty history; a corrupt one is an error for load(), which the caller reports,
// and is replaced by the next save(). Tests not seen for
// `forget_after_runs` runs are dropped (renamed and removed tests), and the file never holds more
// than `max_tests` entries.
#pragma once

#include "results/test_result.hpp"
#include "util/expected.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace offload {

class History {
  public:
    static constexpr uint64_t forget_after_runs = 50;
    static constexpr size_t max_tests = 500000;
    static constexpr size_t max_overhead_samples = 64;

    static constexpr size_t max_recent_outcomes = 100;

    // How a test ended in one run, as its flakiness counts it.
    enum class Mark : char {
        Passed = 'p', // at the first attempt
        Flaky = 'f',  // failed or errored, then passed on a retry
        Failed = 'F', // failed or errored in the end
    };

    // A test's outcomes over the runs that recorded them. Runs that skipped it or did not run it
    // do not count.
    struct Flakiness {
        uint64_t runs = 0;
        uint64_t failures = 0;   // runs it failed in the end
        uint64_t flaky = 0;      // runs it passed only on a retry
        std::string first_flake; // when the first of those runs started (ISO 8601, UTC); empty: none
        std::string last_flake;
        std::string recent; // Mark of the last max_recent_outcomes runs, oldest first
    };

    struct Entry {
        double mean_secs = 0;  // exponentially weighted: recent runs count most
        uint32_t samples = 0;  // 0: no run measured it (flakiness only)
        uint64_t last_run = 0; // run number when it last ran
        Flakiness flakiness;
    };

    // Reads path: an empty history when there is no file yet, or why the file cannot be used
    // ("ignoring the timing history .offload/history: line 3 is not valid; it will be rewritten"),
    // also for anything but a regular file (a device, a FIFO) and for a file over 1 GiB, which
    // are not read.
    static Expected<History> load(const std::filesystem::path &path);
    // Parses the file format, or says why it is not a history file of this version.
    static Expected<History> parse(const std::string &text);

    // The test's timing: nullptr when no run measured it and no import gave one.
    const Entry *find(const std::string &id) const;
    // Its outcomes: nullptr when no run recorded one.
    const Flakiness *flakiness(const std::string &id) const;
    // Every test the history knows, for listing.
    const std::unordered_map<std::string, Entry> &entries() const { return m_tests; }
    size_t size() const { return m_tests.size(); }
    uint64_t runs() const { return m_run; }

    // The fixed cost of one batch beyond its tests (process start, interpreter import, sandbox
    // exec): the lower quartile of recent measurements (contention inflates the others); nullopt
    // before the first.
    std::optional<double> batch_overhead_secs() const;

    // A timing read from elsewhere ([history] import): find() returns it for a test this history
    // has measured no time of. Never saved, never merged into the file.
    void import_timing(const std::string &id, double secs);
    const std::unordered_map<std::string, Entry> &imported() const { return m_imported; }

    // Three versions of a history file, as a git merge driver gets them (history_merge.cpp): every
    // test and run of ours and theirs, the runs both recorded since base added up. Symmetric: the
    // result does not depend on which side is ours.
    static History merge(const History &base, const History &ours, const History &theirs);

    // This run's numbers; applied to the file by save().
    void record_test(const std::string &id, double secs);
    void record_batch_overhead(double secs);
    // run_started_at: ISO 8601 UTC, the time a flake is dated with.
    void record_outcome(const std::string &id, Mark mark, const std::string &run_started_at);

    // Merges this run's numbers into the file at path under a lock (path + ".lock") and writes
    // it atomically (util/atomic_file.hpp: a path that is not a regular file is refused).
    Expected<void> save(const std::filesystem::path &path) const;

    std::string serialize() const;

  private:
    // Applies other's recorded numbers (this run's) on top of this history as the next run.
    void apply(const History &run);
    void prune();

    std::unordered_map<std::string, Entry> m_tests;
    std::unordered_map<std::string, Entry> m_imported; // [history] import, read-only
    std::vector<double> m_overheads;                   // most recent last
    uint64_t m_run = 0;                                // runs recorded so far
    // This run's measurements, not yet merged.
    std::vector<std::pair<std::string, double>> m_new_tests;
    std::vector<double> m_new_overheads;
    struct NewOutcome {
        std::string id;
        Mark mark;
        std::string at;
    };
    std::vector<NewOutcome> m_new_outcomes;
};

} // namespace offload
