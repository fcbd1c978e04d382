#include "process/subprocess.hpp"

#include "process/cancel_token.hpp"
#include "process/interrupt.hpp"
#include "process/orphan_reaper.hpp"
#include "process/process_tree.hpp"
#include "process/spawn.hpp"
#include "util/error.hpp"
#include "util/fd.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

namespace offload {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// While the graceful stop of an interruption runs, the level is polled this often to notice level 2
// (wait_fd() stays readable, so it can no longer tell).
constexpr milliseconds interrupt_tick{50};
// The longest wait between checks that the rest of a process group is gone (members that are not
// our children give no notification). Checks start at 1 ms and double up to this.
constexpr milliseconds group_tick_max{50};
// Scans for what a leader left running that may retry before the leak report is made (see run()).
constexpr int max_uncertain_scans = 5;
// Without a pidfd the leader is polled with waitpid(WNOHANG) this often.
constexpr milliseconds leader_tick{10};

// Both ends close-on-exec (the spawn dup2()s the child's end onto 0, 1 or 2, which clears the flag
// only there). The end offload keeps is non-blocking for the poll loop: the read end of an output
// pipe, the write end of stdin's. Returns 0 or an errno value.
int make_pipe(Fd &read_end, Fd &write_end, bool nonblocking_read_end = true)
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return errno;
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
    const int ours = nonblocking_read_end ? fds[0] : fds[1];
    const int flags = ::fcntl(ours, F_GETFL);
    if (flags < 0 || ::fcntl(ours, F_SETFL, flags | O_NONBLOCK) < 0)
        return errno;
    return 0;
}

std::string_view env_name(std::string_view entry)
{
    return entry.substr(0, entry.find('='));
}

// Whether the working directory can be entered, or why not.
Expected<void> check_working_dir(const std::string &dir)
{
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0) {
        if (errno == ENOENT)
            return failure("working directory '" + dir + "' does not exist");
        return failure("cannot use working directory '" + dir + "': " + errno_text(errno));
    }
    if (!S_ISDIR(info.st_mode))
        return failure("working directory '" + dir + "' is not a directory");
    if (::access(dir.c_str(), X_OK) != 0)
        return failure("cannot enter working directory '" + dir + "': " + errno_text(errno));
    return {};
}

// Supervises one started child until its whole process tree is gone.
class Supervisor {
  public:
    Supervisor(const ProcessSpec &spec, pid_t pid, ProcessTree &tree, Fd stdin_write, Fd stdout_read,
               Fd stderr_read, Clock::time_point start)
        : m_spec(spec), m_pid(pid), m_tree(tree), m_command_scope(spec.tree_scope == TreeScope::Command),
          m_start(start), m_stdin(std::move(stdin_write))
    {
        m_streams[0] = std::move(stdout_read);
        m_streams[1] = std::move(stderr_read);
        m_input_open = m_spec.input && m_stdin;
        // A pidfd lets the leader's exit wake the same poll() as the pipes.
        m_pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    }
    Supervisor(const Supervisor &) = delete;
    Supervisor &operator=(const Supervisor &) = delete;

    // Only on an exception (from on_output or an allocation): nothing of the tree may outlive us.
    ~Supervisor()
    {
        if (m_finished)
            return;
        signal_group(SIGKILL);
        while (!m_leader_reaped) {
            int status = 0;
            if (::waitpid(m_pid, &status, 0) == m_pid || errno != EINTR)
                m_leader_reaped = true;
        }
        m_tree.leader_reaped();
        const timespec pause{0, 1000000};
        while (!tree_gone()) {
            signal_group(SIGKILL); // what was forked meanwhile
            ::nanosleep(&pause, nullptr);
        }
    }

    void run(ProcessExit &outcome);

  private:
    // The leader's process group, and the rest of the tree.
    void signal_group(int signal_number)
    {
        ::kill(-m_pid, signal_number);
        if (m_command_scope)
            m_tree.signal_outside_group(signal_number);
    }
    void check_leader(ProcessExit &outcome);
    bool group_gone();
    bool tree_gone() { return group_gone() && (!m_command_scope || m_tree.gone()); }
    void read_stream(size_t index);
    void drain_streams();
    void pull_input();
    void push_input();
    void end_input();

    const ProcessSpec &m_spec;
    const pid_t m_pid; // also the pgid
    ProcessTree &m_tree;
    const bool m_command_scope; // else only the group is ended and waited for (TreeScope::Run)
    const Clock::time_point m_start;
    std::array<Fd, 2> m_streams; // read ends of stdout and stderr
    Fd m_stdin;                  // write end of stdin's pipe, while there is input to give
    bool m_input_open = false;   // more may come from spec.input
    std::string m_pending_input; // read from spec.input, not yet written to stdin
    Fd m_pidfd;
    bool m_leader_reaped = false;
    bool m_leaks_checked = false;
    int m_uncertain_scans = 0; // scans for leaks that found nothing but may have missed a process
    bool m_finished = false;
    std::vector<char> m_buffer = std::vector<char>(64 * 1024);
};

void Supervisor::check_leader(ProcessExit &outcome)
{
    int status = 0;
    const pid_t result = ::waitpid(m_pid, &status, WNOHANG);
    if (result == 0 || (result < 0 && errno == EINTR))
        return;
    m_leader_reaped = true;
    m_pidfd.reset();
    m_tree.leader_reaped();
    if (result < 0)
        return; // ECHILD: someone else reaped it against the rules; the status is lost
    if (WIFEXITED(status)) {
        outcome.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        outcome.term_signal = WTERMSIG(status);
        outcome.exit_code = 128 + outcome.term_signal;
    }
}

// Reaps the members of the group that have been re-parented to us, then tells whether any is left.
// Only called once the leader is reaped, so that waitid() cannot take the leader's status.
bool Supervisor::group_gone()
{
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_PGID, static_cast<id_t>(m_pid), &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0)
            break;
    }
    // Zombies still count as members, hence the reaping first. EPERM means only processes we may
    // not signal are left (a set-user-ID program): we could not stop them anyway.
    return ::kill(-m_pid, 0) != 0;
}

void Supervisor::read_stream(size_t index)
{
    Fd &fd = m_streams[index];
    const ssize_t count = ::read(fd.get(), m_buffer.data(), m_buffer.size());
    if (count > 0) {
        if (m_spec.on_output)
            m_spec.on_output(static_cast<int>(index) + 1,
                             std::string_view(m_buffer.data(), static_cast<size_t>(count)));
    } else if (count == 0 || (errno != EAGAIN && errno != EINTR)) {
        fd.reset();
    }
}

// What the group wrote is in the pipes already; a process outside the group may keep writing, so
// read at most one pipe's capacity (all that can have been buffered) per stream.
void Supervisor::drain_streams()
{
    for (size_t index = 0; index < m_streams.size(); ++index) {
        Fd &fd = m_streams[index];
        if (!fd)
            continue;
        const int capacity = ::fcntl(fd.get(), F_GETPIPE_SZ);
        long left = capacity > 0 ? capacity : 1024 * 1024;
        while (fd && left > 0) {
            const ssize_t count = ::read(fd.get(), m_buffer.data(), m_buffer.size());
            if (count < 0 && errno == EINTR)
                continue;
            if (count <= 0)
                break;
            left -= count;
            if (m_spec.on_output)
                m_spec.on_output(static_cast<int>(index) + 1,
                                 std::string_view(m_buffer.data(), static_cast<size_t>(count)));
        }
        fd.reset();
    }
}

// Takes what the input has now (never blocks).
void Supervisor::pull_input()
{
    char chunk[16 * 1024];
    while (m_input_open && m_pending_input.size() < 64 * 1024) {
        const int64_t count = m_spec.input->read(m_spec.input, chunk, sizeof chunk);
        if (count > 0)
            m_pending_input.append(chunk,
                                   static_cast<size_t>(std::min<int64_t>(count, int64_t(sizeof chunk))));
        else if (count == 0)
            m_input_open = false; // the end: stdin closes once the pending bytes are written
        else
            break;
    }
    if (!m_input_open && m_pending_input.empty())
        end_input();
}

// Writes what is pending into stdin's pipe (non-blocking).
void Supervisor::push_input()
{
    while (m_stdin && !m_pending_input.empty()) {
        const ssize_t count = ::write(m_stdin.get(), m_pending_input.data(), m_pending_input.size());
        if (count > 0) {
            m_pending_input.erase(0, static_cast<size_t>(count));
        } else if (count < 0 && errno == EINTR) {
            continue;
        } else {
            if (count < 0 && errno != EAGAIN)
                end_input(); // EPIPE: the command closed its stdin; the rest is dropped
            return;
        }
    }
    if (!m_input_open && m_pending_input.empty())
        end_input();
}

// stdin reaches its end; what was not written is dropped.
void Supervisor::end_input()
{
    m_stdin.reset();
    m_input_open = false;
    m_pending_input.clear();
}

void Supervisor::run(ProcessExit &outcome)
{
    // Only a rise above this level stops the command (see the header).
    int handled_level =
        m_spec.handled_level >= 0 ? std::min(m_spec.handled_level, 2) : cancel_level(m_spec.cancel);
    const int wait_fd = m_spec.cancel ? m_spec.cancel->wait_fd : Interrupt::wait_fd();
    if (m_spec.input)
        pull_input();
    const bool has_deadline = m_spec.timeout > milliseconds::zero();
    const Clock::time_point deadline = m_start + m_spec.timeout;
    Clock::time_point kill_at{};
    bool term_sent = false;
    bool kill_sent = false;
    milliseconds group_tick{1};

    // SIGTERM now, SIGKILL after the grace period; a stop under way is not restarted.
    auto stop_gracefully = [&](Clock::time_point now) {
        if (term_sent || kill_sent)
            return;
        signal_group(SIGTERM);
        term_sent = true;
        kill_at = now + m_spec.kill_grace;
    };
    auto stop_now = [&] {
        if (kill_sent)
            return;
        signal_group(SIGKILL);
        kill_sent = true;
    };

    for (;;) {
        const Clock::time_point now = Clock::now();

        const int level = cancel_level(m_spec.cancel);
        if (level > handled_level) {
            if (!m_leader_reaped)
                outcome.cancelled = true;
            if (level >= 2)
                stop_now();
            else
                stop_gracefully(now);
            handled_level = level;
        }
        if (has_deadline && !m_leader_reaped && !term_sent && !kill_sent && now >= deadline) {
            outcome.timed_out = true;
            stop_gracefully(now);
        }
        if (m_leader_reaped) {
            end_input(); // nobody is left to read it
            if (!m_leaks_checked && m_command_scope) {
                if (term_sent || kill_sent) {
                    m_leaks_checked = true; // offload stopped it: nothing it left is its own leak
                } else {
                    // What a leader that ended on its own left running is reported, then ended. A
                    // scan that may have missed a process, and found none, is made again before
                    // anything is signalled (a few ticks at most).
                    ProcessTree::Members left = m_tree.members();
                    if (!left.pids.empty() || left.certain || ++m_uncertain_scans >= max_uncertain_scans) {
                        m_leaks_checked = true;
                        outcome.leaked = describe_processes(left.pids);
                    }
                }
            }
            if (tree_gone())
                break;
            if (m_leaks_checked || !m_command_scope)
                stop_gracefully(now); // the leader left others of its tree behind
            if (kill_sent && m_command_scope)
                m_tree.signal_outside_group(SIGKILL); // what they forked meanwhile
        }
        if (term_sent && !kill_sent && now >= kill_at)
            stop_now();

        Clock::duration wait = Clock::duration::max();
        auto wait_until = [&](Clock::time_point when) {
            wait = std::min(wait, std::max(when - now, Clock::duration::zero()));
        };
        if (has_deadline && !m_leader_reaped && !term_sent && !kill_sent)
            wait_until(deadline);
        if (term_sent && !kill_sent)
            wait_until(kill_at);
        if (handled_level == 1)
            wait = std::min<Clock::duration>(wait, interrupt_tick);
        if (m_leader_reaped) {
            wait = std::min<Clock::duration>(wait, group_tick);
            group_tick = std::min(group_tick * 2, group_tick_max);
        }
        if (!m_leader_reaped && !m_pidfd)
            wait = std::min<Clock::duration>(wait, leader_tick);
        int timeout_ms = -1;
        if (wait != Clock::duration::max())
            timeout_ms = static_cast<int>(
                std::min<milliseconds::rep>(std::chrono::ceil<milliseconds>(wait).count(), INT_MAX));

        std::array<pollfd, 6> fds{};
        nfds_t count = 0;
        std::array<int, 2> stream_slot{-1, -1};
        for (size_t index = 0; index < m_streams.size(); ++index) {
            if (m_streams[index]) {
                stream_slot[index] = static_cast<int>(count);
                fds[count++] = pollfd{m_streams[index].get(), POLLIN, 0};
            }
        }
        int pidfd_slot = -1;
        if (!m_leader_reaped && m_pidfd) {
            pidfd_slot = static_cast<int>(count);
            fds[count++] = pollfd{m_pidfd.get(), POLLIN, 0};
        }
        // Once the level is above 0 the descriptor stays readable and would spin the loop.
        if (handled_level == 0 && wait_fd >= 0)
            fds[count++] = pollfd{wait_fd, POLLIN, 0};
        // Input: wait for more while nothing is pending, for room in the pipe while something is.
        int input_slot = -1;
        if (m_stdin) {
            input_slot = static_cast<int>(count);
            if (!m_pending_input.empty())
                fds[count++] = pollfd{m_stdin.get(), POLLOUT, 0};
            else if (m_input_open && m_spec.input->ready_fd >= 0)
                fds[count++] = pollfd{m_spec.input->ready_fd, POLLIN, 0};
            else
                input_slot = -1;
        }

        const int ready = ::poll(fds.data(), count, timeout_ms);
        if (ready < 0)
            continue; // EINTR
        for (size_t index = 0; index < m_streams.size(); ++index)
            if (stream_slot[index] >= 0 && fds[static_cast<size_t>(stream_slot[index])].revents != 0)
                read_stream(index);
        if (input_slot >= 0 && fds[static_cast<size_t>(input_slot)].revents != 0) {
            if (m_pending_input.empty())
                pull_input();
            push_input();
        }
        if (!m_leader_reaped &&
            (!m_pidfd || (pidfd_slot >= 0 && fds[static_cast<size_t>(pidfd_slot)].revents)))
            check_leader(outcome);
    }

    // What was ended of the tree outside the group is gone, but may wait as a zombie of ours for the
    // reaper: reaped now, so that the call returns with nothing of the tree left at all.
    if (m_command_scope && orphan_reaper_running())
        reap_orphans_now();
    drain_streams();
    m_finished = true;
    outcome.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - m_start);
}

} // namespace

// offload's environment with the overrides applied, in order: a same-named entry is replaced in
// place, a new one appended.
std::vector<std::string> child_environment(const std::vector<std::string> &overrides)
{
    std::vector<std::string> result;
    for (char **entry = environ; entry != nullptr && *entry != nullptr; ++entry)
        result.emplace_back(*entry);
    if (overrides.empty())
        return result;

    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < result.size(); ++i)
        index.emplace(std::string(env_name(result[i])), i);
    for (const std::string &entry : overrides) {
        auto [it, added] = index.emplace(std::string(env_name(entry)), result.size());
        if (added)
            result.push_back(entry);
        else
            result[it->second] = entry;
    }
    return result;
}

Expected<ProcessExit> run_subprocess(const ProcessSpec &spec)
{
    if (spec.argv.empty())
        return failure("cannot run an empty command");
    const std::string prefix = "cannot run '" + spec.argv[0] + "': ";

    if (!spec.working_dir.empty())
        if (Expected<void> usable = check_working_dir(spec.working_dir); !usable)
            return failure(prefix + usable.error());

    ProcessExit outcome;
    // A command stopped before it started is not started at all.
    if (spec.handled_level == 0 && cancel_level(spec.cancel) > 0) {
        outcome.cancelled = true;
        return outcome;
    }

    Fd stdout_read, stdout_write, stderr_read, stderr_write, stdin_read, stdin_write;
    int error = make_pipe(stdout_read, stdout_write);
    if (error == 0)
        error = make_pipe(stderr_read, stderr_write);
    // stdin's pipe: the child reads, offload writes without blocking.
    if (error == 0 && spec.input)
        error = make_pipe(stdin_read, stdin_write, /*nonblocking_read_end=*/false);
    if (error != 0)
        return failure(prefix + "cannot create a pipe: " + errno_text(error));

    ProcessTree tree(/*use_cgroup=*/spec.tree_scope == TreeScope::Command);
    SpawnRequest request;
    request.argv = spec.argv;
    request.working_dir = spec.working_dir;
    std::vector<std::string> overrides = spec.env;
    overrides.push_back(tree.marker_entry());
    request.environment = child_environment(overrides);
    request.stdin_fd = spec.input ? stdin_read.get() : -1;
    request.stdout_fd = stdout_write.get();
    request.stderr_fd = stderr_write.get();

    const Clock::time_point start = Clock::now();
    const Expected<pid_t> pid = tree.start([&](int cgroup_fd) {
        request.cgroup_fd = cgroup_fd;
        return spawn_process(request);
    });
    if (!pid)
        return failure(prefix + pid.error());
    // Only the child may hold the write ends (and stdin's read end), so that the pipes reach EOF
    // when the group is done, and a write to stdin fails with EPIPE once the child is gone.
    stdout_write.reset();
    stderr_write.reset();
    stdin_read.reset();

    Supervisor supervisor(spec, *pid, tree, std::move(stdin_write), std::move(stdout_read),
                          std::move(stderr_read), start);
    supervisor.run(outcome);
    return outcome;
}

} // namespace offload
