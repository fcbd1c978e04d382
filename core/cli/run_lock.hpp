// One `offload run` at a time per output directory, and the cleanup after one that was killed.
//
// A run holds an exclusive flock on OUTPUT_DIR/.offload.lock from before discovery until its
// report and summary are written: everything a run writes there (logs/batch-*.log, removed at its
// start; junit.xml; what --rerun-failed reads) is then one run's. A second run in the same
// directory waits, saying once which run it waits for; Ctrl-C ends the wait. A run started from
// inside the run that holds the lock (a test of it) would wait for itself: it is refused.
//
// The lock file also records the holder: its pid and start time, its run id (the token in its
// commands' OFFLOAD_PROCESS_TREE) and its cgroup. A run that ends, however it ends short of
// SIGKILL, clears the record; a record found by the next run names a run that died: what it left
// running (its cgroup, processes carrying its marker) is ended, and one line says so.
#pragma once

#include "util/fd.hpp"

#include <filesystem>
#include <memory>

namespace offload {

class RunLock {
  public:
    // Takes the lock of output_dir (created if missing), waiting for another run that holds it, and
    // cleans up after a run that died holding it. A lock that cannot be taken at all (a read-only
    // directory, a planted device) is a warning: the run goes on without it. Throws Error when
    // interrupted while waiting (exit code 130) or when the holder is a run this one is part of.
    // Main thread.
    static std::unique_ptr<RunLock> acquire(const std::filesystem::path &output_dir);

    // Clears the record (this run did not die) and releases the lock.
    ~RunLock();
    RunLock(const RunLock &) = delete;
    RunLock &operator=(const RunLock &) = delete;

  private:
    explicit RunLock(Fd fd) : m_fd(std::move(fd)) {}
    Fd m_fd;
};

} // namespace offload
