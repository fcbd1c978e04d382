// The whole process tree of one command: everything it starts, also what leaves its process group
// (`setsid cmd &`, setpgid(0, 0), a daemon's double fork), so that it can be listed and ended.
//
// Two mechanisms, chosen once per offload process (the debug log says which):
// - cgroup v2 where offload may create cgroups and start processes in them: the run gets a cgroup
//   under offload's own (`offload-PID-START`), each command one below it (`cmd-N`), and the
//   command's leader is created inside it (clone3 with CLONE_INTO_CGROUP), so nothing it starts
//   can be missed. Ended with cgroup.kill; removed when the command is done.
// - elsewhere (cgroups v1 only, a container without a writable hierarchy, a kernel before 5.7):
//   offload is a child subreaper, and the tree is found in /proc among the processes started
//   after the leader: those in its process group, those whose parent chain leads to it, and those
//   carrying its marker in their environment (OFFLOAD_PROCESS_TREE, inherited by everything the
//   command starts unless a process clears its environment). Orphans come back to offload and are
//   reaped by its reaper thread (orphan_reaper.hpp).
// OFFLOAD_PROCESS_TRACKING=subreaper in offload's environment forces the second one.
//
// Whether the tree ends with the command depends on who runs it (ProcessSpec::tree_scope): a test
// command's does; a provider's own helper command (a script bridge verb) may start a process of the
// provider meant to outlive it (an ssh ControlMaster, the fake Modal's sandbox supervisors, in
// sessions of their own): such a command only carries the marker (so that the cleanup after a
// killed run finds what it left) and gets no cgroup.
#pragma once

#include "process/cgroup.hpp"
#include "process/proc_info.hpp"
#include "process/spawn.hpp"
#include "util/expected.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <sys/types.h>

namespace offload {

// The environment variable that marks every process of a command: space-separated tokens
// "RUNID.N", one per offload in whose command the process runs (a run inside a run adds its own).
inline constexpr const char *process_tree_variable = "OFFLOAD_PROCESS_TREE";

// A process still running when its command's leader exited.
struct LeakedProcess {
    pid_t pid = 0;
    std::string command_line; // shortened; "[name]" when it has none
};

// How this offload tracks process trees. Decided at the first call (creating the run's cgroup and
// trying it), then fixed. Thread-safe.
struct TreeTracking {
    std::string run_id;      // "PID-START": offload's pid and start time, unique across reboots of pids
    Cgroup run_cgroup;       // the run's cgroup; empty without cgroup tracking
    std::string description; // for the log: the mechanism, and why cgroups are not used
};
const TreeTracking &tree_tracking();

// What one look at /proc found of a tree (without a cgroup).
struct TreeScan {
    std::vector<ProcStat> members;
    bool certain = true; // no process vanished under the scan that may have forked a member it missed
};

// One command's tree. Thread: the one that runs the command.
class ProcessTree {
  public:
    // Before the command starts: its token, and its cgroup where cgroups are used and use_cgroup.
    explicit ProcessTree(bool use_cgroup = true);
    // Removes the command's cgroup. The tree must be gone (run_subprocess waits for that).
    ~ProcessTree();
    ProcessTree(const ProcessTree &) = delete;
    ProcessTree &operator=(const ProcessTree &) = delete;

    // "OFFLOAD_PROCESS_TREE=<inherited tokens> <this command's token>", for the command's environment.
    std::string marker_entry() const;

    // Starts the command's leader with spawn (handed the cgroup's descriptor, or -1) and registers it
    // with the orphan reaper, in one step the reaper never sees half done. The leader's pid.
    Expected<pid_t> start(const std::function<Expected<Spawned>(int cgroup_fd)> &spawn);

    // The processes of the tree that still run, the leader left out (zombies are not running).
    struct Members {
        std::vector<pid_t> pids;
        // Without a cgroup: no process vanished under the scan that may have forked one it missed
        // (a daemon's double fork: the middle process forks and dies while /proc is read).
        bool certain = true;
    };
    Members members();
    // Whether nothing of the tree runs any more; only once the leader is reaped. Without a cgroup,
    // a scan that may have missed a process counts only when the next one finds nothing either.
    bool gone();
    // Sends signal_number to the tree's processes outside the leader's process group (the caller
    // signals the group itself). SIGKILL with cgroups kills everything of the cgroup at once.
    void signal_outside_group(int signal_number);
    // Once the leader is reaped: the reaper may take what is left of the tree.
    void leader_reaped();

    bool in_cgroup() const { return m_in_cgroup; }

  private:
    // scan_tree(), noting what it finds in m_seen.
    TreeScan scan();

    std::string m_token;
    std::optional<Cgroup> m_cgroup; // created for this command
    Fd m_cgroup_fd;
    bool m_in_cgroup = false; // the leader started inside m_cgroup
    pid_t m_leader = 0;
    uint64_t m_leader_start = 0;
    bool m_registered = false;
    std::unordered_map<pid_t, uint64_t> m_seen; // without a cgroup: members found alive, and their start
    int m_empty_scans = 0;
};

// The command lines of pids, for a report of what was left running.
std::vector<LeakedProcess> describe_processes(const std::vector<pid_t> &pids);

// Ends what a run that died without cleaning up (offload killed by SIGKILL) left running: every
// process of its cgroup (if it still exists, then removed) and every process carrying one of its
// markers in its environment; never this process or one of its ancestors. Waits up to about two
// seconds for them to go. Returns how many processes were ended.
size_t end_processes_of_dead_run(const std::string &run_id, const Cgroup &run_cgroup);

} // namespace offload
