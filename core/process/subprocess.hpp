// Runs one local command in its own process group, streams its output, and makes sure that nothing
// of its process tree outlives the call: not its group, nor what left the group (process_tree.hpp).
#pragma once

#include "process/process_tree.hpp"
#include "util/expected.hpp"

#include <offload/cancel.h>
#include <offload/input.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

// What a command's process tree is bound to (see process_tree.hpp).
enum class TreeScope {
    Command, // a test command: everything it started ends with it, and what it left running is `leaked`
    Run,     // a provider's helper (a script bridge verb): its process group ends with it, and what left
             // the group on purpose (a shared ssh connection) is the provider's to end
};

struct ProcessSpec {
    std::vector<std::string> argv; // argv[0] is looked up in offload's own PATH
    std::string working_dir;       // empty: inherit
    std::vector<std::string> env;  // "NAME=value": added to, or replacing in, the inherited environment
    std::chrono::milliseconds timeout{0}; // 0: no timeout
    std::chrono::milliseconds kill_grace{2000};
    // Receives output as it arrives, in chunks of any size; stream 1 = stdout, 2 = stderr. May be empty.
    // Called on the thread that called run_subprocess. If it throws, the process group is killed and
    // waited for, and the exception propagates out of run_subprocess.
    std::function<void(int stream, std::string_view data)> on_output;
    // What stops the command: its level (1: SIGTERM, grace, SIGKILL; 2: SIGKILL at once;
    // cancelled = true). Null: the run's own cancellation alone (Interrupt). Must outlive the call.
    const offload_cancel *cancel = nullptr;
    // Only a rise of cancel's level above this stops the command. -1: the level in force at the
    // call, so that a command started during a graceful stop (cleanup of a sandbox) runs to its end.
    // 0: any cancellation stops it; one already in force when the call is made means the command
    // is not started at all (cancelled = true, nothing ran).
    int handled_level = -1;
    // Written to the command's stdin as it becomes available; stdin is closed at the end of the
    // input, and input the command no longer reads (it closed its stdin, or exited) is dropped.
    // Null: stdin is /dev/null. Must outlive the call; read on the calling thread only.
    const offload_input *input = nullptr;
    TreeScope tree_scope = TreeScope::Command;
};

// How a command that started ended.
struct ProcessExit {
    int exit_code = -1;                    // the leader's exit code, or 128 + signal
    int term_signal = 0;                   // the signal that ended the leader, 0 if it exited
    bool timed_out = false;                // killed because the timeout passed
    bool cancelled = false;                // killed because Interrupt::level() rose while the leader ran
    std::chrono::milliseconds duration{0}; // from start until the whole process tree is gone
    // Processes of the tree still running when the leader exited by itself (not stopped by offload):
    // a test left them behind, as nextest's LEAK. They were ended like the rest of the tree.
    std::vector<LeakedProcess> leaked;
};

// offload's environment with overrides ("NAME=value") applied, in order: a same-named entry is
// replaced in place, a new one appended. What a command started by run_subprocess gets.
std::vector<std::string> child_environment(const std::vector<std::string> &overrides);

// Runs argv in a new process group (its pgid == its pid) with stdin from spec.input (else /dev/null)
// and stdout and stderr on separate pipes, and waits until the leader AND every process of its tree
// are gone. The tree is the group and whatever left it (setsid, setpgid, a daemon's double fork):
// a cgroup v2 per command where offload may make one, else found in /proc (process_tree.hpp).
// - timeout: SIGTERM to the whole tree, SIGKILL to the tree after kill_grace.
// - the cancellation level (spec.cancel's, else Interrupt::level()) rising to 1 while it runs: the
//   same (SIGTERM, grace, SIGKILL), cancelled = true; rising to 2 (also during the grace period):
//   SIGKILL to the tree at once.
//   Only a rise above spec.handled_level counts (by default the level in force at the call): a
//   command started during a graceful stop (say, cleanup of a sandbox) runs to its end unless the
//   level then reaches 2, and one started at level 2 is never cancelled.
// - the leader exits while others of its tree still run (a background process left behind, a
//   daemon, a grandchild that ignores SIGTERM): they are listed in `leaked`, then SIGTERM to the
//   tree, SIGKILL after kill_grace; the exit code is the leader's.
// With TreeScope::Run only the process group is signalled and waited for, as before tree tracking;
// what left it runs on (reaped by the orphan reaper when it dies, found by its marker if offload
// is killed).
// - a process that escaped tracking (it cleared its environment and was orphaned, without cgroups)
//   but still holds the pipes never blocks the call: once the tree is gone, what is buffered in the
//   pipes is read and the call returns.
// Orphans are reaped as they die only if become_subreaper() was called (else init reaps them).
// Every command's environment gets OFFLOAD_PROCESS_TREE (its marker) besides spec.env.
// Thread-safe: many threads may call it at once; every descriptor it creates is close-on-exec, so none
// leaks into another thread's child. Never waits for children other than its own leader and the
// members of its group (the orphan reaper takes the others).
// Returns why the command could not be started ("cannot run 'foo': No such file or directory",
// "cannot run 'sh': working directory '/x' does not exist"), else how it ended.
Expected<ProcessExit> run_subprocess(const ProcessSpec &spec);

} // namespace offload
