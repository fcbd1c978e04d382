// The run record, output_dir/run.json: one versioned JSON document ("format": "offload-run 1") with
// everything a report of the run needs afterwards - the run, its settings, every test with every
// attempt, and the timeline of sandboxes and batches. `offload report` renders it as HTML; other
// tools may read it (docs/run-record.md describes the format).
#pragma once

#include "results/run_outcome.hpp"
#include "runner/run_observer.hpp"
#include "util/expected.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

inline constexpr std::string_view run_record_format = "offload-run 1";

// The settings a reader of the report needs to understand the run.
struct RecordSettings {
    std::string config_file;
    std::string provider;  // [provider] type
    std::string framework; // [discovery] type
    unsigned parallel = 0; // sandboxes at once, as the run used it
    unsigned retries = 0;
    double test_timeout_secs = 0;
    double slow_timeout_secs = 0;
    std::string output_dir;
    std::vector<std::string> command_line;
};

struct TimelineSandbox {
    unsigned sandbox = 0;
    double created_secs = 0;    // since the run started
    double destroyed_secs = -1; // negative: not seen destroyed
};

struct TimelineBatch {
    size_t number = 0;
    unsigned sandbox = 0;
    unsigned attempt = 1; // 1: the first run of its tests
    bool hedge = false;
    bool worker = false;
    size_t tests = 0;        // its tests (a worker's: those that ended in it)
    size_t failed_tests = 0; // of them, failed or errored there
    double start_secs = 0;   // since the run started
    double duration_secs = 0;
    std::string end; // BatchEvent::end: "completed", "timed out", "crashed"...
    int exit_code = 0;
    std::string log; // relative to output_dir when inside it
};

struct Timeline {
    std::vector<TimelineSandbox> sandboxes; // in order of creation
    std::vector<TimelineBatch> batches;     // in order of their end
};

// Everything of the record but its tests.
struct RunHeader {
    std::string started_at; // ISO 8601, UTC
    double wall_secs = 0;
    bool interrupted = false;
    bool stopped_early = false;
    int exit_code = 0;
    unsigned sandboxes = 0;
    size_t batches = 0;
    size_t hedges_started = 0, hedges_won = 0;
    std::vector<std::string> incidents;
    Counts counts; // written for readers' convenience; the reader counts the tests again
    RecordSettings settings;
    Timeline timeline;
};

struct RunRecord {
    RunHeader header;
    std::vector<TestReport> tests;
};

// Collects the timeline while a run goes on. Thread: any (it locks itself), as RunObserver says.
class RunRecorder : public RunObserver {
  public:
    // Log paths inside output_dir are recorded relative to it.
    explicit RunRecorder(std::filesystem::path output_dir) : m_output_dir(std::move(output_dir)) {}

    void sandbox_created(unsigned sandbox, double at_secs) override;
    void sandbox_destroyed(unsigned sandbox, double at_secs) override;
    void batch_finished(const BatchEvent &batch) override;
    void test_finished(const TestEvent &test) override;

    Timeline timeline() const;

  private:
    struct Ended {
        size_t tests = 0, failed = 0;
    };
    std::filesystem::path m_output_dir;
    mutable std::mutex m_mutex;
    Timeline m_timeline;
    std::map<size_t, Ended> m_ended; // by batch number
};

// The header of a finished run's record.
RunHeader record_header(const RunOutcome &outcome, RecordSettings settings, Timeline timeline);

// path relative to output_dir when it lies inside it, else as it is.
std::string relative_to_output(const std::string &path, const std::filesystem::path &output_dir);

// Writes the record as JSON to write, piece by piece (tests are never all in one string). Attempts'
// log paths inside output_dir are written relative to it. Strings are escaped by util/json.hpp's rule.
void write_run_record(const std::function<void(std::string_view)> &write, const RunHeader &header,
                      const std::vector<TestReport> &tests, const std::filesystem::path &output_dir);

// Writes path atomically (util/atomic_file.hpp). The error names the path and the reason.
Expected<void> write_run_record_file(const std::filesystem::path &path, const RunHeader &header,
                                     const std::vector<TestReport> &tests,
                                     const std::filesystem::path &output_dir);

// Reads a record back. name is how errors call the file: "build/offload-report/run.json: not an
// offload run record (format \"x\"; this offload reads offload-run 1)", "...: not valid JSON: line 3,
// column 5: expected ',' or '}'". Unknown keys are skipped (a newer offload may add some).
Expected<RunRecord> parse_run_record(std::string_view text, const std::string &name);
// The text of the file at path, unchecked; a directory or an unreadable file is an error naming it.
Expected<std::string> read_run_record_text(const std::filesystem::path &path);
Expected<RunRecord> read_run_record_file(const std::filesystem::path &path);

} // namespace offload
