#include "process/spawn.hpp"

#include "util/error.hpp"
#include "util/fd.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace offload {

namespace {

// Signals whose disposition offload changes (it ignores SIGPIPE, handles the stop signals, blocks
// SIGCHLD for its reaper): an exec keeps ignored dispositions, so they are reset explicitly.
constexpr int reset_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD};

std::vector<char *> c_strings(std::vector<std::string> &strings)
{
    std::vector<char *> result;
    result.reserve(strings.size() + 1);
    for (std::string &s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

class SpawnAttributes {
  public:
    SpawnAttributes() { ::posix_spawnattr_init(&m_attr); }
    ~SpawnAttributes() { ::posix_spawnattr_destroy(&m_attr); }
    SpawnAttributes(const SpawnAttributes &) = delete;
    SpawnAttributes &operator=(const SpawnAttributes &) = delete;
    posix_spawnattr_t *get() { return &m_attr; }

  private:
    posix_spawnattr_t m_attr;
};

class SpawnFileActions {
  public:
    SpawnFileActions() { ::posix_spawn_file_actions_init(&m_actions); }
    ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&m_actions); }
    SpawnFileActions(const SpawnFileActions &) = delete;
    SpawnFileActions &operator=(const SpawnFileActions &) = delete;
    posix_spawn_file_actions_t *get() { return &m_actions; }

  private:
    posix_spawn_file_actions_t m_actions;
};

Expected<pid_t> spawn_with_posix_spawn(const SpawnRequest &request)
{
    SpawnFileActions actions;
    int rc = request.stdin_fd >= 0
                 ? ::posix_spawn_file_actions_adddup2(actions.get(), request.stdin_fd, 0)
                 : ::posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = ::posix_spawn_file_actions_adddup2(actions.get(), request.stdout_fd, 1);
    if (rc == 0)
        rc = ::posix_spawn_file_actions_adddup2(actions.get(), request.stderr_fd, 2);
    if (rc == 0 && !request.working_dir.empty())
        rc = ::posix_spawn_file_actions_addchdir_np(actions.get(), request.working_dir.c_str());

    SpawnAttributes attributes;
    sigset_t empty_mask;
    sigemptyset(&empty_mask);
    sigset_t default_signals;
    sigemptyset(&default_signals);
    for (int signal_number : reset_signals)
        sigaddset(&default_signals, signal_number);
    if (rc == 0)
        rc = ::posix_spawnattr_setflags(attributes.get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                              POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = ::posix_spawnattr_setpgroup(attributes.get(), 0);
    if (rc == 0)
        rc = ::posix_spawnattr_setsigmask(attributes.get(), &empty_mask);
    if (rc == 0)
        rc = ::posix_spawnattr_setsigdefault(attributes.get(), &default_signals);
    if (rc != 0)
        return failure(errno_text(rc));

    std::vector<std::string> argv_strings = request.argv;
    std::vector<char *> argv = c_strings(argv_strings);
    std::vector<std::string> env_strings = request.environment;
    std::vector<char *> envp = c_strings(env_strings);

    // glibc's posix_spawnp returns only once the child has exec'd (or failed to, reporting why), so
    // on success the child is in its own process group already.
    pid_t pid = 0;
    rc = ::posix_spawnp(&pid, argv[0], actions.get(), attributes.get(), argv.data(), envp.data());
    if (rc != 0)
        return failure(errno_text(rc));
    return pid;
}

// --- clone3 into a cgroup ---------------------------------------------------------------------
// glibc 2.36 cannot spawn into a cgroup (posix_spawnattr_setcgroup_np came in 2.38), so the child
// is created with the raw clone3 system call, like fork(). Between the clone and the exec the child
// of a multithreaded process may only make async-signal-safe calls: it makes raw system calls
// only, on data prepared by the parent, and is kept out of the sanitizers' reach (their runtimes
// were not told of this fork).

constexpr uint64_t clone_into_cgroup_flag = 0x200000000ULL; // CLONE_INTO_CGROUP of linux/sched.h

struct CloneArgs { // struct clone_args of linux/sched.h, version 2 (Linux 5.7)
    uint64_t flags;
    uint64_t pidfd;
    uint64_t child_tid;
    uint64_t parent_tid;
    uint64_t exit_signal;
    uint64_t stack;
    uint64_t stack_size;
    uint64_t tls;
    uint64_t set_tid;
    uint64_t set_tid_size;
    uint64_t cgroup;
};

struct KernelSigaction { // the kernel's struct sigaction for rt_sigaction, x86_64 and aarch64 layout
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
};

// What the child needs, all prepared by the parent.
struct ChildPlan {
    char *const *argv;
    char *const *envp;
    const char *const *candidates; // paths to try for argv[0], in PATH order
    const char *working_dir;       // null: inherit
    int stdin_fd, stdout_fd, stderr_fd;
    int error_fd; // write end of the pipe that reports a failed exec
};

#if defined(__clang__) || defined(__GNUC__)
#define OFFLOAD_RAW_CHILD __attribute__((noinline, no_sanitize("address", "thread", "undefined")))
#else
#define OFFLOAD_RAW_CHILD
#endif

// Puts fd on target; a descriptor already there loses close-on-exec, as posix_spawn's dup2 does.
OFFLOAD_RAW_CHILD long child_dup(int fd, int target)
{
    if (fd == target)
        return ::syscall(SYS_fcntl, fd, F_SETFD, 0);
    return ::syscall(SYS_dup3, fd, target, 0);
}

[[noreturn]] OFFLOAD_RAW_CHILD void child_fail(const ChildPlan &plan, int error)
{
    ::syscall(SYS_write, plan.error_fd, &error, sizeof error);
    ::syscall(SYS_exit_group, 127);
    __builtin_unreachable();
}

[[noreturn]] OFFLOAD_RAW_CHILD void child_main(const ChildPlan &plan)
{
    // Every signal is blocked (by the parent, before the clone), so none of offload's handlers can
    // run here. Handlers would be gone after the exec anyway; the ignored stop signals and SIGPIPE
    // are made default, as posix_spawn with POSIX_SPAWN_SETSIGDEF does.
    for (int signal_number = 1; signal_number < 65; ++signal_number) {
        if (signal_number == SIGKILL || signal_number == SIGSTOP)
            continue;
        KernelSigaction old{};
        if (::syscall(SYS_rt_sigaction, signal_number, nullptr, &old, sizeof(uint64_t)) != 0)
            continue;
        bool reset = old.handler != SIG_IGN && old.handler != SIG_DFL;
        for (int listed : reset_signals)
            reset = reset || listed == signal_number;
        if (reset) {
            KernelSigaction action{};
            action.handler = SIG_DFL;
            ::syscall(SYS_rt_sigaction, signal_number, &action, nullptr, sizeof(uint64_t));
        }
    }
    if (::syscall(SYS_setpgid, 0, 0) != 0)
        child_fail(plan, errno);
    if (plan.stdin_fd >= 0) {
        if (child_dup(plan.stdin_fd, 0) < 0)
            child_fail(plan, errno);
    } else {
        const long null_fd = ::syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
        if (null_fd < 0)
            child_fail(plan, errno);
        if (null_fd != 0) {
            if (::syscall(SYS_dup3, null_fd, 0, 0) < 0)
                child_fail(plan, errno);
            ::syscall(SYS_close, null_fd);
        }
    }
    if (child_dup(plan.stdout_fd, 1) < 0 || child_dup(plan.stderr_fd, 2) < 0)
        child_fail(plan, errno);
    if (plan.working_dir && ::syscall(SYS_chdir, plan.working_dir) != 0)
        child_fail(plan, errno);
    const uint64_t empty_mask = 0;
    ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, nullptr, sizeof empty_mask);

    // As execvp: a path that cannot be executed for want of permission is remembered and the search
    // goes on; a missing one is skipped; any other error ends it.
    int error = ENOENT;
    bool denied = false;
    for (const char *const *candidate = plan.candidates; *candidate; ++candidate) {
        ::syscall(SYS_execve, *candidate, plan.argv, plan.envp);
        error = errno;
        if (error == EACCES)
            denied = true;
        else if (error != ENOENT && error != ENOTDIR && error != ESTALE && error != ENODEV &&
                 error != ETIMEDOUT)
            break;
    }
    child_fail(plan, denied && (error == ENOENT || error == ENOTDIR) ? EACCES : error);
}

// The paths where argv0 may be, as execvp tries them with offload's own PATH.
std::vector<std::string> exec_candidates(const std::string &argv0)
{
    if (argv0.find('/') != std::string::npos)
        return {argv0};
    const char *path = std::getenv("PATH");
    const std::string dirs = path ? path : "/bin:/usr/bin";
    std::vector<std::string> candidates;
    size_t start = 0;
    for (;;) {
        const size_t end = std::min(dirs.find(':', start), dirs.size());
        const std::string dir = dirs.substr(start, end - start);
        candidates.push_back(dir.empty() ? argv0 : dir + "/" + argv0);
        if (end == dirs.size())
            break;
        start = end + 1;
    }
    return candidates;
}

// Clones a child into the cgroup; the child runs plan (or exits at once when plan is null). The
// child's pid, or -1 with errno set.
pid_t clone_into_cgroup(int cgroup_fd, const ChildPlan *plan)
{
    CloneArgs args{};
    args.flags = clone_into_cgroup_flag;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
    sigset_t all, saved;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &saved);
    const long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        if (!plan)
            ::syscall(SYS_exit_group, 0);
        child_main(*plan);
    }
    const int error = errno;
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    errno = error;
    return static_cast<pid_t>(pid);
}

// Nothing when the clone itself failed (the caller may start the command another way).
std::optional<Expected<pid_t>> spawn_into_cgroup(const SpawnRequest &request)
{
    std::vector<std::string> argv_strings = request.argv;
    std::vector<char *> argv = c_strings(argv_strings);
    std::vector<std::string> env_strings = request.environment;
    std::vector<char *> envp = c_strings(env_strings);
    std::vector<std::string> candidate_strings = exec_candidates(request.argv[0]);
    std::vector<char *> candidates = c_strings(candidate_strings);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        return failure("cannot create a pipe: " + errno_text(errno));
    Fd error_read(fds[0]), error_write(fds[1]);

    const ChildPlan plan{
        argv.data(),       envp.data(),
        candidates.data(), request.working_dir.empty() ? nullptr : request.working_dir.c_str(),
        request.stdin_fd,  request.stdout_fd,
        request.stderr_fd, error_write.get()};
    const pid_t pid = clone_into_cgroup(request.cgroup_fd, &plan);
    if (pid < 0)
        return std::nullopt;
    error_write.reset();
    // The pipe reaches its end when the exec closes the child's end; four bytes mean it failed.
    int child_error = 0;
    ssize_t count;
    do {
        count = ::read(error_read.get(), &child_error, sizeof child_error);
    } while (count < 0 && errno == EINTR);
    if (count == static_cast<ssize_t>(sizeof child_error)) {
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        return Expected<pid_t>(failure(errno_text(child_error)));
    }
    return Expected<pid_t>(pid);
}

} // namespace

Expected<Spawned> spawn_process(const SpawnRequest &request)
{
    if (request.cgroup_fd >= 0) {
        if (std::optional<Expected<pid_t>> pid = spawn_into_cgroup(request)) {
            if (!*pid)
                return failure(pid->error());
            return Spawned{**pid, true};
        }
    }
    Expected<pid_t> pid = spawn_with_posix_spawn(request);
    if (!pid)
        return failure(pid.error());
    return Spawned{*pid, false};
}

Expected<void> probe_spawn_into_cgroup(int cgroup_fd)
{
    const pid_t pid = clone_into_cgroup(cgroup_fd, nullptr);
    if (pid < 0) {
        const int error = errno;
        if (error == ENOSYS || error == E2BIG || error == EINVAL)
            return failure("this kernel cannot start a process in a cgroup (clone3 with CLONE_INTO_CGROUP, "
                           "Linux 5.7)");
        return failure("cannot start a process in a cgroup: " + errno_text(error));
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return {};
}

} // namespace offload
