#include "process/proc_info.hpp"

#include "util/fd.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace offload {

namespace {

// The content of a small /proc file, at most max bytes; nothing when it cannot be opened.
std::optional<std::string> read_proc_file(const std::string &path, size_t max = 64 * 1024)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd)
        return std::nullopt;
    std::string content;
    char buffer[4096];
    while (content.size() < max) {
        const ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return std::nullopt; // ESRCH: the process went away while it was read
        if (count == 0)
            break;
        content.append(buffer, static_cast<size_t>(count));
    }
    return content;
}

std::string proc_path(pid_t pid, const char *file)
{
    return "/proc/" + std::to_string(pid) + "/" + file;
}

template <typename T> bool parse_number(std::string_view text, T &value)
{
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

} // namespace

std::optional<ProcStat> read_proc_stat(pid_t pid)
{
    const std::optional<std::string> content = read_proc_file(proc_path(pid, "stat"), 4096);
    if (!content)
        return std::nullopt;
    // "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
    // stime cutime cstime priority nice num_threads itrealvalue starttime ..."; comm may hold spaces
    // and parentheses, so the fields are counted from the last ')'.
    const size_t close = content->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::vector<std::string_view> fields;
    std::string_view rest = std::string_view(*content).substr(close + 1);
    while (!rest.empty() && fields.size() < 20) {
        const size_t start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos)
            break;
        rest.remove_prefix(start);
        const size_t end = std::min(rest.find(' '), rest.size());
        fields.push_back(rest.substr(0, end));
        rest.remove_prefix(end);
    }
    ProcStat stat;
    stat.pid = pid;
    if (fields.size() < 20 || fields[0].size() != 1 || !parse_number(fields[1], stat.ppid) ||
        !parse_number(fields[2], stat.pgid) || !parse_number(fields[3], stat.sid) ||
        !parse_number(fields[19], stat.start_ticks))
        return std::nullopt;
    stat.state = fields[0][0];
    return stat;
}

std::vector<pid_t> list_processes()
{
    std::vector<pid_t> pids;
    DIR *dir = ::opendir("/proc");
    if (!dir)
        return pids;
    while (const dirent *entry = ::readdir(dir)) {
        pid_t pid = 0;
        if (parse_number(std::string_view(entry->d_name), pid) && pid > 0)
            pids.push_back(pid);
    }
    ::closedir(dir);
    return pids;
}

bool process_is_running(pid_t pid, uint64_t start_ticks)
{
    const std::optional<ProcStat> stat = read_proc_stat(pid);
    return stat && !stat->ended() && stat->start_ticks == start_ticks;
}

std::string process_command_line(pid_t pid, size_t max_length)
{
    std::optional<std::string> line = read_proc_file(proc_path(pid, "cmdline"), max_length + 1);
    if (line && !line->empty()) {
        while (!line->empty() && line->back() == '\0')
            line->pop_back();
        for (char &c : *line)
            if (c == '\0' || c == '\n' || c == '\t')
                c = ' ';
        if (line->size() > max_length) {
            line->resize(max_length);
            *line += "...";
        }
        return *line;
    }
    const std::optional<std::string> stat = read_proc_file(proc_path(pid, "stat"), 4096);
    if (!stat)
        return "";
    const size_t open = stat->find('('), close = stat->rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return "";
    return "[" + stat->substr(open + 1, close - open - 1) + "]";
}

std::optional<std::string> process_environment(pid_t pid)
{
    // Environments are seldom large; a test's may be (a long PATH, CI variables): 1 MiB is plenty.
    std::optional<std::string> environment = read_proc_file(proc_path(pid, "environ"), 1 << 20);
    if (!environment || environment->empty())
        return std::nullopt;
    return environment;
}

std::optional<std::string> environment_value(std::string_view environment, std::string_view name)
{
    std::string_view rest = environment;
    while (!rest.empty()) {
        const size_t end = std::min(rest.find('\0'), rest.size());
        const std::string_view entry = rest.substr(0, end);
        if (entry.size() > name.size() && entry.substr(0, name.size()) == name && entry[name.size()] == '=')
            return std::string(entry.substr(name.size() + 1));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return std::nullopt;
}

std::optional<std::string> process_environment_value(pid_t pid, std::string_view name)
{
    const std::optional<std::string> environment = process_environment(pid);
    return environment ? environment_value(*environment, name) : std::nullopt;
}

std::optional<std::string> process_cgroup_v2(pid_t pid)
{
    const std::optional<std::string> content = read_proc_file(proc_path(pid, "cgroup"), 64 * 1024);
    if (!content)
        return std::nullopt;
    std::string_view rest = *content;
    while (!rest.empty()) {
        const size_t end = std::min(rest.find('\n'), rest.size());
        const std::string_view line = rest.substr(0, end);
        if (line.substr(0, 3) == "0::")
            return std::string(line.substr(3));
        rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return std::nullopt;
}

bool signal_process_if(pid_t pid, int signal_number, const std::function<bool()> &check)
{
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        if (errno == ESRCH)
            return false;
        return check() && ::kill(pid, signal_number) == 0;
    }
    // The pidfd refers to the process that had pid when it was opened; if check() approves of the
    // process that has pid now, it is that same one (a pid is reused only once its process is
    // reaped, and then the signal below fails with ESRCH).
    if (!check())
        return false;
    return ::syscall(SYS_pidfd_send_signal, pidfd.get(), signal_number, nullptr, 0) == 0;
}

} // namespace offload
