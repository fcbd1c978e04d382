// One framework plugin instance, behind a C++ interface that checks everything the plugin hands
// back (NULL strings, unknown test ids, wrong struct sizes).
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "results/test_result.hpp"

#include <optional>
#include <string>
#include <vector>

struct offload_config;

namespace offload {

struct DiscoveredTest {
    std::string id;
    std::string file;   // empty when unknown
};

// What the framework says about one test of a batch.
struct ReportedResult {
    std::string id;
    Outcome outcome = Outcome::Failed;
    double duration_secs = -1;
    std::string message;
    std::string output;
};

// The inputs of parse_results.
struct BatchRunFacts {
    const std::vector<std::string> *test_ids = nullptr;
    int exit_code = 0;
    bool timed_out = false;
    std::string result_file;      // local path; empty when the batch wrote none
    std::string output_tail;
    std::string log_path;
    uint64_t duration_ms = 0;
};

class FrameworkInstance {
public:
    // Calls the plugin's create(). Throws offload::Error when it fails. Main thread.
    FrameworkInstance(const Plugin &plugin, const offload_config &config);
    ~FrameworkInstance();
    FrameworkInstance(const FrameworkInstance &) = delete;
    FrameworkInstance &operator=(const FrameworkInstance &) = delete;

    const Plugin &plugin() const { return m_plugin; }
    size_t max_batch_size() const;

    // Throw offload::Error with the plugin's message. Main thread.
    std::string discover_command() const;
    std::vector<DiscoveredTest> parse_discovery(const std::string &stdout_text, const std::string &stderr_text,
                                                int exit_code) const;

    // Any thread. nullopt and error set when the plugin fails.
    std::optional<std::string> batch_command(const std::vector<std::string> &test_ids,
                                             const std::string &result_file, std::string &error) const;
    // Any thread. Results for ids outside the batch are dropped with a warning; the last result
    // for an id wins. False and error set when the plugin could not read the results at all.
    bool parse_results(const BatchRunFacts &facts, std::vector<ReportedResult> &results, std::string &error) const;

    // Appends the plugin's commented config lines for `offload init`.
    static std::string config_template(const Plugin &plugin);

private:
    const Plugin &m_plugin;
    offload_framework_instance *m_instance = nullptr;
};

} // namespace offload
