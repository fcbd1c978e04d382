// Cancellation of one operation (an exec of a batch or worker, a command) beside the process-wide
// Interrupt: a per-test timeout, a hedged duplicate that lost its race, --fail-fast, a worker
// stopped so that an idle sandbox can take its tests. The token is the explicit handle that
// reaches plugins as an offload_cancel (SDK 1.2).
#pragma once

#include <offload/cancel.h>

#include <atomic>

namespace offload {

// Thread-safe. Neither copyable nor movable: commands and plugins hold pointers to it (and to its
// C view) while they run.
class CancelToken {
  public:
    CancelToken();
    ~CancelToken();
    CancelToken(const CancelToken &) = delete;
    CancelToken &operator=(const CancelToken &) = delete;

    // Raises the token's own level: 1 stops politely (SIGTERM, grace, SIGKILL), 2 kills at once.
    // Never lowers it. Idempotent.
    void request(int level = 1);
    // The token's own level, without the run's.
    int own_level() const { return m_level.load(); }
    bool requested() const { return own_level() > 0; }
    // What is in force: the higher of the run's Interrupt::level() and the token's own level.
    int level() const;
    // Readable (POLLIN) once level() > 0, and stays readable: the token's own request and the
    // run's interruption both wake it. Never read or close it.
    int wait_fd() const { return m_epoll_fd; }

    // The token as the SDK's offload_cancel, valid as long as the token.
    const offload_cancel *view() const { return &m_view; }

    // --- The calling thread's token, for plugins built against SDK 1.0/1.1 -----------------------
    // Their exec() has no cancellation handle: host->cancel_level() and run_subprocess() find the
    // token of the exec through the thread that runs it.

    // The token the calling thread works for, or nullptr. Set with Scope.
    static const CancelToken *current();
    // The cancellation level (0-2) that has already stopped a command of the calling thread's
    // operation; -1 without a Scope. Commands the operation starts afterwards are its cleanup (a
    // remote kill after Ctrl-C) and stop only when the level rises above it; before, any
    // cancellation stops them, even one older than they are.
    static int handled_level();
    // Raises handled_level() to `level`. Does nothing without a Scope.
    static void note_handled(int level);

    // Makes token the calling thread's current one, with handled_level() 0, for the scope's lifetime.
    class Scope {
      public:
        explicit Scope(const CancelToken *token);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

      private:
        const CancelToken *m_previous;
        int m_previous_handled;
    };

  private:
    std::atomic<int> m_level{0};
    int m_event_fd = -1; // raised by request()
    int m_epoll_fd = -1; // watches m_event_fd and Interrupt::wait_fd()
    offload_cancel m_view;
};

// The run's own cancellation alone (Interrupt), as an offload_cancel: for commands that no
// operation owns. Valid until exit.
const offload_cancel *run_cancel();

// The level in force for work under `cancel` (null: the run's own, Interrupt::level()). Any thread.
int cancel_level(const offload_cancel *cancel);
// Likewise for a token (null: the run's own).
int cancel_level(const CancelToken *token);

} // namespace offload
