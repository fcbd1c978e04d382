// The commands of the offload binary. Each returns the process exit code and throws
// offload::Error for fatal, user-facing errors.
#pragma once

#include "cli/session.hpp"
#include "runner/selection.hpp"

#include <optional>
#include <string>

namespace offload {

struct RunCommandOptions {
    std::optional<unsigned> parallel; // --parallel, overrides [offload] max_parallel
    std::optional<unsigned> retries;  // --retries, overrides [offload] retry_count
    Selection selection;
    bool rediscover = false;          // --rediscover: discovery runs even when the cache holds the list
    std::optional<unsigned> max_fail; // --max-fail N, --fail-fast
    bool kill_running = false;        // --kill-running
    std::string no_tests = "fail";    // --no-tests fail|warn|pass: an empty selection
    bool json_events = false;         // --message-format json
    std::string trace_file;           // --trace FILE, empty: none
    bool trace_in_output_dir = false; // --trace without FILE: output_dir/trace.json
    std::vector<std::string> env;     // --env NAME=VALUE, for every test command
    bool record_history = false;      // --record-history: an error when [history] is off
    std::string color = "auto";       // --color auto|always|never
    bool ci = false;                  // --ci
};
int command_run(const GlobalOptions &global, const RunCommandOptions &options);

enum class CollectFormat { Text, Json };
int command_collect(const GlobalOptions &global, const Selection &selection, bool rediscover,
                    CollectFormat format);

int command_validate(const GlobalOptions &global);

// offload migrate, offload validate --rewrite: a file of the Rust offload's form in offload's.
struct MigrateOptions {
    std::string output;    // -o FILE; empty: stdout (unless in_place)
    bool in_place = false; // --in-place: replace the file, keeping FILE.bak
};
int command_migrate(const GlobalOptions &global, const MigrateOptions &options);

int command_init(const GlobalOptions &global, const std::string &provider, const std::string &framework);

int command_plugins(const GlobalOptions &global);
// offload plugins check PATH: 0 when the plugin is usable, 1 with the reasons when not. The checks
// run in a child, `offload __check-plugin PROJECT_DIR PATH` (plugins_check_child_main), whose report
// the parent prints, adding why when the plugin crashed it or made it exit.
int command_plugins_check(const GlobalOptions &global, const std::string &path);
int plugins_check_child_main(const std::vector<std::string> &args);

struct LogsOptions {
    bool failures = false;
    bool flaky = false;
    bool errors = false; // --errors: tests that errored or did not run
    std::vector<std::string> tests;
    std::string grep;
    std::string test_regex; // --test-regex: only tests whose id matches
};
int command_logs(const GlobalOptions &global, const LogsOptions &options);

struct FlakyOptions {
    unsigned top = 20;              // --top, 0: all
    std::optional<unsigned> window; // --window, overrides [flaky] window_runs
    bool json = false;              // --format json
};
int command_flaky(const GlobalOptions &global, const FlakyOptions &options);
// offload history merge BASE OURS THEIRS: the merge of the three versions, written to OURS (git's
// merge driver protocol: %O %A %B). 0 when merged; an Error (exit 1, a conflict for git) when a
// version is not a history of offload's.
int command_history_merge(const std::string &base, const std::string &ours, const std::string &theirs);
// offload history show: the tests the history and its imports know, with their timings.
int command_history_show(const GlobalOptions &global);

struct ReportOptions {
    std::string input;  // --input: the run record; empty: output_dir/run.json of the configuration
    std::string output; // -o: the HTML file; empty: report.html beside the record
};
int command_report(const GlobalOptions &global, const ReportOptions &options);

} // namespace offload
