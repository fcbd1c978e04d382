// Looking at plugin files without trusting them. A plugin's id is known only from its descriptor,
// so finding "the plugin with id X" means loading every candidate file and running its init(). That
// happens in a child process, offload itself run as `offload __probe PROJECT_DIR FILE...`, which
// answers one line per file: a file that crashes, calls exit() or hangs while it loads costs the
// child, never the command. Only the file chosen for an id is then loaded in-process (registry.hpp).
//
// Cost: one child per search directory that holds .so files. Only when that child does not end
// cleanly is each of its files probed again in a child of its own, to tell which one is at fault.
#pragma once

#include "plugin_host/plugin_library.hpp"
#include "process/subprocess.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace offload {

// What a probe learned of a usable plugin file: its descriptor's facts and the interfaces it
// passed the checks of load_plugin with.
struct ProbedPlugin {
    std::filesystem::path path;
    std::string origin; // which search directory it came from
    std::string id;
    std::string version;
    std::string description;
    uint32_t abi_major = 0;
    uint32_t abi_minor = 0;
    bool framework = false;
    bool provider = false;

    // "framework", "provider" or "framework, provider".
    std::string kinds() const;
};

// The answer for one file.
using ProbeAnswer = std::variant<ProbedPlugin, RefusedPlugin>;

struct ProbeOptions {
    // An offload binary that understands `__probe`: this one, unless a test says otherwise.
    std::filesystem::path executable = "/proc/self/exe";
    // The host environment's project directory: a plugin's init() may run processes there.
    std::filesystem::path project_dir;
    // How long one child may take (a plugin whose init() hangs is refused after it).
    std::chrono::milliseconds timeout{30000};
};

// Probes files (absolute paths, all from the search directory `origin`): in one child, and when
// that child does not end cleanly, in one child per file. Returns one answer per file, in order.
// A file whose own child crashed, exited early or timed out is refused with that reason
// ("crashed while being loaded (signal 11)"). Throws offload::Error when the user interrupts.
// Thread: main.
std::vector<ProbeAnswer> probe_plugins(const std::vector<std::filesystem::path> &files,
                                       const std::string &origin, const ProbeOptions &options);

// The child's side: `offload __probe PROJECT_DIR FILE...` (args without "__probe"). Loads each file
// with load_plugin and writes its answer as one line to stdout, then deinitializes the plugins and
// writes "done". Whatever the plugins themselves print goes to stderr. Returns the exit code.
int probe_child_main(const std::vector<std::string> &args);

// For a child of offload that reports to its parent on stdout while plugins run in it: moves the
// real stdout to a new close-on-exec descriptor, which it returns, and points descriptor 1 at
// stderr, so that nothing a plugin prints can pass for the report. -1 when that fails.
int take_private_stdout();

// Writes all of text to fd, retrying on EINTR and short writes. False on an error.
bool write_all(int fd, std::string_view text);

// Why a child that loaded a plugin did not end cleanly, for a refusal: "crashed while being loaded
// (signal 11)", "exited with status 0 while being loaded (...)", "did not finish loading within
// 30 s". `activity` says what it was doing ("while being loaded", "while being checked").
std::string child_death_reason(const ProcessExit &exit, std::chrono::milliseconds timeout,
                               std::string_view activity);

} // namespace offload
