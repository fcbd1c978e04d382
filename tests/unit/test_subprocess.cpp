#include "process/cancel_token.hpp"
#include "process/input_feed.hpp"
#include "process/interrupt.hpp"
#include "process/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace offload;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

// Every test of this file may leave orphans in a process group; they must come back to us.
const bool subreaper = [] {
    become_subreaper();
    return true;
}();

struct TempDir {
    std::filesystem::path path;
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "offload-subprocess-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = std::filesystem::canonical(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string file(const char *name) const { return (path / name).string(); }
};

struct Captured {
    std::string out, err;
    ProcessExit outcome;
};

Captured run(ProcessSpec spec)
{
    Captured captured;
    spec.on_output = [&captured](int stream, std::string_view data) {
        CHECK((stream == 1 || stream == 2));
        (stream == 1 ? captured.out : captured.err).append(data);
    };
    const Expected<ProcessExit> exit = run_subprocess(spec);
    REQUIRE_MESSAGE(exit, (exit ? "" : exit.error()));
    captured.outcome = *exit;
    return captured;
}

Captured run_shell(const std::string &script, milliseconds timeout = 0ms, milliseconds kill_grace = 2000ms)
{
    ProcessSpec spec;
    spec.argv = {"sh", "-c", script};
    spec.timeout = timeout;
    spec.kill_grace = kill_grace;
    return run(std::move(spec));
}

// The pid a command wrote to `path` (written atomically with a rename by the scripts below).
pid_t read_pid(const std::string &path)
{
    std::ifstream in(path);
    long pid = 0;
    in >> pid;
    REQUIRE(pid > 1);
    return static_cast<pid_t>(pid);
}

bool process_exists(pid_t pid)
{
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// Exists and is not a zombie (one that waits to be reaped by its parent, or by our reaper thread).
bool process_running(pid_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z' &&
           text[close + 2] != 'X';
}

bool readable(int fd)
{
    pollfd entry{fd, POLLIN, 0};
    return ::poll(&entry, 1, 0) == 1 && (entry.revents & POLLIN) != 0;
}

// Raises the interruption level from another thread after a delay, while the test runs a command.
class DelayedRequest {
  public:
    explicit DelayedRequest(std::vector<std::pair<milliseconds, int>> steps)
        : m_thread([steps = std::move(steps)] {
              for (auto [delay, level] : steps) {
                  std::this_thread::sleep_for(delay);
                  Interrupt::request(level);
              }
          })
    {
    }
    ~DelayedRequest()
    {
        m_thread.join();
        Interrupt::reset_for_tests();
    }

  private:
    std::thread m_thread;
};

} // namespace

TEST_CASE("exit codes are the command's")
{
    CHECK(run_shell("exit 0").outcome.exit_code == 0);
    Captured three = run_shell("exit 3");
    CHECK(three.outcome.exit_code == 3);
    CHECK(three.outcome.term_signal == 0);
    CHECK_FALSE(three.outcome.timed_out);
    CHECK_FALSE(three.outcome.cancelled);
}

TEST_CASE("a command killed by a signal reports it")
{
    Captured killed = run_shell("kill -9 $$");
    CHECK(killed.outcome.term_signal == 9);
    CHECK(killed.outcome.exit_code == 137);
    CHECK_FALSE(killed.outcome.timed_out);
}

TEST_CASE("stdout and stderr are captured separately")
{
    Captured both = run_shell("echo out1; echo err1 >&2; echo out2; echo err2 >&2");
    CHECK(both.out == "out1\nout2\n");
    CHECK(both.err == "err1\nerr2\n");
}

TEST_CASE("more than a megabyte on each stream is captured completely")
{
    Captured big =
        run_shell("head -c 1500000 /dev/zero | tr '\\0' a & head -c 1200000 /dev/zero | tr '\\0' b >&2; "
                  "wait; echo end");
    REQUIRE(big.out.size() == 1500004);
    REQUIRE(big.err.size() == 1200000);
    CHECK(big.out.find_first_not_of('a') == 1500000);
    CHECK(big.out.substr(1500000) == "end\n");
    CHECK(big.err.find_first_not_of('b') == std::string::npos);
    CHECK(big.outcome.exit_code == 0);
}

TEST_CASE("stdin is /dev/null")
{
    Captured cat = run_shell("cat; echo eof");
    CHECK(cat.out == "eof\n");
}

TEST_CASE("environment overrides and additions reach the command, the rest is inherited")
{
    REQUIRE(std::getenv("PATH") != nullptr);
    ProcessSpec spec;
    spec.argv = {"sh", "-c", "echo \"$OFFLOAD_TEST_ADDED|$HOME|${PATH:+inherited}\""};
    spec.env = {"OFFLOAD_TEST_ADDED=hello world", "HOME=/custom-home"};
    Captured env = run(spec);
    CHECK(env.out == "hello world|/custom-home|inherited\n");
}

TEST_CASE("the working directory is honoured")
{
    TempDir dir;
    ProcessSpec spec;
    spec.argv = {"pwd"};
    spec.working_dir = dir.path.string();
    Captured pwd = run(spec);
    CHECK(pwd.outcome.exit_code == 0);
    CHECK(pwd.out == dir.path.string() + "\n");
}

TEST_CASE("a missing program is a start error naming it")
{
    ProcessSpec spec;
    spec.argv = {"offload-no-such-program-here", "x"};
    const Expected<ProcessExit> exit = run_subprocess(spec);
    REQUIRE_FALSE(exit);
    CHECK(exit.error().find("offload-no-such-program-here") != std::string::npos);
    CHECK(exit.error().find("No such file or directory") != std::string::npos);

    spec.argv.clear();
    const Expected<ProcessExit> empty = run_subprocess(spec);
    REQUIRE_FALSE(empty);
    CHECK(empty.error() == "cannot run an empty command");
}

TEST_CASE("a missing working directory is a start error naming it")
{
    TempDir dir;
    ProcessSpec spec;
    spec.argv = {"true"};
    spec.working_dir = dir.file("missing");
    const Expected<ProcessExit> exit = run_subprocess(spec);
    REQUIRE_FALSE(exit);
    CHECK(exit.error().find(spec.working_dir) != std::string::npos);
    CHECK(exit.error().find("does not exist") != std::string::npos);
}

TEST_CASE("a timeout kills the whole group, even a grandchild that ignores SIGTERM")
{
    TempDir dir;
    const std::string pidfile = dir.file("pid");
    Captured hung = run_shell("trap '' TERM; sleep 30 & echo $! > " + pidfile + ".tmp; mv " + pidfile +
                                  ".tmp " + pidfile + "; echo started; wait",
                              300ms, 300ms);
    CHECK(hung.outcome.timed_out);
    CHECK_FALSE(hung.outcome.cancelled);
    CHECK(hung.outcome.term_signal == SIGKILL);
    CHECK(hung.outcome.exit_code == 128 + SIGKILL);
    CHECK(hung.out == "started\n");
    CHECK(hung.outcome.duration >= 600ms);
    CHECK(hung.outcome.duration < 3s);
    CHECK_FALSE(process_exists(read_pid(pidfile)));
}

TEST_CASE("a timeout ends a command that stops on SIGTERM without waiting for the grace period")
{
    Captured hung = run_shell("sleep 30", 200ms, 10s);
    CHECK(hung.outcome.timed_out);
    CHECK(hung.outcome.term_signal == SIGTERM);
    CHECK(hung.outcome.duration < 3s);
}

TEST_CASE("a process left behind by the leader is killed, and the exit code is the leader's")
{
    TempDir dir;
    const std::string pidfile = dir.file("pid");
    const std::string write_pid = "echo $! > " + pidfile + ".tmp; mv " + pidfile + ".tmp " + pidfile;

    SUBCASE("one that stops on SIGTERM: at once")
    {
        Captured left = run_shell("sleep 30 & " + write_pid + "; exit 4", 0ms, 10s);
        CHECK(left.outcome.exit_code == 4);
        CHECK(left.outcome.term_signal == 0);
        CHECK_FALSE(left.outcome.timed_out);
        CHECK(left.outcome.duration < 3s);
        CHECK_FALSE(process_exists(read_pid(pidfile)));
    }
    SUBCASE("one that ignores SIGTERM: after the grace period")
    {
        Captured left = run_shell("trap '' TERM; sleep 30 & " + write_pid + "; exit 0", 0ms, 300ms);
        CHECK(left.outcome.exit_code == 0);
        CHECK(left.outcome.duration >= 300ms);
        CHECK(left.outcome.duration < 3s);
        CHECK_FALSE(process_exists(read_pid(pidfile)));
    }
}

TEST_CASE("a process that left the group and holds stdout is ended with the command and reported")
{
    TempDir dir;
    const std::string pidfile = dir.file("pid");
    // The leader waits until the escapee has called setsid, so that it surely outlives the group,
    // and has reaped its mv (the .ready file is written by the shell itself, after mv), so that
    // the escapee is the one process left: an mv still exiting when the leader ends is a second.
    Captured escaped = run_shell("setsid sh -c 'echo $$ > " + pidfile + ".tmp; mv " + pidfile + ".tmp " +
                                     pidfile + "; : > " + pidfile + ".ready; exec sleep 30' & while [ ! -e " +
                                     pidfile + ".ready ]; do sleep 0.01; done; echo hi; echo ho >&2",
                                 0ms, 10s);
    const pid_t escapee = read_pid(pidfile);
    CHECK_FALSE(process_running(escapee));

    CHECK(escaped.outcome.exit_code == 0);
    CHECK(escaped.outcome.duration < 5s);
    CHECK(escaped.out == "hi\n");
    CHECK(escaped.err == "ho\n");
    REQUIRE(escaped.outcome.leaked.size() == 1);
    CHECK(escaped.outcome.leaked[0].pid == escapee);
    // "sleep 30", or the shell about to exec it (its line cut at 160 bytes where TMPDIR is long).
    const std::string &line = escaped.outcome.leaked[0].command_line;
    CHECK((line.find("sleep 30") != std::string::npos || line.rfind("sh -c echo $$ > ", 0) == 0));
}

TEST_CASE("what leaves the process group is ended with the command: setsid, setpgid, a daemon's double fork")
{
    TempDir dir;
    const std::string pids = dir.file("pids");
    // Each writes its pid once it has left the group; the leader exits once all three have.
    const std::string script =
        "setsid sh -c 'echo $$ >> " + pids + "; exec sleep 300' < /dev/null > /dev/null 2>&1 &\n" +
        "perl -e 'setpgrp(0, 0); open(F, \">>\", $ARGV[0]); print F \"$$\\n\"; close F; sleep 300' " + pids +
        " < /dev/null > /dev/null 2>&1 &\n" +
        // A daemon: fork, setsid, fork again, the middle one exits at once.
        "perl -e 'exit 0 if fork; POSIX::setsid(); exit 0 if fork; open(F, \">>\", $ARGV[0]); "
        "print F \"$$\\n\"; close F; sleep 300' -MPOSIX " +
        pids + " < /dev/null > /dev/null 2>&1\n" + "while [ \"$(wc -l < " + pids +
        " 2>/dev/null)\" != 3 ]; do sleep 0.01; done\nexit 3\n";
    Captured left = run_shell(script, 0ms, 10s);
    CHECK(left.outcome.exit_code == 3);
    CHECK(left.outcome.duration < 5s);

    std::ifstream in(pids);
    std::vector<pid_t> escaped;
    for (long pid = 0; in >> pid;)
        escaped.push_back(static_cast<pid_t>(pid));
    REQUIRE(escaped.size() == 3);
    for (pid_t pid : escaped) {
        CAPTURE(pid);
        CHECK_FALSE(process_running(pid));
        CHECK(std::any_of(left.outcome.leaked.begin(), left.outcome.leaked.end(),
                          [pid](const LeakedProcess &leaked) { return leaked.pid == pid; }));
    }
}

TEST_CASE("a timeout ends what left the group too, and a stopped command reports no leak")
{
    TempDir dir;
    const std::string pidfile = dir.file("pid");
    Captured hung =
        run_shell("setsid sh -c 'trap \"\" TERM; echo $$ > " + pidfile + ".tmp; mv " + pidfile + ".tmp " +
                      pidfile + "; while :; do sleep 0.05; done' < /dev/null > /dev/null &" + " sleep 30",
                  300ms, 300ms);
    CHECK(hung.outcome.timed_out);
    CHECK(hung.outcome.duration >= 600ms);
    CHECK(hung.outcome.duration < 5s);
    CHECK(hung.outcome.leaked.empty());
    CHECK_FALSE(process_running(read_pid(pidfile)));
}

TEST_CASE("orphans are reaped as they die, not when offload exits")
{
    // 200 helpers, each orphaned at once (setsid -f forks, and its parent exits) and alive for 20 ms;
    // then the command counts the zombies its parent (this process) has.
    const std::string count_zombies =
        "cat /proc/[0-9]*/stat 2>/dev/null | awk -v p=$PPID "
        "'{ s = $0; sub(/.*\\) /, \"\", s); split(s, f, \" \"); if (f[1] == \"Z\" && f[2] == p) n++ } "
        "END { print n + 0 }'";
    Captured counted = run_shell("i=0; while [ $i -lt 200 ]; do setsid -f sleep 0.02; i=$((i+1)); done; "
                                 "sleep 0.5; " +
                                 count_zombies);
    REQUIRE(counted.outcome.exit_code == 0);
    INFO("zombies: " << counted.out);
    CHECK(std::stoi(counted.out) <= 2);
}

TEST_CASE(
    "a command runs in a cgroup of its own where cgroups are used, and its marker is in its environment")
{
    const TreeTracking &tracking = tree_tracking();
    MESSAGE(tracking.description);
    Captured shown = run_shell("sed -n 's/^0:://p' /proc/self/cgroup; echo \"$OFFLOAD_PROCESS_TREE\"");
    std::istringstream lines(shown.out);
    std::string cgroup, marker;
    std::getline(lines, cgroup);
    std::getline(lines, marker);
    // Its own token last, after those of the runs it runs in (this test may run under offload).
    CHECK(marker.substr(marker.rfind(' ') + 1).rfind(tracking.run_id + ".", 0) == 0);
    if (tracking.run_cgroup.empty()) {
        // Where this test runs (which is an outer offload's cgroup when offload runs the test).
        std::ifstream self("/proc/self/cgroup");
        std::string own;
        for (std::string line; std::getline(self, line);)
            if (line.rfind("0::", 0) == 0)
                own = line.substr(3);
        CHECK(cgroup == own);
    } else {
        CHECK(cgroup.rfind(tracking.run_cgroup.name + "/cmd-", 0) == 0);
        // Removed once the command is done.
        CHECK_FALSE(std::filesystem::exists(tracking.run_cgroup.dir / cgroup.substr(cgroup.rfind('/') + 1)));
    }
}

TEST_CASE("an exception from on_output kills the group and propagates")
{
    TempDir dir;
    const std::string pidfile = dir.file("pid");
    ProcessSpec spec;
    spec.argv = {"sh", "-c",
                 "sleep 30 & echo $! > " + pidfile + ".tmp; mv " + pidfile + ".tmp " + pidfile +
                     "; echo go; wait"};
    spec.on_output = [](int, std::string_view) { throw std::runtime_error("consumer failed"); };
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(run_subprocess(spec), "consumer failed", std::runtime_error);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
    CHECK_FALSE(process_exists(read_pid(pidfile)));
}

TEST_CASE("Interrupt::request raises the level, and wait_fd tells")
{
    Interrupt::reset_for_tests();
    CHECK(Interrupt::level() == 0);
    CHECK_FALSE(readable(Interrupt::wait_fd()));

    Interrupt::request(1);
    CHECK(Interrupt::level() == 1);
    CHECK(Interrupt::first_signal() == 0);
    CHECK(readable(Interrupt::wait_fd()));
    CHECK(readable(Interrupt::wait_fd())); // stays readable
    Interrupt::request(1);
    CHECK(Interrupt::level() == 1);
    Interrupt::request(2);
    CHECK(Interrupt::level() == 2);
    Interrupt::request(1); // never lowers
    CHECK(Interrupt::level() == 2);

    Interrupt::reset_for_tests();
    CHECK(Interrupt::level() == 0);
    CHECK_FALSE(readable(Interrupt::wait_fd()));
}

TEST_CASE("signals raise the level: the first one to graceful, the next to immediate")
{
    constexpr std::array<int, 4> signals{SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    std::array<struct sigaction, signals.size()> saved{};
    for (size_t i = 0; i < signals.size(); ++i)
        ::sigaction(signals[i], nullptr, &saved[i]);

    Interrupt::reset_for_tests();
    Interrupt::install_handlers();

    struct sigaction pipe_action {};
    ::sigaction(SIGPIPE, nullptr, &pipe_action);
    CHECK((pipe_action.sa_handler == SIG_IGN));

    ::raise(SIGTERM);
    CHECK(Interrupt::level() == 1);
    CHECK(Interrupt::first_signal() == SIGTERM);
    CHECK(readable(Interrupt::wait_fd()));
    ::raise(SIGINT);
    CHECK(Interrupt::level() == 2);
    CHECK(Interrupt::first_signal() == SIGTERM);
    ::raise(SIGHUP);
    CHECK(Interrupt::level() == 2);

    Interrupt::reset_for_tests();
    ::raise(SIGHUP);
    CHECK(Interrupt::level() == 1);
    CHECK(Interrupt::first_signal() == SIGHUP);

    Interrupt::reset_for_tests();
    for (size_t i = 0; i < signals.size(); ++i)
        ::sigaction(signals[i], &saved[i], nullptr);
}

TEST_CASE("the command gets default signal dispositions and an empty signal mask")
{
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    struct sigaction saved_pipe {};
    struct sigaction saved_int {};
    ::sigaction(SIGPIPE, &ignore, &saved_pipe);
    ::sigaction(SIGINT, &ignore, &saved_int);
    sigset_t blocked, saved_mask;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    ::pthread_sigmask(SIG_BLOCK, &blocked, &saved_mask);

    // An ignored or blocked signal would let the shell go on to "exit 0".
    const int pipe_signal = run_shell("kill -PIPE $$; exit 0").outcome.term_signal;
    const int int_signal = run_shell("kill -INT $$; exit 0").outcome.term_signal;
    const int usr1_signal = run_shell("kill -USR1 $$; exit 0").outcome.term_signal;

    ::pthread_sigmask(SIG_SETMASK, &saved_mask, nullptr);
    ::sigaction(SIGINT, &saved_int, nullptr);
    ::sigaction(SIGPIPE, &saved_pipe, nullptr);
    CHECK(pipe_signal == SIGPIPE);
    CHECK(int_signal == SIGINT);
    CHECK(usr1_signal == SIGUSR1);
}

TEST_CASE("a graceful interruption stops a running command")
{
    DelayedRequest request({{200ms, 1}});
    Captured stopped = run_shell("sleep 30", 0ms, 10s);
    CHECK(stopped.outcome.cancelled);
    CHECK_FALSE(stopped.outcome.timed_out);
    CHECK(stopped.outcome.term_signal == SIGTERM);
    CHECK(stopped.outcome.exit_code == 128 + SIGTERM);
    // The request's clock starts before the command does: a little less than its delay.
    CHECK(stopped.outcome.duration >= 150ms);
    CHECK(stopped.outcome.duration < 3s);
}

TEST_CASE("an immediate interruption kills at once")
{
    SUBCASE("from level 0")
    {
        DelayedRequest request({{200ms, 2}});
        Captured killed = run_shell("trap '' TERM; sleep 30", 0ms, 20s);
        CHECK(killed.outcome.cancelled);
        CHECK(killed.outcome.term_signal == SIGKILL);
        CHECK(killed.outcome.duration < 3s);
    }
    SUBCASE("during the grace period of a graceful one")
    {
        DelayedRequest request({{200ms, 1}, {200ms, 2}});
        Captured killed = run_shell("trap '' TERM; sleep 30", 0ms, 20s);
        CHECK(killed.outcome.cancelled);
        CHECK(killed.outcome.term_signal == SIGKILL);
        // At the second request (400 ms after the requests' clock started, which is a little
        // before the command), not at the first.
        CHECK(killed.outcome.duration >= 300ms);
        CHECK(killed.outcome.duration < 3s);
    }
    SUBCASE("during the grace period of a timeout")
    {
        DelayedRequest request({{400ms, 2}});
        Captured killed = run_shell("trap '' TERM; sleep 30", 200ms, 20s);
        CHECK(killed.outcome.timed_out);
        CHECK(killed.outcome.term_signal == SIGKILL);
        CHECK(killed.outcome.duration >= 300ms); // at the request, after the timeout's TERM
        CHECK(killed.outcome.duration < 3s);
    }
}

TEST_CASE("a command started during a graceful stop runs to its end, unless the stop turns immediate")
{
    Interrupt::request(1);
    Captured cleanup = run_shell("sleep 0.2; echo cleaned");
    CHECK_FALSE(cleanup.outcome.cancelled);
    CHECK(cleanup.outcome.exit_code == 0);
    CHECK(cleanup.out == "cleaned\n");
    {
        DelayedRequest request({{200ms, 2}});
        Captured killed = run_shell("trap '' TERM; sleep 30", 0ms, 20s);
        CHECK(killed.outcome.cancelled);
        CHECK(killed.outcome.term_signal == SIGKILL);
        CHECK(killed.outcome.duration < 3s);
    }
    CHECK(Interrupt::level() == 0);
}

TEST_CASE("the work of a batch started during a graceful stop is not started at all")
{
    // Ctrl-C came while a worker was starting a batch: the batch must not run.
    Interrupt::request(1);
    ProcessSpec spec;
    spec.argv = {"sh", "-c", "echo ran; sleep 30"};
    spec.kill_grace = 10s;
    spec.handled_level = 0;
    Captured batch = run(std::move(spec));
    CHECK(batch.outcome.cancelled);
    CHECK(batch.outcome.exit_code == -1);
    CHECK(batch.out.empty());
    CHECK(batch.outcome.duration < 3s);
    Interrupt::reset_for_tests();
}

TEST_CASE("an operation's commands: stopped by any cancellation until one was, then cleanup runs on")
{
    CHECK(CancelToken::handled_level() == -1);
    CancelToken token;
    {
        CancelToken::Scope scope(&token);
        CHECK(CancelToken::handled_level() == 0);
        token.request(); // the hedged batch lost its race before its command started
        ProcessSpec batch;
        batch.argv = {"sh", "-c", "sleep 30"};
        batch.cancel = token.view();
        batch.handled_level = CancelToken::handled_level();
        Captured stopped = run(std::move(batch));
        CHECK(stopped.outcome.cancelled);
        CHECK(stopped.outcome.exit_code == -1); // not started at all
        CHECK(stopped.outcome.duration < 3s);
        CancelToken::note_handled(1);
        CHECK(CancelToken::handled_level() == 1);

        ProcessSpec cleanup; // a remote kill, say
        cleanup.argv = {"sh", "-c", "sleep 0.2; echo cleaned"};
        cleanup.cancel = token.view();
        cleanup.handled_level = CancelToken::handled_level();
        Captured cleaned = run(std::move(cleanup));
        CHECK_FALSE(cleaned.outcome.cancelled);
        CHECK(cleaned.out == "cleaned\n");
    }
    CHECK(CancelToken::handled_level() == -1);
    CancelToken::note_handled(2); // without a scope: nothing to note
    CHECK(CancelToken::handled_level() == -1);
}

TEST_CASE("concurrent commands each get their own output and exit code, and no other's descriptors")
{
    // Counts the descriptors the shell has open; a pipe leaked from another thread's spawn would add one.
    const std::string count_fds = "set -- /proc/$$/fd/*; echo \"fds $#\"";
    const std::string baseline = run_shell(count_fds).out;
    REQUIRE(baseline.rfind("fds ", 0) == 0);

    constexpr int thread_count = 8;
    std::vector<Captured> results(thread_count * 3);
    std::vector<std::thread> threads;
    for (int t = 0; t < thread_count; ++t) {
        threads.emplace_back([&results, &count_fds, t] {
            for (int round = 0; round < 3; ++round) {
                const std::string script = count_fds + "; i=0; while [ $i -lt 500 ]; do echo \"t" +
                                           std::to_string(t) + " line $i\"; i=$((i+1)); done; echo \"err " +
                                           std::to_string(t) + "\" >&2; exit " + std::to_string(t + round);
                results[static_cast<size_t>(t * 3 + round)] = run_shell(script);
            }
        });
    }
    for (std::thread &thread : threads)
        thread.join();

    for (int t = 0; t < thread_count; ++t) {
        std::string expected = baseline;
        for (int i = 0; i < 500; ++i)
            expected += "t" + std::to_string(t) + " line " + std::to_string(i) + "\n";
        for (int round = 0; round < 3; ++round) {
            const Captured &result = results[static_cast<size_t>(t * 3 + round)];
            CAPTURE(t);
            CAPTURE(round);
            CHECK(result.outcome.exit_code == t + round);
            CHECK(result.out == expected);
            CHECK(result.err == "err " + std::to_string(t) + "\n");
        }
    }
}

TEST_CASE("a stop token stops its own command, gracefully, and no other")
{
    offload::CancelToken token;
    offload::ProcessSpec stopped;
    stopped.argv = {"sleep", "30"};
    stopped.kill_grace = std::chrono::milliseconds(300);
    stopped.cancel = token.view();
    offload::ProcessSpec other;
    other.argv = {"sh", "-c", "sleep 1; exit 3"};
    offload::ProcessExit stopped_outcome, other_outcome;
    std::thread first([&] { stopped_outcome = offload::run_subprocess(stopped).value(); });
    std::thread second([&] { other_outcome = offload::run_subprocess(other).value(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token.request();
    first.join();
    second.join();
    CHECK(stopped_outcome.cancelled);
    CHECK(stopped_outcome.term_signal == SIGTERM);
    CHECK(stopped_outcome.duration < std::chrono::seconds(5));
    CHECK_FALSE(other_outcome.cancelled);
    CHECK(other_outcome.exit_code == 3);
    CHECK(offload::Interrupt::level() == 0);
}

TEST_CASE("input reaches stdin as it is written, and its end closes stdin")
{
    std::signal(SIGPIPE, SIG_IGN); // as offload itself does
    offload::InputFeed feed;
    offload::ProcessSpec spec;
    // Echoes each line back with a prefix as it arrives; ends at the end of its input.
    spec.argv = {"sh", "-c", "while IFS= read -r line; do echo \"got $line\"; done; echo eof"};
    spec.input = feed.view();
    std::string out;
    std::mutex out_mutex;
    spec.on_output = [&](int, std::string_view data) {
        std::lock_guard lock(out_mutex);
        out.append(data);
    };
    offload::ProcessExit outcome;
    std::thread runner([&] { outcome = offload::run_subprocess(spec).value(); });
    feed.write("one\n");
    // The command answers the first line before the second is written: input is live.
    for (int i = 0; i < 500; ++i) {
        {
            std::lock_guard lock(out_mutex);
            if (out == "got one\n")
                break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    {
        std::lock_guard lock(out_mutex);
        CHECK(out == "got one\n");
    }
    feed.write("two\nthree\n");
    feed.close();
    runner.join();
    CHECK(outcome.exit_code == 0);
    CHECK(out == "got one\ngot two\ngot three\neof\n");
}

TEST_CASE("input the command does not read is dropped, and never blocks the call")
{
    std::signal(SIGPIPE, SIG_IGN);
    offload::InputFeed feed;
    feed.write(std::string(1 << 20, 'x')); // far more than a pipe holds
    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", "exec 0<&-; echo closed"}; // closes its stdin at once
    spec.input = feed.view();
    Captured captured = run(std::move(spec));
    CHECK(captured.outcome.exit_code == 0);
    CHECK(captured.out == "closed\n");
    CHECK(captured.outcome.duration < std::chrono::seconds(5));
}

TEST_CASE("a command waiting for input is stopped by its cancel token")
{
    offload::InputFeed feed; // never written, never closed
    offload::CancelToken token;
    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", "read line; echo never"};
    spec.input = feed.view();
    spec.cancel = token.view();
    spec.kill_grace = std::chrono::milliseconds(200);
    offload::ProcessExit outcome;
    std::thread runner([&] { outcome = offload::run_subprocess(spec).value(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token.request();
    runner.join();
    CHECK(outcome.cancelled);
    CHECK(outcome.duration < std::chrono::seconds(3));
}

TEST_CASE("a cancel token's level 2 kills at once, and its wait descriptor wakes on the run's interrupt too")
{
    offload::CancelToken token;
    pollfd fd{token.wait_fd(), POLLIN, 0};
    CHECK(::poll(&fd, 1, 0) == 0);
    offload::Interrupt::request(1);
    CHECK(::poll(&fd, 1, 0) == 1);
    CHECK(token.level() == 1);
    CHECK(token.own_level() == 0);
    offload::Interrupt::reset_for_tests();
    CHECK(token.level() == 0);

    offload::ProcessSpec spec;
    spec.argv = {"sh", "-c", "trap '' TERM; sleep 30"}; // ignores SIGTERM
    spec.cancel = token.view();
    spec.kill_grace = std::chrono::seconds(20);
    offload::ProcessExit outcome;
    std::thread runner([&] { outcome = offload::run_subprocess(spec).value(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    token.request(2);
    runner.join();
    CHECK(outcome.cancelled);
    CHECK(outcome.duration < std::chrono::seconds(5));
}
