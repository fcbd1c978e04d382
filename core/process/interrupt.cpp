#include "process/interrupt.hpp"

#include "process/orphan_reaper.hpp"
#include "util/error.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace offload {

namespace {

// Plain lock-free atomics: the signal handler reads and writes them.
std::atomic<int> g_level{0};
std::atomic<int> g_first_signal{0};
std::atomic<int> g_write_fd{-1}; // write end of the self-pipe, -1 until it exists
static_assert(std::atomic<int>::is_always_lock_free);

struct SelfPipe {
    int read_fd;
    int write_fd;
};

// Created on first use; the initialisation of a function-local static is thread-safe. Both ends are
// non-blocking: a full pipe is readable enough, and reset_for_tests() drains it to EAGAIN.
const SelfPipe &self_pipe()
{
    static const SelfPipe pipe = [] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
            throw Error("cannot create the interruption pipe: " + errno_text(errno));
        g_write_fd.store(fds[1]);
        return SelfPipe{fds[0], fds[1]};
    }();
    return pipe;
}

// Async-signal-safe.
void notify() noexcept
{
    const int fd = g_write_fd.load();
    if (fd < 0)
        return;
    const char byte = 1;
    // EAGAIN (pipe full) is fine: the pipe is readable already.
    if (::write(fd, &byte, 1) < 0) {
    }
}

// Raises the level to at least `target`; returns the level before. Async-signal-safe.
int raise_level(int target) noexcept
{
    int current = g_level.load();
    while (current < target && !g_level.compare_exchange_weak(current, target)) {
    }
    return current;
}

extern "C" void on_stop_signal(int signal_number)
{
    const int saved_errno = errno;
    int current = g_level.load();
    while (!g_level.compare_exchange_weak(current, current == 0 ? 1 : 2)) {
    }
    if (current == 0)
        g_first_signal.store(signal_number);
    notify();
    errno = saved_errno;
}

} // namespace

void Interrupt::install_handlers()
{
    self_pipe(); // the handler cannot create it

    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        sigaddset(&action.sa_mask, signal_number);
    for (int signal_number : {SIGINT, SIGTERM, SIGHUP})
        ::sigaction(signal_number, &action, nullptr);

    // A reader that went away (a closed pipe or socket) must show up as EPIPE, not end offload.
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, nullptr);
}

int Interrupt::level()
{
    return g_level.load();
}

int Interrupt::first_signal()
{
    return g_first_signal.load();
}

int Interrupt::wait_fd()
{
    return self_pipe().read_fd;
}

void Interrupt::request(int level)
{
    self_pipe();
    raise_level(level >= 2 ? 2 : 1);
    notify();
}

void Interrupt::reset_for_tests()
{
    const int fd = self_pipe().read_fd;
    g_level.store(0);
    g_first_signal.store(0);
    char buffer[256];
    for (;;) {
        const ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count > 0 || (count < 0 && errno == EINTR))
            continue;
        break; // EAGAIN: empty
    }
}

void become_subreaper()
{
    // Failure only degrades cleanup (see the header), so it is not an error.
    start_orphan_reaper();
}

} // namespace offload
