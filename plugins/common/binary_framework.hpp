// The shared part of the frameworks for compiled test binaries (doctest, Catch2): binaries named by
// globs, one test id per test case, batches that run many cases in one process, and crash
// attribution. Not part of the ABI (see text.hpp).
//
// Ids are "BINARY::CASE": BINARY as the glob found it, relative to the project directory (or
// absolute), CASE the tool's own name for the case.
//
// A batch runs, for each binary among its tests, one process for its cases (several when the
// filter would exceed what one argument may hold; one of its own for a case the tool cannot select
// exactly among others), each writing its report. A process that does not end cleanly — a crash, an
// exit in the middle of a case, a report cut short — leaves no trustworthy result but for the cases
// its report completed: each of its cases then runs again in a process of its own, so that the case
// that crashes is the one charged and every other case gets its true outcome. The reports travel
// back in the batch's one result file as framed parts (framed_parts.hpp).
#pragma once

#include "common/binary_tool.hpp"

#include <offload/plugin.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace offload::common {

struct BinarySettings {
    std::vector<std::string> binaries; // globs (*, ?, [...]) relative to the project directory
    std::vector<std::string> extra_args;
    std::string build_command; // runs before discovery, in the project directory; empty: none
};

// Reads binaries, extra_args and build_command from the [discovery] table; forbidden lists the
// options offload sets itself (an argument equal to one, or starting with it followed by "="), with
// why. Throws ConfigError after telling the user.
BinarySettings read_binary_settings(const offload::sdk::Config &config,
                                    const std::vector<std::pair<std::string, std::string>> &forbidden);

// "BINARY::CASE" split at its first "::"; nullopt for an id of another shape.
struct CaseId {
    std::string binary;
    std::string name;
};
std::optional<CaseId> split_case_id(const std::string &id);

// The binary's path as a command word for sh: "./name" for a name without a slash.
std::string runnable_path(const std::string &binary);

class BinaryFramework {
  public:
    BinaryFramework(const offload_host *host, std::unique_ptr<BinaryTool> tool, BinarySettings settings)
        : m_host(host), m_tool(std::move(tool)), m_settings(std::move(settings))
    {
    }

    // [main-thread] The listing of every binary; filters (a group's, the tool's own options) after
    // extra_args.
    std::string discover_command(const std::vector<std::string> &filters = {}) const;
    // [main-thread] Throws ToolError with what to tell the user. Called once per group: what it
    // learns of the binaries adds up over the calls.
    void parse_discovery(const offload_discovery_output &output, const offload_test_sink &tests) const;
    // [worker-thread]
    std::string batch_command(const offload_batch &batch) const;
    // [worker-thread]
    void parse_results(const offload_batch_run &run, const offload_result_sink &results) const;

  private:
    struct Binary {
        std::string variant;
        std::set<std::string> skipped; // case names the tool skips by itself
    };
    // The processes of a batch: each runs some of its cases (indices into its ids) of one binary.
    struct Process {
        std::string binary;
        std::vector<size_t> cases;
    };
    std::vector<Process> plan(const char *const *ids, size_t count) const;
    Binary binary(const std::string &path) const;

    const offload_host *m_host;
    std::unique_ptr<BinaryTool> m_tool;
    BinarySettings m_settings;
    // Learned by parse_discovery (main thread, before any batch), read by batches.
    mutable std::mutex m_mutex;
    mutable std::map<std::string, Binary> m_binaries;
};

} // namespace offload::common
