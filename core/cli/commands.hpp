// The commands of the offload binary. Each returns the process exit code and throws
// offload::Error for fatal, user-facing errors.
#pragma once

#include "cli/session.hpp"

#include <optional>
#include <string>

namespace offload {

struct RunCommandOptions {
    std::optional<unsigned> parallel;   // --parallel, overrides [offload] max_parallel
    std::optional<unsigned> retries;    // --retries, overrides [offload] retry_count
};
int command_run(const GlobalOptions &global, const RunCommandOptions &options);

enum class CollectFormat { Text, Json };
int command_collect(const GlobalOptions &global, CollectFormat format);

int command_validate(const GlobalOptions &global);

int command_init(const GlobalOptions &global, const std::string &provider, const std::string &framework);

int command_plugins(const GlobalOptions &global);

} // namespace offload
