#include "process/process_tree.hpp"

#include "process/orphan_reaper.hpp"
#include "process/proc_info.hpp"
#include "util/log.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

namespace offload {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::atomic<uint64_t> g_next_command{1};

bool has_token(const std::string &tokens, std::string_view token, bool prefix)
{
    std::string_view rest = tokens;
    while (!rest.empty()) {
        const size_t end = std::min(rest.find(' '), rest.size());
        const std::string_view word = rest.substr(0, end);
        if (prefix ? word.substr(0, token.size()) == token : word == token)
            return true;
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return false;
}

// Whether pid's environment carries the marker token (prefix: a token starting with it).
bool carries_marker(pid_t pid, std::string_view token, bool prefix = false)
{
    const std::optional<std::string> tokens = process_environment_value(pid, process_tree_variable);
    return tokens && has_token(*tokens, token, prefix);
}

// "offload-PID-START" of a run cgroup: the run's pid and start, or nothing.
std::optional<std::pair<pid_t, uint64_t>> parse_run_cgroup_name(std::string_view name)
{
    constexpr std::string_view prefix = "offload-";
    if (name.substr(0, prefix.size()) != prefix)
        return std::nullopt;
    name.remove_prefix(prefix.size());
    const size_t dash = name.find('-');
    if (dash == std::string_view::npos)
        return std::nullopt;
    pid_t pid = 0;
    uint64_t start = 0;
    const std::string_view pid_text = name.substr(0, dash), start_text = name.substr(dash + 1);
    if (std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid).ptr != pid_text.end() ||
        std::from_chars(start_text.data(), start_text.data() + start_text.size(), start).ptr !=
            start_text.end())
        return std::nullopt;
    return std::make_pair(pid, start);
}

// Empty run cgroups of offloads that are gone (killed, or ended before removing it) are removed.
// Populated ones are left to end_processes_of_dead_run(), which kills only on a run record's word.
void remove_stale_run_cgroups(const Cgroup &own)
{
    std::error_code error;
    for (const fs::directory_entry &entry : fs::directory_iterator(own.dir, error)) {
        const std::string name = entry.path().filename().string();
        const auto owner = parse_run_cgroup_name(name);
        if (!owner || process_is_running(owner->first, owner->second))
            continue;
        const Cgroup stale = own.child(name);
        if (!cgroup_populated(stale))
            remove_cgroup(stale);
    }
}

TreeTracking decide_tracking()
{
    TreeTracking tracking;
    const std::optional<ProcStat> self = read_proc_stat(::getpid());
    tracking.run_id = std::to_string(::getpid()) + "-" + std::to_string(self ? self->start_ticks : 0);
    const std::string fallback =
        orphan_reaper_running() ? "offload is the child subreaper of its commands and finds their trees "
                                  "in /proc (process group, parent chain, the OFFLOAD_PROCESS_TREE marker)"
                                : "their trees are found in /proc (process group, parent chain, the "
                                  "OFFLOAD_PROCESS_TREE marker); offload is no subreaper";
    const char *forced = std::getenv("OFFLOAD_PROCESS_TRACKING");
    if (forced && std::string_view(forced) == "subreaper") {
        tracking.description = "process trees: " + fallback + " (OFFLOAD_PROCESS_TRACKING=subreaper)";
        return tracking;
    }
    std::string why;
    if (Expected<Cgroup> own = own_cgroup(); !own) {
        why = own.error();
    } else {
        remove_stale_run_cgroups(*own);
        const Cgroup run = own->child("offload-" + tracking.run_id);
        if (Expected<void> made = create_cgroup(run); !made) {
            why = made.error();
        } else {
            Fd fd(::open(run.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            Expected<void> probe =
                fd ? probe_spawn_into_cgroup(fd.get())
                   : Expected<void>(failure("cannot open " + run.dir.string() + ": " + std::strerror(errno)));
            if (probe) {
                tracking.run_cgroup = run;
                tracking.description = "process trees: a cgroup v2 per command, under " + run.dir.string();
                set_orphan_cgroup(run.name);
                // Removed at exit (the commands' cgroups are gone by then); a copy that outlives
                // the statics.
                static const Cgroup *to_remove = new Cgroup(run);
                std::atexit([] { remove_cgroup(*to_remove); });
                return tracking;
            }
            why = probe.error();
            remove_cgroup(run);
        }
    }
    tracking.description = "process trees: cgroup v2 is not usable here (" + why + "); " + fallback;
    return tracking;
}

// The processes of the tree of `leader` (started at leader_start, token `token`) found in /proc,
// the leader left out: started after it, running, ours to signal, and in its process group, or
// with a parent chain to it, or marked with its token. Not `certain` when a process listed could
// not be read any more, or was a zombie started after the leader: it may have been a member that
// forked a child after /proc was listed, and died.
TreeScan scan_tree(pid_t leader, uint64_t leader_start, const std::string &token)
{
    TreeScan scan;
    const pid_t self = ::getpid();
    std::unordered_map<pid_t, ProcStat> candidates;
    for (pid_t pid : list_processes()) {
        if (pid == self)
            continue;
        const std::optional<ProcStat> stat = read_proc_stat(pid);
        if (!stat || (stat->ended() && stat->start_ticks >= leader_start && pid != leader))
            scan.certain = false;
        else if (!stat->ended() && stat->start_ticks >= leader_start)
            candidates.emplace(pid, *stat);
    }
    std::unordered_map<pid_t, bool> descends; // memo: pid's parent chain reaches the leader
    auto descends_from_leader = [&](pid_t pid) {
        std::vector<pid_t> chain;
        bool result = false;
        for (size_t depth = 0; depth < 4096; ++depth) {
            if (pid == leader) {
                result = true;
                break;
            }
            if (auto known = descends.find(pid); known != descends.end()) {
                result = known->second;
                break;
            }
            const auto found = candidates.find(pid);
            if (found == candidates.end())
                break;
            chain.push_back(pid);
            pid = found->second.ppid;
        }
        for (pid_t link : chain)
            descends[link] = result;
        return result;
    };
    for (const auto &[pid, stat] : candidates) {
        if (pid == leader)
            continue;
        if (stat.pgid != leader && !descends_from_leader(pid)) {
            const std::optional<std::string> environment = process_environment(pid);
            if (!environment) {
                // Unreadable: it may be a member that is exiting (its memory goes before it is a
                // zombie) after forking a child this scan missed.
                scan.certain = false;
                continue;
            }
            const std::optional<std::string> tokens = environment_value(*environment, process_tree_variable);
            if (!tokens || !has_token(*tokens, token, false))
                continue;
        }
        // A process offload may not signal (set-user-ID) cannot be ended: waiting for it would hang.
        if (::kill(pid, 0) != 0 && errno == EPERM)
            continue;
        scan.members.push_back(stat);
    }
    return scan;
}

bool still_same(const ProcStat &stat)
{
    return process_is_running(stat.pid, stat.start_ticks);
}

} // namespace

const TreeTracking &tree_tracking()
{
    static const TreeTracking tracking = [] {
        TreeTracking decided = decide_tracking();
        log::debug(decided.description);
        return decided;
    }();
    return tracking;
}

ProcessTree::ProcessTree(bool use_cgroup)
{
    const TreeTracking &tracking = tree_tracking();
    const uint64_t number = g_next_command.fetch_add(1);
    m_token = tracking.run_id + "." + std::to_string(number);
    if (!use_cgroup || tracking.run_cgroup.empty())
        return;
    const Cgroup cgroup = tracking.run_cgroup.child("cmd-" + std::to_string(number));
    if (Expected<void> made = create_cgroup(cgroup); !made) {
        log::debug(made.error() + ": this command's tree is found in /proc instead");
        return;
    }
    m_cgroup_fd.reset(::open(cgroup.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!m_cgroup_fd) {
        remove_cgroup(cgroup);
        return;
    }
    m_cgroup = cgroup;
}

ProcessTree::~ProcessTree()
{
    if (m_registered)
        unregister_leader(m_leader);
    if (!m_cgroup)
        return;
    // Empty by now unless the caller gave up on the tree; a tree is never left running.
    for (int attempt = 0; attempt < 200 && cgroup_populated(*m_cgroup); ++attempt) {
        signal_cgroup(*m_cgroup, SIGKILL);
        std::this_thread::sleep_for(5ms);
    }
    remove_cgroup(*m_cgroup);
}

std::string ProcessTree::marker_entry() const
{
    const char *inherited = std::getenv(process_tree_variable);
    std::string entry = std::string(process_tree_variable) + "=";
    if (inherited && *inherited)
        entry += std::string(inherited) + " ";
    return entry + m_token;
}

Expected<pid_t> ProcessTree::start(const std::function<Expected<Spawned>(int cgroup_fd)> &spawn)
{
    {
        std::unique_lock<std::mutex> held = lock_leader_registry();
        Expected<Spawned> spawned = spawn(m_cgroup ? m_cgroup_fd.get() : -1);
        if (!spawned)
            return failure(spawned.error());
        m_leader = spawned->pid;
        m_in_cgroup = spawned->in_cgroup && m_cgroup;
        register_leader(m_leader, held);
        m_registered = true;
    }
    // A zombie still has its stat: the leader has not been reaped (only its supervisor does that).
    const std::optional<ProcStat> stat = read_proc_stat(m_leader);
    m_leader_start = stat ? stat->start_ticks : 0;
    m_cgroup_fd.reset();
    if (m_cgroup && !m_in_cgroup) {
        log::debug("the kernel refused to start a command in " + m_cgroup->dir.string() +
                   ": its tree is found in /proc instead");
        remove_cgroup(*m_cgroup);
        m_cgroup.reset();
    }
    return m_leader;
}

ProcessTree::Members ProcessTree::members()
{
    Members members;
    if (m_in_cgroup) {
        for (pid_t pid : cgroup_processes(*m_cgroup)) {
            const std::optional<ProcStat> stat = read_proc_stat(pid);
            if (pid != m_leader && stat && !stat->ended())
                members.pids.push_back(pid);
        }
        return members;
    }
    const bool none_seen = m_seen.empty();
    const TreeScan found = scan();
    for (const ProcStat &stat : found.members)
        members.pids.push_back(stat.pid);
    members.certain = found.certain;
    // Counts as a scan of gone() (no member seen earlier can be missing from it).
    if (members.pids.empty() && none_seen)
        m_empty_scans = found.certain ? 2 : 1;
    return members;
}

TreeScan ProcessTree::scan()
{
    TreeScan found = scan_tree(m_leader, m_leader_start, m_token);
    for (const ProcStat &stat : found.members)
        m_seen.emplace(stat.pid, stat.start_ticks);
    return found;
}

bool ProcessTree::gone()
{
    if (m_in_cgroup)
        return !cgroup_populated(*m_cgroup); // a child is in the cgroup before its parent can die
    // A scan lists /proc, then reads each process: a member listed, that forks and dies before it is
    // read, has a child the scan missed. So the tree is gone only when every member seen so far had
    // died before a scan began (their children are then in it), and the scan is certain (no process
    // vanished under it) or two scans in a row find none.
    if (m_empty_scans >= 2)
        return true;
    for (auto it = m_seen.begin(); it != m_seen.end();) {
        if (process_is_running(it->first, it->second)) {
            m_empty_scans = 0;
            return false;
        }
        it = m_seen.erase(it);
    }
    const TreeScan found = scan();
    if (!found.members.empty()) {
        m_empty_scans = 0;
        return false;
    }
    m_empty_scans = found.certain ? 2 : m_empty_scans + 1;
    return m_empty_scans >= 2;
}

void ProcessTree::signal_outside_group(int signal_number)
{
    if (m_in_cgroup) {
        if (signal_number == SIGKILL && cgroup_has_kill(*m_cgroup)) {
            signal_cgroup(*m_cgroup, SIGKILL);
            return;
        }
        signal_cgroup(*m_cgroup, signal_number, [this](pid_t pid) {
            const std::optional<ProcStat> stat = read_proc_stat(pid);
            return stat && stat->pgid != m_leader;
        });
        return;
    }
    for (const ProcStat &stat : scan().members)
        if (stat.pgid != m_leader)
            signal_process_if(stat.pid, signal_number, [&] { return still_same(stat); });
}

void ProcessTree::leader_reaped()
{
    if (m_registered)
        unregister_leader(m_leader);
    m_registered = false;
}

std::vector<LeakedProcess> describe_processes(const std::vector<pid_t> &pids)
{
    std::vector<LeakedProcess> described;
    for (pid_t pid : pids)
        described.push_back({pid, process_command_line(pid)});
    return described;
}

size_t end_processes_of_dead_run(const std::string &run_id, const Cgroup &run_cgroup)
{
    // Never this process or its ancestors (an offload run as a test of the dead run carries its
    // marker, and may sit in its cgroup).
    std::set<pid_t> spared;
    for (pid_t pid = ::getpid(); pid > 1 && spared.insert(pid).second;) {
        const std::optional<ProcStat> stat = read_proc_stat(pid);
        if (!stat)
            break;
        pid = stat->ppid;
    }
    std::optional<std::string> own = process_cgroup_v2(::getpid());
    const bool inside = !run_cgroup.empty() && own && run_cgroup.contains(*own);
    const std::string prefix = run_id + ".";

    std::set<pid_t> ended;
    // Until two scans in a row find nothing: one may miss the child of a process that forks as it dies.
    int empty_scans = 0;
    for (int attempt = 0; attempt < 100 && empty_scans < 2; ++attempt) {
        bool found = false;
        if (!run_cgroup.empty() && fs::exists(run_cgroup.dir)) {
            for (pid_t pid : cgroup_processes(run_cgroup)) {
                if (spared.count(pid) != 0)
                    continue;
                found = true;
                ended.insert(pid);
            }
            if (found && !inside)
                signal_cgroup(run_cgroup, SIGKILL);
            else if (found)
                signal_cgroup(run_cgroup, SIGKILL, [&](pid_t pid) { return spared.count(pid) == 0; });
        }
        for (pid_t pid : list_processes()) {
            if (spared.count(pid) != 0)
                continue;
            const std::optional<ProcStat> stat = read_proc_stat(pid);
            if (!stat || stat->ended() || !carries_marker(pid, prefix, /*prefix=*/true))
                continue;
            found = true;
            ended.insert(pid);
            signal_process_if(pid, SIGKILL,
                              [&] { return still_same(*stat) && carries_marker(pid, prefix, true); });
        }
        empty_scans = found ? 0 : empty_scans + 1;
        std::this_thread::sleep_for(found ? 20ms : 2ms);
    }
    if (!run_cgroup.empty() && !inside)
        remove_cgroup(run_cgroup);
    return ended.size();
}

} // namespace offload
