#include "process/orphan_reaper.hpp"

#include "process/cgroup.hpp"
#include "process/proc_info.hpp"
#include "util/fd.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>
#include <unordered_set>

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace offload {

namespace {

using Clock = std::chrono::steady_clock;

// Never destroyed: the reaper thread is detached and may run while statics are destroyed at exit.
struct Registry {
    std::mutex mutex;
    std::unordered_set<pid_t> leaders; // guarded by mutex
    Cgroup orphan_cgroup;              // guarded by mutex; empty: none
    pid_t own_pgid = ::getpgrp();
    std::atomic<bool> running{false};
    Clock::time_point last_scan{}; // guarded by mutex
};

Registry &registry()
{
    static Registry *instance = new Registry;
    return *instance;
}

// With the lock held: whether the reaper may reap the zombie child pid (see the header).
bool reapable(const Registry &reg, pid_t pid)
{
    if (reg.leaders.count(pid) != 0)
        return false;
    if (!reg.orphan_cgroup.empty()) {
        const std::optional<std::string> cgroup = process_cgroup_v2(pid);
        if (cgroup && reg.orphan_cgroup.contains(*cgroup))
            return true;
    }
    const std::optional<ProcStat> stat = read_proc_stat(pid);
    return stat && stat->ppid == ::getpid() && stat->pgid != reg.own_pgid;
}

// With the lock held: reaps the zombie child pid if it may; true when reaped.
bool reap_if_allowed(const Registry &reg, pid_t pid)
{
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd)
        return false; // already reaped, or no pidfds (then nothing is reaped: no risk taken)
    if (!reapable(reg, pid))
        return false;
    // Only the process the pidfd refers to, and only if it is a zombie child: if it was reaped
    // elsewhere after the pidfd was opened, this fails with ECHILD and nothing happens.
    siginfo_t info{};
    return ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info,
                    WEXITED | WNOHANG) == 0 &&
           info.si_pid != 0;
}

enum class Round { Idle, BlockedByLeader, Blocked };

// With the lock held: reaps what it may. `reaped` counts.
Round reap_round(Registry &reg, size_t &reaped)
{
    pid_t blocked = 0;
    // waitid(WNOWAIT) names one zombie child without reaping it; as long as it is one the reaper
    // may reap, it goes on.
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0)
            return Round::Idle;
        if (!reap_if_allowed(reg, info.si_pid)) {
            blocked = info.si_pid;
            break;
        }
        ++reaped;
    }
    // The zombie in front is not ours to reap. A leader's supervisor reaps it in a moment: the
    // reaper tries again then. Another (a plugin's own child) may stay: the zombies behind it are
    // found in /proc, at most every 25 ms.
    const bool leader = reg.leaders.count(blocked) != 0;
    if (leader)
        return Round::BlockedByLeader;
    const Clock::time_point now = Clock::now();
    if (now - reg.last_scan >= std::chrono::milliseconds(25)) {
        reg.last_scan = now;
        const pid_t self = ::getpid();
        for (pid_t pid : list_processes()) {
            if (pid == blocked)
                continue;
            const std::optional<ProcStat> stat = read_proc_stat(pid);
            if (stat && stat->ppid == self && stat->state == 'Z' && reap_if_allowed(reg, pid))
                ++reaped;
        }
    }
    return Round::Blocked;
}

void reaper_thread(int signal_fd)
{
    Registry &reg = registry();
    int timeout_ms = 0;
    for (;;) {
        pollfd entry{signal_fd, POLLIN, 0};
        ::poll(&entry, 1, timeout_ms);
        signalfd_siginfo info;
        while (::read(signal_fd, &info, sizeof info) > 0) {
        }
        size_t reaped = 0;
        Round round;
        {
            std::lock_guard<std::mutex> lock(reg.mutex);
            round = reap_round(reg, reaped);
        }
        // SIGCHLD wakes the thread; the timeouts are a safety net (a signal consumed elsewhere) and
        // the retry while a zombie that is not ours stands in front.
        timeout_ms = round == Round::Idle ? 1000 : round == Round::BlockedByLeader ? 5 : 100;
    }
}

} // namespace

void start_orphan_reaper()
{
    Registry &reg = registry();
    if (reg.running.load())
        return;
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        return; // orphans go to init, which reaps them
    sigset_t child;
    sigemptyset(&child);
    sigaddset(&child, SIGCHLD);
    ::pthread_sigmask(SIG_BLOCK, &child, nullptr);
    const int signal_fd = ::signalfd(-1, &child, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd < 0)
        return; // only the reaper is missing: zombies wait for offload's exit, as before
    reg.running.store(true);
    std::thread(reaper_thread, signal_fd).detach();
}

bool orphan_reaper_running()
{
    return registry().running.load();
}

std::unique_lock<std::mutex> lock_leader_registry()
{
    return std::unique_lock<std::mutex>(registry().mutex);
}

void register_leader(pid_t pid, const std::unique_lock<std::mutex> &)
{
    registry().leaders.insert(pid);
}

void unregister_leader(pid_t pid)
{
    Registry &reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    reg.leaders.erase(pid);
}

void set_orphan_cgroup(const std::string &cgroup_name)
{
    Registry &reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    reg.orphan_cgroup = cgroup_name.empty() ? Cgroup{} : Cgroup{"/", cgroup_name};
}

size_t reap_orphans_now()
{
    Registry &reg = registry();
    std::lock_guard<std::mutex> lock(reg.mutex);
    size_t reaped = 0;
    reap_round(reg, reaped);
    return reaped;
}

} // namespace offload
