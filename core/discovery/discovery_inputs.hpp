// The inputs a framework names for its discovery (offload.framework.discovery_inputs/1), and the
// fingerprints of the files they match: what the discovery cache compares to decide that a list
// of tests is still the list.
#pragma once

#include "util/content_hash.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace offload {

struct DiscoveryInput {
    // The values of offload_discovery_input_kind.
    enum class Kind { Glob = 1, File = 2, Command = 3, SkipDirectory = 4 };
    Kind kind = Kind::Glob;
    std::string value;

    bool operator==(const DiscoveryInput &) const = default;
};

// "glob", "file", "command", "skip-directory".
std::string_view kind_name(DiscoveryInput::Kind kind);
std::optional<DiscoveryInput::Kind> kind_named(std::string_view name);

// True when name (one path component) matches pattern: `*`, `?` and `[...]`; a leading dot must be
// matched by a leading dot.
bool component_matches(std::string_view pattern, std::string_view name);

// The files a glob matches below base (the directory discovery runs in), as the glob spells them:
// relative paths for a relative glob, sorted. `**` stands for any number of directories; searching
// skips directories whose names start with a dot, those matching a skip pattern, and symlinks to
// directories (no loops). Unreadable directories are passed over. Stops after max_files and
// returns nullopt: a tree that large is not worth fingerprinting on every run.
std::optional<std::vector<std::string>> expand_glob(const std::filesystem::path &base, std::string_view glob,
                                                    const std::vector<std::string> &skip_patterns,
                                                    size_t max_files);

// What the cache knows of one file. Two fingerprints are the same file when both are absent, or
// when their contents hash the same; size, modification time and inode only say when the content
// must be read again.
struct FileFingerprint {
    std::string path; // as the input names it
    bool exists = false;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    uint64_t inode = 0;
    ContentHash hash;
    int64_t checked_at_ns = 0; // when it was fingerprinted (CLOCK_REALTIME, as file times are)
};

// Stats path (relative to base unless absolute) and, when hash_content, reads it. A file that
// cannot be read counts as absent.
FileFingerprint fingerprint_file(const std::filesystem::path &base, const std::string &path,
                                 bool hash_content);

// Whether the file is still the one recorded; current becomes its fingerprint now. The file is read
// only when its stat differs from recorded's, or when recorded's modification time was too close to
// the moment it was checked (a write in the same clock tick keeps size and time).
bool same_file(const std::filesystem::path &base, const FileFingerprint &recorded, FileFingerprint &current);

// The environment variables that cannot change a list of tests and differ between two shells of
// one user (terminal, session, prompt), and those offload sets for a run's own commands: left out
// of the cache key so that the cache survives a new terminal. Everything else is part of the key.
bool environment_variable_is_volatile(std::string_view name);

} // namespace offload
