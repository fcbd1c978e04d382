// Process-wide interruption state: how hard the user (Ctrl-C, SIGTERM, SIGHUP) or offload itself has
// asked the run to stop, readable from any thread and pollable through a file descriptor.
#pragma once

namespace offload {

// Levels match offload_cancel_level of the SDK: 0 none, 1 graceful (first signal), 2 immediate (second).
// The level only rises until reset_for_tests().
class Interrupt {
  public:
    // Main thread, once, before any other thread starts: SIGINT, SIGTERM and SIGHUP raise the level
    // (a signal at level 0 -> 1, at any higher level -> 2, so that Ctrl-C during a stop that offload
    // requested itself makes it immediate); SIGPIPE is ignored. The handlers are async-signal-safe.
    // Throws Error when the notification pipe cannot be created.
    static void install_handlers();

    static int level(); // any thread

    // The signal number that raised the level from 0 to 1; 0 while the level is 0 or if request()
    // raised it. Any thread.
    static int first_signal();

    // A file descriptor that becomes readable (POLLIN) once level() > 0 and stays readable until
    // reset_for_tests(). Owned by Interrupt, close-on-exec; never read or close it. Any thread.
    static int wait_fd();

    // Raises the level to `level` (clamped to 1..2) as a signal would, never lowers it: for internal
    // stops and for tests. Any thread, not from a signal handler.
    static void request(int level);

    // Back to level 0, first_signal() 0, wait_fd() not readable. Tests only; no thread may be waiting
    // on wait_fd() or be in run_subprocess().
    static void reset_for_tests();
};

// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER) so that the processes test
// commands orphan are re-parented to offload, where run_subprocess finds and ends them, and starts
// the thread that reaps them as they die (process/orphan_reaper.hpp). Main thread, once, before
// any other thread starts (it blocks SIGCHLD for every thread started later). Should the kernel
// refuse, orphans go to init as usual: run_subprocess then still ends them, and init reaps them.
void become_subreaper();

} // namespace offload
