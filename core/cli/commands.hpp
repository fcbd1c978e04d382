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
    std::vector<std::string> tests;
    std::string grep;
};
int command_logs(const GlobalOptions &global, const LogsOptions &options);

struct FlakyOptions {
    unsigned top = 20;              // --top, 0: all
    std::optional<unsigned> window; // --window, overrides [flaky] window_runs
    bool json = false;              // --format json
};
int command_flaky(const GlobalOptions &global, const FlakyOptions &options);
struct ReportOptions {
    std::string input;  // --input: the run record; empty: output_dir/run.json of the configuration
    std::string output; // -o: the HTML file; empty: report.html beside the record
};
int command_report(const GlobalOptions &global, const ReportOptions &options);

} // namespace offload
