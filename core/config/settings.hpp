// offload.toml: the core's own settings, and the plugin tables handed on to plugins.
#pragma once

#include "config/diagnostics.hpp"
#include "config/rust_offload/rust_offload_config.hpp"
#include "flaky/quarantine.hpp"
#include "scheduler/retry_policy.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offload {

struct Settings {
    std::filesystem::path config_file; // absolute
    std::filesystem::path project_dir; // the directory holding config_file; commands run here
    toml::table document;              // the whole file; the tables below point into it
    // Set when the file is in the Rust offload's form: what each of its keys became (document is
    // the translation).
    std::unique_ptr<RustOffloadConfig> rust_offload;

    // [offload]
    unsigned max_parallel = 1;      // sandboxes at once
    double test_timeout_secs = 900; // how long one test may run (a batch without records:
                                    // each of its tests)
    double slow_timeout_secs = 60;  // a test running longer is shown as slow (again at each multiple)
    std::vector<std::filesystem::path> plugin_paths; // absolute
    std::optional<bool> tail_hedging;                // unset: on where the provider says duplicates are cheap

    // [offload] retry_count, [retry] and [[retry.overrides]]
    RetryPolicy retry;
    // [flaky]
    QuarantineSettings quarantine;

    // [report]
    std::filesystem::path output_dir; // absolute
    bool junit = true;
    std::filesystem::path junit_file; // absolute (relative values are inside output_dir)
    std::optional<bool> github;       // annotations and a job summary; unset ("auto"): in GitHub Actions
    bool html = false;                // write output_dir/report.html after every run

    // [history]
    bool history = true;                // read and write the timing history
    std::filesystem::path history_file; // absolute
    // [history] import: read-only timing histories (the Rust offload's offload-history.jsonl, or
    // offload's own format), absolute; consulted for tests history_file has no timing of, never written.
    std::vector<std::filesystem::path> history_imports;
    // [discovery_cache] (discovery/discovery_cache.hpp)
    bool discovery_cache = true;
    std::filesystem::path discovery_cache_dir;       // absolute
    std::vector<std::string> discovery_cache_inputs; // globs, relative to where discovery runs

    // [provider] and [discovery]: `type` plus the plugin's own keys.
    std::string provider_type;
    std::string framework_type;
    const toml::table *provider_table = nullptr;
    const toml::table *discovery_table = nullptr;

    // The frameworks of the run: [discovery] alone (one, named ""), or one per [discovery.NAME]
    // table when [discovery] has no `type` of its own (a run of several: ids are "NAME:id").
    // framework_type and discovery_table above are the first one's.
    struct Suite {
        std::string name;
        std::string framework_type;
        const toml::table *table = nullptr;
        // keep_files_together = true: the tests of one source file run in one command, one after
        // another, never duplicated (runner/runner.hpp, SuiteCommands).
        bool keep_files_together = false;
    };
    std::vector<Suite> suites;

    // [groups.NAME], in the file's order: the run's tests are those the groups discover, each
    // group's with its filters, and each test belongs to one group. Empty: one implicit group of
    // every test, as in a file without [groups].
    struct Group {
        std::string name;
        std::string filters;                 // the framework's own selection syntax; "" selects all
        std::optional<unsigned> retry_count; // its tests' retries, over [offload] retry_count
        bool schedule_individual = false;    // each of its tests runs in a command of its own
        size_t suite = 0;                    // index into suites (`suite`, required with several)
    };
    std::vector<Group> groups;
};

// Reads and checks the file. Every problem is reported through diagnostics with file:line:column;
// throws offload::Error when the file is missing, unparsable, or has errors. Unknown keys of the
// core's sections are warnings (plugins' keys are checked by the plugin host).
std::unique_ptr<Settings> load_settings(const std::filesystem::path &file, Diagnostics &diagnostics);

// The same from the file's text; absolute_file places the project, name is how messages call it.
std::unique_ptr<Settings> settings_from_text(const std::string &text,
                                             const std::filesystem::path &absolute_file,
                                             const std::string &name, Diagnostics &diagnostics);

// The settings as TOML, with defaults filled in, for `offload validate`.
std::string describe_settings(const Settings &settings);

} // namespace offload
