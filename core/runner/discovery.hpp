// Test discovery: the framework's discovery command, run locally in the project directory.
#pragma once

#include "plugin_host/framework_instance.hpp"

#include <chrono>
#include <filesystem>
#include <vector>

namespace offload {

// Runs the discovery command with sh in project_dir and lets the framework parse what it printed.
// Throws offload::Error when the command cannot run, times out, is interrupted, or the framework
// rejects its output (with the tool's own message).
std::vector<DiscoveredTest> discover_tests(FrameworkInstance &framework,
                                           const std::filesystem::path &project_dir,
                                           std::chrono::milliseconds timeout);

} // namespace offload
