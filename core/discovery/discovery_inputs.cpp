#include "discovery/discovery_inputs.hpp"

#include "util/split.hpp"

#include <algorithm>
#include <array>
#include <fnmatch.h>
#include <set>
#include <sys/stat.h>
#include <time.h>

namespace offload {

namespace {

std::vector<std::string> components_of(std::string_view glob)
{
    std::vector<std::string> parts;
    for (std::string_view part : split(glob, '/'))
        if (!part.empty() && part != ".")
            parts.emplace_back(part);
    return parts;
}

bool has_wildcard(std::string_view component)
{
    return component.find_first_of("*?[") != std::string_view::npos;
}

struct GlobWalk {
    const std::vector<std::string> &parts;
    const std::vector<std::string> &skip_patterns;
    size_t max_files;
    std::set<std::string> found;
    bool too_many = false;

    bool skipped(const std::string &name) const
    {
        if (name.starts_with('.'))
            return true;
        return std::any_of(skip_patterns.begin(), skip_patterns.end(),
                           [&](const std::string &pattern) { return component_matches(pattern, name); });
    }

    // Matches parts[index...] below dir, whose path as the glob spells it is shown.
    void walk(const std::filesystem::path &dir, const std::string &shown, size_t index)
    {
        if (too_many)
            return;
        if (index == parts.size())
            return;
        const std::string &part = parts[index];
        const bool last = index + 1 == parts.size();
        if (part == "**") {
            // Zero directories, then each directory below.
            walk(dir, shown, index + 1);
            std::error_code error;
            for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
                const std::string name = entry.path().filename().string();
                std::error_code kind_error;
                if (entry.is_symlink(kind_error) || !entry.is_directory(kind_error) || skipped(name))
                    continue;
                walk(entry.path(), shown + name + "/", index);
                if (too_many)
                    return;
            }
            return;
        }
        if (!has_wildcard(part)) {
            const std::filesystem::path next = dir / part;
            std::error_code error;
            if (last) {
                if (std::filesystem::is_regular_file(next, error))
                    add(shown + part);
            } else if (std::filesystem::is_directory(next, error)) {
                walk(next, shown + part + "/", index + 1);
            }
            return;
        }
        std::error_code error;
        for (const auto &entry : std::filesystem::directory_iterator(dir, error)) {
            const std::string name = entry.path().filename().string();
            if (!component_matches(part, name))
                continue;
            std::error_code kind_error;
            if (last) {
                if (entry.is_regular_file(kind_error))
                    add(shown + name);
            } else if (!entry.is_symlink(kind_error) && entry.is_directory(kind_error) && !skipped(name)) {
                walk(entry.path(), shown + name + "/", index + 1);
            }
            if (too_many)
                return;
        }
    }

    void add(std::string path)
    {
        found.insert(std::move(path));
        if (found.size() > max_files)
            too_many = true;
    }
};

} // namespace

std::string_view kind_name(DiscoveryInput::Kind kind)
{
    switch (kind) {
    case DiscoveryInput::Kind::Glob: return "glob";
    case DiscoveryInput::Kind::File: return "file";
    case DiscoveryInput::Kind::Command: return "command";
    case DiscoveryInput::Kind::SkipDirectory: return "skip-directory";
    }
    return "glob";
}

std::optional<DiscoveryInput::Kind> kind_named(std::string_view name)
{
    for (auto kind : {DiscoveryInput::Kind::Glob, DiscoveryInput::Kind::File, DiscoveryInput::Kind::Command,
                      DiscoveryInput::Kind::SkipDirectory})
        if (kind_name(kind) == name)
            return kind;
    return std::nullopt;
}

bool component_matches(std::string_view pattern, std::string_view name)
{
    return ::fnmatch(std::string(pattern).c_str(), std::string(name).c_str(), FNM_PERIOD) == 0;
}

std::optional<std::vector<std::string>> expand_glob(const std::filesystem::path &base, std::string_view glob,
                                                    const std::vector<std::string> &skip_patterns,
                                                    size_t max_files)
{
    const bool absolute = glob.starts_with('/');
    const std::vector<std::string> parts = components_of(glob);
    GlobWalk walk{parts, skip_patterns, max_files, {}, false};
    if (!parts.empty())
        walk.walk(absolute ? std::filesystem::path("/") : base, absolute ? "/" : "", 0);
    if (walk.too_many)
        return std::nullopt;
    return std::vector<std::string>(walk.found.begin(), walk.found.end());
}

FileFingerprint fingerprint_file(const std::filesystem::path &base, const std::string &path,
                                 bool hash_content)
{
    FileFingerprint print;
    print.path = path;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    print.checked_at_ns = int64_t(now.tv_sec) * 1000000000 + now.tv_nsec;
    const std::filesystem::path full = path.starts_with('/') ? std::filesystem::path(path) : base / path;
    struct stat info {};
    if (::stat(full.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
        return print;
    print.size = uint64_t(info.st_size);
    print.mtime_ns = int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
    print.inode = uint64_t(info.st_ino);
    if (hash_content) {
        Expected<ContentHash> hash = hash_file(full);
        if (!hash) {
            print.exists = false;
            print.size = 0;
            print.mtime_ns = 0;
            print.inode = 0;
            return print;
        }
        print.hash = *hash;
    }
    print.exists = true;
    return print;
}

bool same_file(const std::filesystem::path &base, const FileFingerprint &recorded, FileFingerprint &current)
{
    current = fingerprint_file(base, recorded.path, false);
    if (current.exists != recorded.exists)
        return false;
    if (!current.exists)
        return true;
    // Timestamps have the resolution of the kernel's clock tick (a few ms), coarser on some file
    // systems: a file written within 2 s of the record is read again, whatever its stat says.
    constexpr int64_t racy_ns = 2'000'000'000;
    const bool stat_same = current.size == recorded.size && current.mtime_ns == recorded.mtime_ns &&
                           current.inode == recorded.inode &&
                           recorded.mtime_ns < recorded.checked_at_ns - racy_ns;
    if (stat_same) {
        // Not read: what is known of its contents is as old as the record.
        current.hash = recorded.hash;
        current.checked_at_ns = recorded.checked_at_ns;
        return true;
    }
    if (current.size != recorded.size)
        return false;
    current = fingerprint_file(base, recorded.path, true);
    return current.exists && current.hash == recorded.hash;
}

bool environment_variable_is_volatile(std::string_view name)
{
    static constexpr std::array names = {
        // the shell and the terminal
        "_", "OLDPWD", "PWD", "SHLVL", "TERM", "COLORTERM", "COLUMNS", "LINES", "PS1", "PS2", "PS4",
        "PROMPT_COMMAND", "HISTFILE", "HISTSIZE", "HISTFILESIZE", "HISTCONTROL", "LS_COLORS", "LESSOPEN",
        "LESSCLOSE", "MAIL", "WINDOWID", "DISPLAY", "TMUX", "TMUX_PANE", "STY", "WINDOW", "VTE_VERSION",
        "TERM_PROGRAM", "TERM_PROGRAM_VERSION", "TERM_SESSION_ID", "ITERM_SESSION_ID",
        // the login session
        "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GPG_AGENT_INFO",
        "DBUS_SESSION_BUS_ADDRESS", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS", "XDG_VTNR",
        "XDG_SEAT", "XAUTHORITY", "WAYLAND_DISPLAY",
        // what an outer offload sets for the command this offload runs in
        "OFFLOAD_EVENT_MARK", "OFFLOAD_BATCH", "OFFLOAD_ATTEMPT", "OFFLOAD_PROCESS_TREE"};
    return std::find(names.begin(), names.end(), name) != names.end();
}

} // namespace offload
