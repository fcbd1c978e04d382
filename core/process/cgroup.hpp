// cgroup v2 directories as containers of process trees: whatever a process in one starts stays in
// it (only a process allowed to write cgroup.procs elsewhere can leave), so listing and killing a
// cgroup lists and kills a whole tree, daemons and double forks included.
#pragma once

#include "util/expected.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace offload {

// One cgroup: its directory in the mounted hierarchy and its path as /proc/PID/cgroup shows it.
struct Cgroup {
    std::filesystem::path dir; // "/sys/fs/cgroup/user.slice/offload-12-345"
    std::string name;          // "/user.slice/offload-12-345"

    bool empty() const { return dir.empty(); }
    Cgroup child(const std::string &leaf) const
    {
        return {dir / leaf, name == "/" ? "/" + leaf : name + "/" + leaf};
    }
    // Whether a /proc/PID/cgroup path is this cgroup or one below it.
    bool contains(const std::string &process_cgroup) const;
};

// This process's own cgroup in the cgroup v2 hierarchy (from /proc/self/cgroup and
// /proc/self/mountinfo), or why there is none: no cgroup2 mount (a pure v1 system), the hierarchy
// not mounted where this process can see its cgroup (some containers).
Expected<Cgroup> own_cgroup();

// Creates the cgroup (mkdir); an error names the directory and the reason.
Expected<void> create_cgroup(const Cgroup &cgroup);

// The processes in the cgroup and every cgroup below it (cgroup.procs never lists zombies).
std::vector<pid_t> cgroup_processes(const Cgroup &cgroup);

// Whether a process is in the cgroup or below it (cgroup.events), false when the cgroup is gone.
bool cgroup_populated(const Cgroup &cgroup);

// Whether the kernel can kill a cgroup at once (cgroup.kill, Linux 5.14).
bool cgroup_has_kill(const Cgroup &cgroup);

// Sends signal_number to every process in the cgroup and below for which `which` (may be empty)
// says yes; each is checked to be in the cgroup through a pidfd, so a pid reused meanwhile is never
// hit. SIGKILL to all goes through cgroup.kill where there is one, which also catches processes
// forked meanwhile. Returns how many processes were signalled (cgroup.kill: how many were listed).
size_t signal_cgroup(const Cgroup &cgroup, int signal_number, const std::function<bool(pid_t)> &which = {});

// Removes the cgroup and the cgroups below it, deepest first; only empty cgroups can go (a
// populated one is left, with the cgroups above it). True when the cgroup is gone.
bool remove_cgroup(const Cgroup &cgroup);

} // namespace offload
