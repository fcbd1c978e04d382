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

    // Makes token the calling thread's current one for the scope's lifetime.
    class Scope {
    public:
        explicit Scope(const StopToken *token);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        const StopToken *m_previous;
    };

private:
    std::atomic<bool> m_requested{false};
    int m_fd = -1;
};

} // namespace offload
