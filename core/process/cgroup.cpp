#include "process/cgroup.hpp"

#include "process/proc_info.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <sstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace offload {

namespace {

namespace fs = std::filesystem;

// Close-on-exec, as every descriptor offload opens: another thread may be starting a command.
std::string read_text(const fs::path &path)
{
    std::string text;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return text;
    char buffer[4096];
    for (;;) {
        const ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count <= 0)
            break;
        text.append(buffer, static_cast<size_t>(count));
    }
    ::close(fd);
    return text;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_mount_field(std::string_view field)
{
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            int value = 0;
            const auto [end, error] = std::from_chars(field.data() + i + 1, field.data() + i + 4, value, 8);
            if (error == std::errc() && end == field.data() + i + 4) {
                out += static_cast<char>(value);
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

std::vector<std::string_view> split_words(std::string_view line)
{
    std::vector<std::string_view> words;
    while (!line.empty()) {
        const size_t start = line.find_first_not_of(' ');
        if (start == std::string_view::npos)
            break;
        line.remove_prefix(start);
        const size_t end = std::min(line.find(' '), line.size());
        words.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
    return words;
}

bool write_file(const fs::path &path, std::string_view text)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return written;
}

// The cgroups below dir, deepest first.
std::vector<fs::path> descendants_deepest_first(const fs::path &dir)
{
    std::vector<fs::path> found;
    std::error_code error;
    for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
        if (it->is_directory(error))
            found.push_back(it->path());
    std::sort(found.begin(), found.end(), [](const fs::path &a, const fs::path &b) {
        return std::distance(a.begin(), a.end()) > std::distance(b.begin(), b.end());
    });
    return found;
}

} // namespace

bool Cgroup::contains(const std::string &process_cgroup) const
{
    if (name == "/")
        return true;
    return process_cgroup.size() >= name.size() && process_cgroup.compare(0, name.size(), name) == 0 &&
           (process_cgroup.size() == name.size() || process_cgroup[name.size()] == '/' ||
            process_cgroup[name.size()] == ' '); // "/a/b (deleted)"
}

Expected<Cgroup> own_cgroup()
{
    const std::optional<std::string> own = process_cgroup_v2(::getpid());
    if (!own)
        return failure("this process is in no cgroup v2 hierarchy (/proc/self/cgroup has no \"0::\" line)");
    if (own->find(" (deleted)") != std::string::npos)
        return failure("this process's cgroup " + *own + " has been removed");
    // "36 35 0:30 /root /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw": the mount whose root holds
    // our cgroup.
    std::istringstream mounts(read_text("/proc/self/mountinfo"));
    for (std::string line; std::getline(mounts, line);) {
        const std::vector<std::string_view> words = split_words(line);
        const auto dash = std::find(words.begin(), words.end(), "-");
        if (words.size() < 5 || dash == words.end() || dash + 1 == words.end() || *(dash + 1) != "cgroup2")
            continue;
        const std::string root = unescape_mount_field(words[3]);
        const std::string mount_point = unescape_mount_field(words[4]);
        if (root != "/" && !(own->compare(0, root.size(), root) == 0 &&
                             (own->size() == root.size() || (*own)[root.size()] == '/')))
            continue;
        const std::string inside = root == "/" ? *own : own->substr(root.size());
        fs::path dir = fs::path(mount_point) / fs::path(inside).relative_path();
        if (!fs::is_directory(dir))
            continue;
        return Cgroup{dir.lexically_normal(), *own};
    }
    return failure("no cgroup2 file system is mounted where this process's cgroup " + *own + " is visible");
}

Expected<void> create_cgroup(const Cgroup &cgroup)
{
    if (::mkdir(cgroup.dir.c_str(), 0755) != 0 && errno != EEXIST)
        return failure("cannot create the cgroup " + cgroup.dir.string() + ": " + errno_text(errno));
    return {};
}

std::vector<pid_t> cgroup_processes(const Cgroup &cgroup)
{
    std::vector<pid_t> pids;
    std::vector<fs::path> dirs = {cgroup.dir};
    std::vector<fs::path> below = descendants_deepest_first(cgroup.dir);
    dirs.insert(dirs.end(), below.begin(), below.end());
    for (const fs::path &dir : dirs) {
        std::istringstream procs(read_text(dir / "cgroup.procs"));
        for (pid_t pid = 0; procs >> pid;)
            pids.push_back(pid);
    }
    return pids;
}

bool cgroup_populated(const Cgroup &cgroup)
{
    std::istringstream events(read_text(cgroup.dir / "cgroup.events"));
    for (std::string key, value; events >> key >> value;)
        if (key == "populated")
            return value != "0";
    return false;
}

bool cgroup_has_kill(const Cgroup &cgroup)
{
    return ::access((cgroup.dir / "cgroup.kill").c_str(), W_OK) == 0;
}

size_t signal_cgroup(const Cgroup &cgroup, int signal_number, const std::function<bool(pid_t)> &which)
{
    const std::vector<pid_t> pids = cgroup_processes(cgroup);
    if (signal_number == SIGKILL && !which && cgroup_has_kill(cgroup) &&
        write_file(cgroup.dir / "cgroup.kill", "1"))
        return pids.size();
    size_t signalled = 0;
    for (pid_t pid : pids) {
        if (which && !which(pid))
            continue;
        const bool sent = signal_process_if(pid, signal_number, [&] {
            const std::optional<std::string> now = process_cgroup_v2(pid);
            return now && cgroup.contains(*now);
        });
        signalled += sent ? 1 : 0;
    }
    return signalled;
}

bool remove_cgroup(const Cgroup &cgroup)
{
    for (const fs::path &dir : descendants_deepest_first(cgroup.dir))
        ::rmdir(dir.c_str());
    return ::rmdir(cgroup.dir.c_str()) == 0 || errno == ENOENT;
}

} // namespace offload
