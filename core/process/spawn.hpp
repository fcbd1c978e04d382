// Starting one command: a new process group, chosen descriptors on 0, 1 and 2, default signal
// dispositions and an empty signal mask, and, where asked, a cgroup v2 to start in.
#pragma once

#include "util/expected.hpp"

#include <string>
#include <vector>

#include <sys/types.h>

namespace offload {

struct SpawnRequest {
    std::vector<std::string> argv;        // argv[0] is looked up in offload's own PATH
    std::string working_dir;              // empty: inherit
    std::vector<std::string> environment; // the command's whole environment, "NAME=value"
    int stdin_fd = -1;                    // < 0: /dev/null
    int stdout_fd = -1;
    int stderr_fd = -1;
    // A descriptor of a cgroup v2 directory, or -1. The child is created inside it (clone3 with
    // CLONE_INTO_CGROUP), so that even what it starts before its exec is there.
    int cgroup_fd = -1;
};

struct Spawned {
    pid_t pid = 0;
    bool in_cgroup = false; // started inside request.cgroup_fd's cgroup (else the kernel refused it)
};

// Starts the command in a new process group (its pgid == its pid) and returns once it has exec'd:
// its pid, or why it could not be started ("No such file or directory"). When the kernel refuses to
// create the child in the cgroup, it is started outside it (in_cgroup false). Thread-safe; every
// descriptor offload holds stays out of the child (they are all close-on-exec).
Expected<Spawned> spawn_process(const SpawnRequest &request);

// Whether spawn_process can start a child inside the cgroup (the kernel has clone3 with
// CLONE_INTO_CGROUP, Linux 5.7, and offload may move processes into it), tried with a child that
// exits at once; else why not.
Expected<void> probe_spawn_into_cgroup(int cgroup_fd);

} // namespace offload
