// Test discovery: the framework's discovery command, run locally in the project directory.
#pragma once

#include "plugin_host/framework_instance.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace offload {

// Where discovery runs: the project directory, or where a local provider's commands run, with its
// environment added (so that discovery sees what the tests will see).
struct DiscoveryPlace {
    std::filesystem::path working_dir;
    std::vector<std::string> env; // "NAME=value"
};

// Runs the discovery command with sh in place.working_dir and lets the framework parse what it
// printed. Throws offload::Error when the command cannot run, times out, is interrupted, or the
// framework rejects its output (with the tool's own message).
std::vector<DiscoveredTest> discover_tests(FrameworkInstance &framework, const DiscoveryPlace &place,
                                           std::chrono::milliseconds timeout);

} // namespace offload
