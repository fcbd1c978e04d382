#include "cli/run_lock.hpp"

#include "process/process_tree.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace offload;
using namespace std::chrono_literals;

namespace {

struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "offload-run-lock-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string read_file(const std::filesystem::path &path)
{
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A pid no process has now (one that was used and reaped).
pid_t dead_pid()
{
    const pid_t pid = ::fork();
    if (pid == 0)
        ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    return pid;
}

} // namespace

TEST_CASE("a second run on the same output directory waits until the first releases it")
{
    TempDir dir;
    auto first = RunLock::acquire(dir.path);
    REQUIRE(first);
    std::atomic<bool> acquired{false};
    std::unique_ptr<RunLock> second;
    std::thread waiting([&] {
        second = RunLock::acquire(dir.path);
        acquired = true;
    });
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(acquired.load());
    first.reset();
    waiting.join();
    CHECK(acquired.load());
    CHECK(second);
}

TEST_CASE("the lock file names its holder while it is held, and is emptied when released")
{
    TempDir dir;
    {
        auto lock = RunLock::acquire(dir.path);
        REQUIRE(lock);
        const std::string record = read_file(dir.path / ".offload.lock");
        CHECK(record.rfind("offload-run 1\n", 0) == 0);
        CHECK(record.find("pid " + std::to_string(::getpid()) + "\n") != std::string::npos);
        CHECK(record.find("run-id " + tree_tracking().run_id + "\n") != std::string::npos);
    }
    CHECK(read_file(dir.path / ".offload.lock").empty());
}

TEST_CASE("the record of a run that died makes the next one end the processes carrying its marker")
{
    TempDir dir;
    const pid_t dead = dead_pid();
    const std::string run_id = std::to_string(dead) + "-12345";
    // A test of the dead run, still running, and a process of another run that must be spared.
    auto start_sleeper = [](const std::string &tokens) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            const std::string entry = std::string(process_tree_variable) + "=" + tokens;
            char *const argv[] = {const_cast<char *>("sleep"), const_cast<char *>("30"), nullptr};
            char *const envp[] = {const_cast<char *>(entry.c_str()), nullptr};
            ::execve("/bin/sleep", argv, envp);
            ::_exit(127);
        }
        return pid;
    };
    const pid_t orphan = start_sleeper("1-1.3 " + run_id + ".7");
    const pid_t other = start_sleeper("999999-1.2");
    std::this_thread::sleep_for(100ms); // both have exec'd
    {
        std::ofstream record(dir.path / ".offload.lock");
        record << "offload-run 1\npid " << dead << "\nrun-id " << run_id << "\n";
    }
    auto lock = RunLock::acquire(dir.path);
    REQUIRE(lock);
    int status = 0;
    REQUIRE(::waitpid(orphan, &status, 0) == orphan);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(::waitpid(other, &status, WNOHANG) == 0); // still running
    ::kill(other, SIGKILL);
    ::waitpid(other, &status, 0);
    // The record is now this run's.
    CHECK(read_file(dir.path / ".offload.lock").find("pid " + std::to_string(::getpid())) !=
          std::string::npos);
}

TEST_CASE("a record that is not one, or names a run that still runs, ends nothing")
{
    TempDir dir;
    // Marked with every run id the records below name.
    const std::string tokens = "1-5.1 " + tree_tracking().run_id + ".99 4242-1.1 77-1.1";
    const pid_t marked = ::fork();
    if (marked == 0) {
        const std::string entry = std::string(process_tree_variable) + "=" + tokens;
        char *const argv[] = {const_cast<char *>("sleep"), const_cast<char *>("30"), nullptr};
        char *const envp[] = {const_cast<char *>(entry.c_str()), nullptr};
        ::execve("/bin/sleep", argv, envp);
        ::_exit(127);
    }
    std::this_thread::sleep_for(100ms);
    for (const std::string &record : {
             std::string("offload-run 1\npid 1\nrun-id 1-5\n"), // pid 1 is never an offload run
             "offload-run 1\npid " + std::to_string(::getpid()) + "\nrun-id " + tree_tracking().run_id +
                 "\n",                                 // this very run: alive
             std::string("pid 4242\nrun-id 4242-1\n"), // no header: not a record
             "offload-run 1\npid " + std::to_string(dead_pid()) + "\nrun-id 77-1\n", // the id of another pid
         }) {
        CAPTURE(record);
        {
            std::ofstream out(dir.path / ".offload.lock");
            out << record;
        }
        CHECK(RunLock::acquire(dir.path));
    }
    int status = 0;
    CHECK(::waitpid(marked, &status, WNOHANG) == 0); // still running
    ::kill(marked, SIGKILL);
    ::waitpid(marked, &status, 0);
}
