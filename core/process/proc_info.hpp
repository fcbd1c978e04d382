// What /proc tells about processes: the few facts that process-tree tracking needs. Every function
// is thread-safe and tolerates a process that ends while it is read (the answer is then "absent").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace offload {

// From /proc/PID/stat.
struct ProcStat {
    pid_t pid = 0;
    pid_t ppid = 0;
    pid_t pgid = 0;
    pid_t sid = 0;
    char state = '?';         // R, S, D, T, Z (zombie), X (dead)...
    uint64_t start_ticks = 0; // start time in clock ticks since boot: with the pid, a process's identity
    bool ended() const { return state == 'Z' || state == 'X'; }
};

// The stat of pid, or nothing when there is no such process (any more).
std::optional<ProcStat> read_proc_stat(pid_t pid);

// The pids of every process this process can see, in no particular order.
std::vector<pid_t> list_processes();

// Whether the process pid exists, has not ended, and started at start_ticks (so it is the same
// process, not a later one that got its pid).
bool process_is_running(pid_t pid, uint64_t start_ticks);

// The command line of pid, its arguments separated by spaces, shortened to about max_length
// characters; "[name]" (from stat) when it has none (a kernel thread, a zombie); "" when gone.
std::string process_command_line(pid_t pid, size_t max_length = 160);

// pid's environment as it was at its exec ("NAME=value" entries, each ended by '\0'), or nothing
// when it cannot be read or is empty: a zombie, a process that is exiting (its memory is gone
// before it becomes a zombie), a kernel thread, another user's process.
std::optional<std::string> process_environment(pid_t pid);

// The value of the variable `name` in an environment read by process_environment(), or nothing.
std::optional<std::string> environment_value(std::string_view environment, std::string_view name);

// Both: the value of `name` in pid's environment, or nothing.
std::optional<std::string> process_environment_value(pid_t pid, std::string_view name);

// The path of pid's cgroup in the cgroup v2 hierarchy (the "0::" line of /proc/PID/cgroup, kept for
// a zombie too), or nothing.
std::optional<std::string> process_cgroup_v2(pid_t pid);

// Sends signal_number to pid if, once a pidfd of it is open, `check` still approves of it: the
// signal then reaches the process that was checked, never a later one that got its pid. True when
// sent. Without pidfds (Linux < 5.3), kill() after the check.
bool signal_process_if(pid_t pid, int signal_number, const std::function<bool()> &check);

} // namespace offload
