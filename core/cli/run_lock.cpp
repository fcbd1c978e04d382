#include "cli/run_lock.hpp"

#include "process/interrupt.hpp"
#include "process/proc_info.hpp"
#include "process/process_tree.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {

namespace {

namespace fs = std::filesystem;

constexpr const char *lock_name = ".offload.lock";

// The holder of a lock, as it recorded itself.
struct Record {
    pid_t pid = 0;
    uint64_t start = 0;
    std::string run_id; // "PID-START"
    Cgroup cgroup;      // empty without cgroup tracking
};

std::string format_record(const TreeTracking &tracking)
{
    std::string text = "offload-run 1\n";
    text += fmt::format("pid {}\nrun-id {}\n", ::getpid(), tracking.run_id);
    if (!tracking.run_cgroup.empty())
        text += fmt::format("cgroup-dir {}\ncgroup {}\n", tracking.run_cgroup.dir.string(),
                            tracking.run_cgroup.name);
    return text;
}

template <typename T> bool parse_number(std::string_view text, T &value)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

// The record in the lock file, or nothing when it is empty or not one. What it names is checked,
// since the file lies in a directory of the project (a record from elsewhere must not make offload
// kill anything but an offload run's own processes): the run id must be the pid and a start time,
// and the cgroup must be a cgroup named after that run.
std::optional<Record> parse_record(const std::string &text)
{
    Record record;
    std::istringstream lines(text);
    std::string line;
    if (!std::getline(lines, line) || line != "offload-run 1")
        return std::nullopt;
    std::string cgroup_dir, cgroup_name;
    while (std::getline(lines, line)) {
        const size_t space = line.find(' ');
        if (space == std::string::npos)
            continue;
        const std::string key = line.substr(0, space), value = line.substr(space + 1);
        if (key == "pid")
            parse_number(value, record.pid);
        else if (key == "run-id")
            record.run_id = value;
        else if (key == "cgroup-dir")
            cgroup_dir = value;
        else if (key == "cgroup")
            cgroup_name = value;
    }
    const size_t dash = record.run_id.find('-');
    pid_t id_pid = 0;
    if (record.pid <= 1 || dash == std::string::npos ||
        !parse_number(std::string_view(record.run_id).substr(0, dash), id_pid) || id_pid != record.pid ||
        !parse_number(std::string_view(record.run_id).substr(dash + 1), record.start))
        return std::nullopt;
    const std::string leaf = "offload-" + record.run_id;
    const fs::path dir(cgroup_dir);
    if (!cgroup_dir.empty() && dir.is_absolute() && dir.lexically_normal() == dir && dir.filename() == leaf &&
        cgroup_name.size() > leaf.size() && fs::path(cgroup_name).filename() == leaf &&
        fs::exists(dir / "cgroup.procs"))
        record.cgroup = Cgroup{dir, cgroup_name};
    return record;
}

std::string read_all(int fd)
{
    std::string text;
    char buffer[4096];
    for (off_t offset = 0; text.size() < 64 * 1024;) {
        const ssize_t count = ::pread(fd, buffer, sizeof buffer, offset);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            break;
        text.append(buffer, static_cast<size_t>(count));
        offset += count;
    }
    return text;
}

bool replace_content(int fd, const std::string &text)
{
    if (::ftruncate(fd, 0) != 0)
        return false;
    return text.empty() || ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

// Whether pid is this process's parent, or its parent's parent...
bool is_ancestor(pid_t pid)
{
    pid_t current = ::getppid();
    for (int depth = 0; current > 1 && depth < 1024; ++depth) {
        if (current == pid)
            return true;
        const std::optional<ProcStat> stat = read_proc_stat(current);
        if (!stat)
            break;
        current = stat->ppid;
    }
    return false;
}

// The directory as the user knows it: relative to the current directory when inside it.
std::string shown(const fs::path &dir)
{
    std::error_code error;
    const fs::path relative = dir.lexically_relative(fs::current_path(error));
    const std::string text =
        !error && !relative.empty() && *relative.begin() != ".." ? relative.string() : dir.string();
    return text.empty() || text.back() == '/' ? text : text + "/";
}

} // namespace

std::unique_ptr<RunLock> RunLock::acquire(const fs::path &output_dir)
{
    const fs::path path = output_dir / lock_name;
    const std::string where = shown(output_dir);
    auto unprotected = [&](const std::string &why) {
        log::warning(fmt::format("{}; another offload run in {} at the same time would mix its results with "
                                 "this one's",
                                 why, where));
        return std::unique_ptr<RunLock>();
    };
    std::error_code error;
    fs::create_directories(output_dir, error);
    struct stat status {};
    if (::lstat(path.c_str(), &status) == 0 && !S_ISREG(status.st_mode))
        return unprotected(fmt::format("will not use {} as a lock: it is not a regular file", path.string()));
    Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd)
        return unprotected(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));

    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK)
            return unprotected(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
        const std::optional<Record> holder = parse_record(read_all(fd.get()));
        if (holder && is_ancestor(holder->pid))
            throw Error(
                fmt::format("this offload run is part of another offload run (pid {}) that uses the same "
                            "output directory, {}: it would wait for itself. Give this project an "
                            "output directory of its own ([report] output_dir in its offload.toml)",
                            holder->pid, where));
        log::info(fmt::format("another offload run{} is using {}; waiting for it to finish...",
                              holder ? fmt::format(" (pid {})", holder->pid) : "", where));
        for (;;) {
            pollfd interrupt{Interrupt::wait_fd(), POLLIN, 0};
            ::poll(&interrupt, 1, 100);
            if (Interrupt::level() > 0)
                throw Error(
                    fmt::format("interrupted while waiting for another offload run to finish with {}", where),
                    exit_interrupted);
            if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0)
                break;
            if (errno != EWOULDBLOCK && errno != EINTR)
                return unprotected(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
        }
    }

    // The lock is ours. A record still in it is that of a run that died holding it.
    if (std::optional<Record> dead = parse_record(read_all(fd.get()));
        dead && !process_is_running(dead->pid, dead->start)) {
        const size_t ended = end_processes_of_dead_run(dead->run_id, dead->cgroup);
        log::warning(fmt::format(
            "an earlier offload run in {} (pid {}) ended without cleaning up (killed?): {}", where, dead->pid,
            ended == 0
                ? std::string("it left nothing running")
                : fmt::format("ended the {} process{} it left running", ended, ended == 1 ? "" : "es")));
    }
    if (!replace_content(fd.get(), format_record(tree_tracking())))
        log::warning(
            fmt::format("cannot write {}: {}; should this run be killed, the next one will not clean "
                        "up after it",
                        path.string(), std::strerror(errno)));
    return std::unique_ptr<RunLock>(new RunLock(std::move(fd)));
}

RunLock::~RunLock()
{
    replace_content(m_fd.get(), "");
}

} // namespace offload
