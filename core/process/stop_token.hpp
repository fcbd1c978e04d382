// A stop request for one operation (a batch), next to the process-wide Interrupt: when a hedged
// batch loses its race, only its own processes are stopped.
#pragma once

#include <atomic>

namespace offload {

// Thread-safe. Not copyable: commands hold a pointer to it while they run.
class StopToken {
public:
    StopToken();
    ~StopToken();
    StopToken(const StopToken &) = delete;
    StopToken &operator=(const StopToken &) = delete;

    // Asks every command running under this token to stop (SIGTERM, grace, SIGKILL). Idempotent.
    void request();
    bool requested() const { return m_requested.load(); }
    // Readable (POLLIN) once requested, and stays so. Never read or close it.
    int wait_fd() const { return m_fd; }

    // The token of the operation the calling thread works for, or nullptr. Set with Scope.
    static const StopToken *current();

    // The cancellation level (0-2, the run's Interrupt level or this token's graceful stop) that has
    // already stopped a command of the calling thread's operation; -1 without a Scope. Commands the
    // operation starts afterwards are its cleanup (a remote kill after Ctrl-C) and stop only when
    // the level rises above it; before, any cancellation stops them, even one older than they are.
    static int handled_level();
    // Raises handled_level() to `level`. Does nothing without a Scope.
    static void note_handled(int level);

    // Makes token the calling thread's current one, with handled_level() 0, for the scope's lifetime.
    class Scope {
    public:
        explicit Scope(const StopToken *token);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        const StopToken *m_previous;
        int m_previous_handled;
    };

private:
    std::atomic<bool> m_requested{false};
    int m_fd = -1;
};

// The cancellation level (0-2) in force for work under `token` (may be null): the run's
// Interrupt::level(), raised to 1 (graceful) once the token alone is requested. Any thread.
int cancel_level(const StopToken *token);

} // namespace offload
