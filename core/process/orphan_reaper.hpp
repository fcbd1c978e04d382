// offload as a child subreaper: processes that test commands orphan (a daemon's double fork,
// `setsid cmd &` whose shell is gone) are re-parented to offload, and a thread of its own reaps
// them as they die, so that a suite starting thousands of helpers leaves no zombies behind.
//
// The reaper must never take the exit status of a child that someone waits for: the leader of a
// running command (its supervisor in run_subprocess waits for it) or a process a plugin started
// itself. It reaps a zombie child only when it is not a registered leader AND either lies in the
// run's cgroup (cgroup tracking: everything there was started by a test command) or is outside
// offload's own process group (every command runs in a group of its own, and so do the
// processes it orphans; a plugin's own children stay in offload's group unless they call
// setsid or setpgid themselves).
//
// Leaders are registered while the registry's lock is held across their spawn, so the reaper
// never sees a leader that exists but is not yet registered; a zombie is reaped through a pidfd
// opened before it is examined, so a pid reused meanwhile is never reaped by mistake.
#pragma once

#include <mutex>
#include <string>

#include <sys/types.h>

namespace offload {

// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER), blocks SIGCHLD in the
// calling thread (so in every thread started after it) and starts the reaper thread, which
// waits for SIGCHLD through a signalfd. Main thread, once, before any other thread starts. Should
// the kernel refuse, orphans go to init as usual and nothing else changes.
void start_orphan_reaper();

// Whether the reaper runs in this process.
bool orphan_reaper_running();

// The registry of running commands' leaders. Hold the lock while spawning a leader and until it
// is registered; the reaper holds it while it examines and reaps children.
std::unique_lock<std::mutex> lock_leader_registry();
// With the lock held: pid is a leader whose supervisor will wait for it.
void register_leader(pid_t pid, const std::unique_lock<std::mutex> &held);
// Once its supervisor has reaped it (any thread, lock not held).
void unregister_leader(pid_t pid);

// The cgroup (as /proc/PID/cgroup shows it) in which every process was started by a test command
// of this run: its zombies may be reaped. Any thread; empty: none.
void set_orphan_cgroup(const std::string &cgroup_name);

// Reaps now, on the calling thread, the zombies the reaper may reap (all of them, unless one it
// may not reap is in front and /proc was searched less than 25 ms ago); returns how many. Any thread.
size_t reap_orphans_now();

} // namespace offload
