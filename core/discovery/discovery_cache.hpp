// The discovery cache: the output of a discovery command, kept with everything its list depends on,
// so that an unchanged project is not discovered again.
//
// An entry is found by its key: the hash of the key text, which names the offload and plugin
// versions, the discovery command, its directory and environment (volatile variables left out,
// see environment_variable_is_volatile), the framework's inputs and the output of its
// fingerprint commands. The entry then lists every file those inputs matched, with its size,
// time and content hash: the entry is used only when the same files exist with the same contents.
// Any difference is a miss, and the reason is said ("tests/test_new.py is new").
//
// On disk: <cache dir>/<key hash>, a versioned text file written atomically; anything unreadable
// is a miss, and the cache keeps the most recent max_entries entries.
#pragma once

#include "discovery/discovery_inputs.hpp"
#include "util/expected.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace offload {

// What discovery printed, as parse_discovery() takes it.
struct DiscoveryOutput {
    std::string stdout_text;
    std::string stderr_text;
    int exit_code = 0;
    double secs = 0; // how long the discovery command took
};

struct CacheEntry {
    std::string key_text;
    std::vector<DiscoveryInput> later_inputs; // named after discovery (test binaries)
    std::vector<FileFingerprint> files;       // every file the inputs matched, sorted by path
    DiscoveryOutput output;

    std::string serialize() const;
    static Expected<CacheEntry> parse(const std::string &text);
};

// The files the inputs match now, below base: the globs expanded (skip patterns applied) and the
// named files, sorted and unique. nullopt when a glob matches more than max_files.
std::optional<std::vector<std::string>>
input_files(const std::filesystem::path &base, const std::vector<DiscoveryInput> &inputs, size_t max_files);

// Whether an entry still describes the files.
struct FileCheck {
    std::optional<std::string> difference; // the first found, for the log: "tests/test_x.py is new"
    std::vector<FileFingerprint> current;  // without a difference: every file's fingerprint now
    bool reread = false;                   // some file had to be read: the entry is worth refreshing
};
// current_paths are input_files() of the entry's inputs now.
FileCheck check_files(const std::filesystem::path &base, const CacheEntry &entry,
                      const std::vector<std::string> &current_paths);

class DiscoveryCache {
  public:
    static constexpr size_t max_entries = 16;
    static constexpr size_t max_files = 200000;

    explicit DiscoveryCache(std::filesystem::path dir) : m_dir(std::move(dir)) {}

    // The entry stored under key_text, or why there is none ("no entry", "written by another
    // version"); a different key text under the same hash is no entry.
    Expected<CacheEntry> load(const std::string &key_text) const;
    // Stores entry (atomically) and removes the oldest entries beyond max_entries.
    Expected<void> store(const CacheEntry &entry) const;

    static std::string file_name(const std::string &key_text);

  private:
    std::filesystem::path m_dir;
};

} // namespace offload
