// One framework plugin instance, behind a C++ interface that checks everything the plugin hands
// back (NULL strings, unknown test ids, wrong struct sizes).
#pragma once

#include "discovery/discovery_inputs.hpp"
#include "plugin_host/plugin_library.hpp"
#include "results/test_result.hpp"
#include "runner/executor.hpp"

#include <optional>
#include <string>
#include <vector>

struct offload_config;

namespace offload {

class FrameworkInstance final : public TestCommands {
  public:
    // Calls the plugin's create(). Throws offload::Error when it fails. Main thread.
    FrameworkInstance(const Plugin &plugin, const offload_config &config);
    ~FrameworkInstance() override;
    FrameworkInstance(const FrameworkInstance &) = delete;
    FrameworkInstance &operator=(const FrameworkInstance &) = delete;

    const Plugin &plugin() const { return m_plugin; }

    // Throw offload::Error with the plugin's message. Main thread. parse_discovery() also learns
    // how the framework's commands report (style()).
    std::string discover_command() const;
    // The discovery command of the tests `filters` (the tool's own selection syntax) selects,
    // through offload.framework.filters/1; filters "" is discover_command(). Throws offload::Error
    // when the framework takes no filters or rejects these (the caller names the group).
    std::string discover_command(const std::string &filters) const;
    // Whether the framework takes filters (offload.framework.filters/1).
    bool takes_filters() const { return m_plugin.framework_filters != nullptr; }
    std::vector<DiscoveredTest> parse_discovery(const std::string &stdout_text,
                                                const std::string &stderr_text, int exit_code);
    // What the list of tests depends on (offload.framework.discovery_inputs/1): nullopt when the
    // plugin does not say, or says that this configuration is discovered every time. Throws
    // offload::Error with the plugin's message. Main thread; before discovery, and again after
    // parse_discovery() (which may add inputs).
    std::optional<std::vector<DiscoveryInput>> discovery_inputs() const;

    // Before discovery: whether the framework's workers can list the tests (OFFLOAD_LIVE_LISTS);
    // when they can, its commands are ready for a Runner with a TestListing, whose listing then
    // goes to parse_discovery(). Main thread.
    bool prepare_listing();

    // TestCommands. Any thread, after discovery (or prepare_listing()).
    std::string name() const override { return m_plugin.id; }
    TestCommandStyle style() const override { return m_style; }
    bool worker_pulls() const override { return m_pulls; }
    bool worker_lists() const override { return m_lists; }
    size_t max_batch_size() const override;
    Expected<std::string> batch_command(const std::vector<std::string> &test_ids,
                                        const std::string &result_file) const override;
    Expected<std::string> worker_command(const std::vector<std::string> *known_tests,
                                         unsigned sandbox_index) const override;
    // Results for ids outside the batch are dropped with a warning; two results for one id keep
    // the worse (a pass never covers a failure).
    Expected<std::vector<ReportedResult>> parse_results(const BatchRunFacts &facts) const override;

    // Appends the plugin's commented config lines for `offload init`.
    static std::string config_template(const Plugin &plugin);

  private:
    TestCommandStyle ask_style() const;

    const Plugin &m_plugin;
    offload_framework_instance *m_instance = nullptr;
    TestCommandStyle m_style = TestCommandStyle::Batch;
    bool m_pulls = false;
    bool m_lists = false;
};

} // namespace offload
