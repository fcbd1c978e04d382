// The result model of a run: the tests discovery found, what frameworks report about them, and
// what happened to each, attempt by attempt. Produced by the runner, read by the report writers
// and the summary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

enum class Outcome { Passed, Failed, Skipped, Error, NotRun };

std::string_view outcome_name(Outcome outcome); // "passed", "failed", "skipped", "error", "not run"

// How bad an outcome is, for combining two results of one test: the worse one wins, so that a
// pass can never cover a failure. Error > Failed > NotRun > Passed > Skipped.
int severity(Outcome outcome);
Outcome more_severe(Outcome a, Outcome b);

// Failed, errored or did not run: worth another attempt.
bool needs_retry(Outcome outcome);

// A test as discovery found it.
struct DiscoveredTest {
    std::string id;
    std::string file;  // empty when unknown
    std::string group; // its [groups.NAME]; empty without groups
};

// What a framework says about one test: from a record of the test protocol, or from reading a
// batch's results (JUnit, libtest output, an exit code) when it ended.
struct ReportedResult {
    std::string id;
    Outcome outcome = Outcome::Failed;
    double duration_secs = -1; // negative: unknown
    std::string message;
    std::string output;
};

// The inputs of a framework's reading of a batch's results.
struct BatchRunFacts {
    const std::vector<std::string> *test_ids = nullptr;
    int exit_code = 0;
    bool timed_out = false;
    std::string result_file; // local path; empty when the batch wrote none
    std::string output_tail;
    std::string log_path;
    uint64_t duration_ms = 0;
};

// One execution of a test inside one batch.
struct Attempt {
    Outcome outcome = Outcome::NotRun;
    double duration_secs = -1; // negative: unknown
    std::string message;       // short reason: first line of the failure, "timeout after 30s"...
    std::string output;        // the test's own output or failure text, bounded in size
    std::string log_path;      // the whole output of the batch the attempt ran in
    unsigned sandbox = 0;      // index of the sandbox it ran on
};

// Everything known about one discovered test.
struct TestReport {
    std::string id;
    std::string file;              // source file, empty if the framework did not say
    std::string group;             // its [groups.NAME]; empty in a run without groups
    std::vector<Attempt> attempts; // in the order they ran
    std::string not_run_reason;    // why there is no attempt, when there is none
    // Why its failure does not fail the run ([flaky] quarantine, flaky/quarantine.hpp): "listed
    // in [flaky] quarantine as \"tests/net/*\"", "flaked in 3 of its last 10 runs"; empty when it
    // is not quarantined. A quarantined test still runs and is reported as what it is.
    std::string quarantined;

    // The outcome of the last attempt; NotRun without attempts.
    Outcome final_outcome() const;
    // Passed in the end after at least one failed or errored attempt.
    bool flaky() const;
};

struct RunReport {
    std::string name = "offload";  // the report's <testsuites name>
    std::vector<TestReport> tests; // in discovery order
    // A run of several frameworks ([discovery.NAME] tables): their names, in the config's order;
    // each test's id starts with its framework's "NAME:". Empty in a run of one.
    std::vector<std::string> suites;
    double wall_secs = 0;
    std::string started_at; // ISO 8601, UTC
};

// Counts for the summary line. A flaky test counts as passed and as flaky. A quarantined test that
// failed or errored counts as quarantined, not failed; one that passed counts as passed.
struct Counts {
    size_t passed = 0, failed = 0, skipped = 0, not_run = 0, flaky = 0, quarantined = 0;
    size_t total() const { return passed + failed + skipped + not_run + quarantined; }
};
Counts count(const RunReport &report);

} // namespace offload
