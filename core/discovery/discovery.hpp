// Test discovery: the framework's discovery command, run locally in the project directory, or its
// list from the discovery cache when nothing it depends on changed (discovery_cache.hpp).
#pragma once

#include "plugin_host/framework_instance.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace offload {

// Where discovery runs: the project directory, or where a local provider's commands run, with its
// environment added (so that discovery sees what the tests will see).
struct DiscoveryPlace {
    std::filesystem::path working_dir;
    std::vector<std::string> env; // "NAME=value"
};

struct DiscoveryRequest {
    DiscoveryPlace place;
    std::chrono::milliseconds timeout{0};
    // Where the cache keeps its entries; empty: no cache.
    std::filesystem::path cache_dir;
    // Run discovery even when the cache holds the list, and keep what it finds.
    bool rediscover = false;
    // More globs the list depends on, from the user's [discovery_cache] inputs.
    std::vector<std::string> extra_inputs;
    // A group's filters ([groups.NAME] filters, the framework's own syntax): only the tests they
    // select are discovered, and the cache keeps their list apart. "" for all.
    std::string filters;
};

struct Discovery {
    std::vector<DiscoveredTest> tests;
    bool from_cache = false;
};

struct DiscoveryOutput;
struct DiscoveryLookup;

// A discovery the cache could not answer: its command still has to run, or a worker lists the same
// text (docs/test-protocol.md, `list`). Either way finish() reads it and keeps it in the cache.
class PendingDiscovery {
  public:
    PendingDiscovery(FrameworkInstance &framework, const DiscoveryRequest &request, std::string command);
    ~PendingDiscovery();
    PendingDiscovery(PendingDiscovery &&) noexcept;

    // Runs the discovery command (in place.working_dir, with sh) and finishes with its output.
    Discovery run();
    // The framework reads output (the command's, or a worker's listing); the cache keeps it. Throws
    // offload::Error as discover_tests() does. Main thread.
    Discovery finish(const DiscoveryOutput &output);

  private:
    friend DiscoveryLookup look_up_tests(FrameworkInstance &, const DiscoveryRequest &);
    struct CachePlan;
    void store(const DiscoveryOutput &output);

    FrameworkInstance &m_framework;
    DiscoveryPlace m_place;
    std::chrono::milliseconds m_timeout;
    std::string m_command;
    std::unique_ptr<CachePlan> m_plan; // with a cache: what the lookup found, to store the result
};

// The cache's answer: the tests it holds, or a discovery still to make.
struct DiscoveryLookup {
    std::optional<Discovery> found;
    std::optional<PendingDiscovery> pending;
};

// Looks the tests up in the cache (when request.cache_dir is set) without running discovery.
DiscoveryLookup look_up_tests(FrameworkInstance &framework, const DiscoveryRequest &request);

// The tests, from the cache or from the discovery command (run with sh in place.working_dir), and
// parsed by the framework. Throws offload::Error when the command cannot run, times out, is
// interrupted, or the framework rejects its output (with the tool's own message). The cache never
// makes discovery fail: a cache that cannot be read or written is a warning.
Discovery discover_tests(FrameworkInstance &framework, const DiscoveryRequest &request);

} // namespace offload
