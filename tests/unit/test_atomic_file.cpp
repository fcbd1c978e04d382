#include "util/atomic_file.hpp"
#include "util/fd.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace fs = std::filesystem;
using offload::Expected;
using offload::write_file_atomically;

namespace {

struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "offload-atomic-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
};

std::string read(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> names_in(const fs::path &dir)
{
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

mode_t kind_of(const fs::path &path)
{
    struct stat status {};
    REQUIRE(::lstat(path.c_str(), &status) == 0);
    return status.st_mode & S_IFMT;
}

} // namespace

TEST_CASE("a file is created with its directories, then replaced, and nothing else is left")
{
    const TempDir dir;
    const fs::path target = dir.path / "a" / "b" / "report.xml";
    REQUIRE(write_file_atomically(target, "first\n"));
    CHECK(read(target) == "first\n");
    REQUIRE(write_file_atomically(target, "second"));
    CHECK(read(target) == "second");
    CHECK(names_in(target.parent_path()) == std::vector<std::string>{"report.xml"});
}

TEST_CASE("an AtomicFile not committed leaves the target as it was and no temporary file")
{
    const TempDir dir;
    const fs::path target = dir.path / "history";
    REQUIRE(write_file_atomically(target, "old"));
    {
        Expected<offload::AtomicFile> file = offload::AtomicFile::create(target);
        REQUIRE(file);
        file->write("new, but never committed");
        CHECK(names_in(dir.path).size() == 2); // the target and the temporary file
    }
    CHECK(read(target) == "old");
    CHECK(names_in(dir.path) == std::vector<std::string>{"history"});
}

TEST_CASE("only an absent target or a regular file is replaced")
{
    const TempDir dir;
    const auto refused = [&](const fs::path &target, const std::string &kind) {
        const mode_t before = kind_of(target);
        const Expected<void> written = write_file_atomically(target, "report");
        REQUIRE_FALSE(written);
        CHECK(written.error() ==
              "will not replace " + target.string() + ": it is " + kind + ", not a regular file");
        CHECK(kind_of(target) == before);
    };

    SUBCASE("a character device, as /dev/null is ([history] path = \"/dev/null\" as root)")
    {
        refused("/dev/null", "a character device");
        // One of its own, where it may be made (root): the temporary file would go beside it.
        const fs::path device = dir.path / "null";
        if (::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
            refused(device, "a character device");
            CHECK(names_in(dir.path) == std::vector<std::string>{"null"});
        }
    }
    SUBCASE("a FIFO: refused without blocking on it")
    {
        const fs::path fifo = dir.path / "fifo";
        REQUIRE(::mkfifo(fifo.c_str(), 0666) == 0);
        refused(fifo, "a FIFO");
        CHECK(names_in(dir.path) == std::vector<std::string>{"fifo"});
    }
    SUBCASE("a directory")
    {
        fs::create_directories(dir.path / "junit.xml" / "inside");
        refused(dir.path / "junit.xml", "a directory");
        CHECK(names_in(dir.path) == std::vector<std::string>{"junit.xml"});
    }
    SUBCASE("a symlink: neither it nor what it points to changes")
    {
        REQUIRE(write_file_atomically(dir.path / "victim", "precious"));
        fs::create_symlink(dir.path / "victim", dir.path / "junit.xml");
        refused(dir.path / "junit.xml", "a symbolic link");
        CHECK(read(dir.path / "victim") == "precious");
    }
}

TEST_CASE("a symlink planted where the temporary file might go is never written through")
{
    // The old writers used "<target>.tmp" whatever it was: a planted junit.xml.tmp symlink had its
    // target overwritten, and was then renamed over junit.xml.
    const TempDir dir;
    const fs::path target = dir.path / "junit.xml";
    REQUIRE(write_file_atomically(dir.path / "victim", "precious"));
    fs::create_symlink(dir.path / "victim", target.string() + ".tmp");
    REQUIRE(write_file_atomically(target, "report"));
    CHECK(read(dir.path / "victim") == "precious");
    CHECK(read(target) == "report");
    CHECK(kind_of(target) == S_IFREG);
    CHECK(fs::is_symlink(target.string() + ".tmp"));
}

TEST_CASE("a commit that fails says why, naming the path")
{
    // The directory is removed while the file is written: the rename cannot succeed.
    const TempDir dir;
    const fs::path sub = dir.path / "sub";
    Expected<offload::AtomicFile> file = offload::AtomicFile::create(sub / "out");
    REQUIRE(file);
    file->write("content");
    fs::remove_all(sub);
    const Expected<void> committed = file->commit();
    REQUIRE_FALSE(committed);
    CHECK(committed.error().find(sub.string()) != std::string::npos);
    CHECK_FALSE(fs::exists(sub));
}

TEST_CASE("Fd closes what it owns, once, and hands it over on move")
{
    int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    REQUIRE(raw >= 0);
    {
        offload::Fd first(raw);
        offload::Fd second(std::move(first));
        CHECK_FALSE(first);
        CHECK(second.get() == raw);
    }
    CHECK(::fcntl(raw, F_GETFD) == -1); // closed
    offload::Fd kept(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const int released = kept.release();
    CHECK_FALSE(kept);
    CHECK(::close(released) == 0);
}
