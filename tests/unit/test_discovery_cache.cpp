#include "discovery/discovery_cache.hpp"
#include "discovery/discovery_inputs.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace offload;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() /
                    ("offload-discovery-cache-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static inline int counter = 0;

    void write(const std::string &relative, const std::string &text) const
    {
        fs::create_directories((path / relative).parent_path());
        std::ofstream(path / relative, std::ios::binary) << text;
    }
};

// Sets a file's modification time seconds_ago seconds in the past (as an old, trusted file).
void age(const fs::path &file, int seconds_ago)
{
    timespec times[2]{};
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= seconds_ago;
    times[1] = times[0];
    REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
}

std::vector<std::string> glob(const TempDir &dir, const std::string &pattern,
                              const std::vector<std::string> &skip = {})
{
    return expand_glob(dir.path, pattern, skip, 1000).value();
}

// An entry for the files the inputs match now, as discovery would store it.
CacheEntry entry_for(const TempDir &dir, const std::vector<DiscoveryInput> &inputs)
{
    CacheEntry entry;
    entry.key_text = "key\n";
    const std::vector<std::string> paths = input_files(dir.path, inputs, 1000).value();
    for (const std::string &path : paths)
        entry.files.push_back(fingerprint_file(dir.path, path, true));
    entry.output = {"a\nb\n", "", 0, 0.25};
    return entry;
}

FileCheck check(const TempDir &dir, const CacheEntry &entry, const std::vector<DiscoveryInput> &inputs)
{
    return check_files(dir.path, entry, input_files(dir.path, inputs, 1000).value());
}

} // namespace

TEST_CASE("a glob matches within one component, ** across directories")
{
    TempDir dir;
    dir.write("test_a.py", "");
    dir.write("tests/test_b.py", "");
    dir.write("tests/unit/deep/test_c.py", "");
    dir.write("tests/data.txt", "");
    dir.write(".hidden/test_d.py", "");
    dir.write("node_modules/x/test_e.py", "");
    dir.write("src/pkg.egg-info/test_f.py", "");
    CHECK(glob(dir, "*.py") == std::vector<std::string>{"test_a.py"});
    CHECK(glob(dir, "tests/*.py") == std::vector<std::string>{"tests/test_b.py"});
    CHECK(glob(dir, "**/*.py", {"node_modules", "*.egg-info"}) ==
          std::vector<std::string>{"test_a.py", "tests/test_b.py", "tests/unit/deep/test_c.py"});
    // Skipping is for searching: a named directory is still entered.
    CHECK(glob(dir, "node_modules/x/*.py", {"node_modules"}) ==
          std::vector<std::string>{"node_modules/x/test_e.py"});
    CHECK(glob(dir, ".hidden/*.py") == std::vector<std::string>{".hidden/test_d.py"});
    CHECK(glob(dir, "tests/**/test_?.py") ==
          std::vector<std::string>{"tests/test_b.py", "tests/unit/deep/test_c.py"});
    CHECK(glob(dir, "./tests/data.txt") == std::vector<std::string>{"tests/data.txt"});
    CHECK(glob(dir, "missing/**/*.py").empty());
    CHECK_FALSE(expand_glob(dir.path, "**/*.py", {}, 2).has_value());
}

TEST_CASE("a glob does not follow a symlink to a directory (no loop)")
{
    TempDir dir;
    dir.write("tests/test_a.py", "");
    fs::create_directory_symlink("..", dir.path / "tests" / "loop");
    CHECK(glob(dir, "**/*.py") == std::vector<std::string>{"tests/test_a.py"});
}

TEST_CASE("component patterns: a leading dot must be spelled")
{
    CHECK(component_matches("*.py", "test_a.py"));
    CHECK_FALSE(component_matches("*.py", ".test_a.py"));
    CHECK(component_matches(".*", ".git"));
    CHECK(component_matches("test_[ab].py", "test_b.py"));
    CHECK_FALSE(component_matches("test_[ab].py", "test_c.py"));
}

TEST_CASE("an entry reads back as it was written, and a damaged one is refused")
{
    CacheEntry entry;
    entry.key_text = "offload 0.1.0\nenv A=b c\n";
    entry.later_inputs = {{DiscoveryInput::Kind::File, "target/debug/deps/t-1 2"}};
    FileFingerprint file;
    file.path = "tests/test a.py";
    file.exists = true;
    file.size = 12;
    file.mtime_ns = 1700000000123456789;
    file.inode = 42;
    file.checked_at_ns = 1700000009000000000;
    file.hash = hash_bytes("print(1)\n");
    FileFingerprint absent;
    absent.path = "../pytest.ini";
    entry.files = {file, absent};
    entry.output = {"tests/test a.py::test\n\nend\n", "warning\n", 3, 1.5};
    const std::string text = entry.serialize();

    Expected<CacheEntry> back = CacheEntry::parse(text);
    REQUIRE_MESSAGE(back, (back ? "" : back.error()));
    CHECK(back->key_text == entry.key_text);
    CHECK(back->later_inputs == entry.later_inputs);
    REQUIRE(back->files.size() == 2);
    CHECK(back->files[0].path == "tests/test a.py");
    CHECK(back->files[0].hash == file.hash);
    CHECK(back->files[0].mtime_ns == file.mtime_ns);
    CHECK(back->files[0].checked_at_ns == file.checked_at_ns);
    CHECK_FALSE(back->files[1].exists);
    CHECK(back->output.stdout_text == entry.output.stdout_text);
    CHECK(back->output.stderr_text == "warning\n");
    CHECK(back->output.exit_code == 3);
    CHECK(back->output.secs == doctest::Approx(1.5));

    for (size_t cut : {size_t(0), size_t(10), text.size() / 2, text.size() - 1})
        CHECK_FALSE(CacheEntry::parse(text.substr(0, cut)));
    CHECK_FALSE(CacheEntry::parse(text + "more"));
    std::string other_version = text;
    other_version.replace(other_version.find(" 1\n"), 3, " 2\n");
    CHECK_FALSE(CacheEntry::parse(other_version));
}

TEST_CASE("the files are the recorded ones: unchanged, changed, new, removed")
{
    TempDir dir;
    dir.write("tests/test_a.py", "def test_a(): pass\n");
    dir.write("tests/test_b.py", "def test_b(): pass\n");
    age(dir.path / "tests/test_a.py", 60);
    age(dir.path / "tests/test_b.py", 60);
    const std::vector<DiscoveryInput> inputs = {{DiscoveryInput::Kind::Glob, "tests/*.py"},
                                                {DiscoveryInput::Kind::File, "pytest.ini"}};
    const CacheEntry entry = entry_for(dir, inputs);

    SUBCASE("unchanged: nothing is read")
    {
        const FileCheck same = check(dir, entry, inputs);
        CHECK_FALSE(same.difference);
        CHECK_FALSE(same.reread);
        CHECK(same.current.size() == 3);
    }
    SUBCASE("touched with the same contents: still the same, and worth refreshing")
    {
        age(dir.path / "tests/test_a.py", 30);
        const FileCheck touched = check(dir, entry, inputs);
        CHECK_FALSE(touched.difference);
        CHECK(touched.reread);
    }
    SUBCASE("a test added to a file")
    {
        dir.write("tests/test_a.py", "def test_a(): pass\ndef test_c(): pass\n");
        CHECK(check(dir, entry, inputs).difference == "tests/test_a.py changed");
    }
    SUBCASE("a change that keeps size and time is found by the contents")
    {
        dir.write("tests/test_a.py", "def test_x(): pass\n");
        age(dir.path / "tests/test_a.py", 60);
        CacheEntry racy = entry;
        // Recorded within the same clock tick as the write: the time cannot be trusted.
        racy.files[1].mtime_ns = fingerprint_file(dir.path, "tests/test_a.py", false).mtime_ns;
        racy.files[1].checked_at_ns = racy.files[1].mtime_ns;
        CHECK(check(dir, racy, inputs).difference == "tests/test_a.py changed");
    }
    SUBCASE("a new file")
    {
        dir.write("tests/test_new.py", "");
        CHECK(check(dir, entry, inputs).difference == "tests/test_new.py is new");
    }
    SUBCASE("a renamed file")
    {
        fs::rename(dir.path / "tests/test_b.py", dir.path / "tests/test_c.py");
        CHECK(check(dir, entry, inputs).difference == "tests/test_b.py was removed");
    }
    SUBCASE("a named file that appears")
    {
        dir.write("pytest.ini", "[pytest]\n");
        CHECK(check(dir, entry, inputs).difference == "pytest.ini is new");
    }
}

TEST_CASE("the cache stores by key, finds only the same key, and keeps the newest entries")
{
    TempDir dir;
    const DiscoveryCache cache(dir.path / "cache");
    CHECK_FALSE(cache.load("key\n"));
    CacheEntry entry;
    entry.key_text = "key\n";
    entry.output.stdout_text = "t1\n";
    REQUIRE(cache.store(entry));
    Expected<CacheEntry> loaded = cache.load("key\n");
    REQUIRE(loaded);
    CHECK(loaded->output.stdout_text == "t1\n");
    CHECK_FALSE(cache.load("other key\n"));

    // A damaged file is no entry, never an error.
    dir.write("cache/" + DiscoveryCache::file_name("key\n"), "garbage");
    CHECK_FALSE(cache.load("key\n"));

    for (size_t i = 0; i < DiscoveryCache::max_entries + 3; ++i) {
        entry.key_text = "key " + std::to_string(i) + "\n";
        REQUIRE(cache.store(entry));
        age(dir.path / "cache" / DiscoveryCache::file_name(entry.key_text), 1000 - int(i));
    }
    size_t files = 0;
    for ([[maybe_unused]] const auto &item : fs::directory_iterator(dir.path / "cache"))
        ++files;
    CHECK(files <= DiscoveryCache::max_entries + 1);
    CHECK(cache.load("key " + std::to_string(DiscoveryCache::max_entries + 2) + "\n"));
}

TEST_CASE("content hashes: equal for equal bytes in any pieces, different otherwise")
{
    ContentHasher pieces;
    pieces.add("def test_");
    pieces.add("a(): pass\n");
    CHECK(pieces.finish() == hash_bytes("def test_a(): pass\n"));
    CHECK_FALSE(hash_bytes("def test_a(): pass\n") == hash_bytes("def test_b(): pass\n"));
    CHECK_FALSE(hash_bytes("") == hash_bytes(std::string(1, '\0')));
    const ContentHash hash = hash_bytes("x");
    CHECK(ContentHash::from_hex(hash.hex()).value() == hash);
    CHECK_FALSE(ContentHash::from_hex("xyz"));
}

TEST_CASE("the terminal's and the session's variables are not part of the key; the rest is")
{
    for (const char *name :
         {"OLDPWD", "SHLVL", "TERM", "SSH_AUTH_SOCK", "TMUX_PANE", "OFFLOAD_EVENT_MARK", "_"})
        CHECK(environment_variable_is_volatile(name));
    for (const char *name : {"PATH", "PYTHONPATH", "HOME", "RUSTFLAGS", "CI", "VIRTUAL_ENV", "LANG"})
        CHECK_FALSE(environment_variable_is_volatile(name));
}
