// Local processes for plugins: the host's run_process service (SDK 1.0) and its successor, the host
// extension offload.host.process/2 (explicit cancellation handle, input for stdin).
#pragma once

#include "process/process_tree.hpp"

#include <offload/host_process.h>
#include <offload/sizes.h>

#include <vector>

namespace offload {

// host->run_process of every plugin. Cancellation comes from the calling thread (CancelToken::current()).
offload_status run_process_v1(const offload_host *host, const offload_process_request *request,
                              offload_process_result *result, const offload_text_sink *error);

// Processes that a command run by a plugin left running when it exited (offload ended them) are
// a leak to report. While a LeakCollector lives on a thread, the leaks of that thread's commands
// are kept for its owner, who knows more to say (a provider's exec: which batch and tests);
// without one, each is logged as a LEAK warning at once. offload_process_result has no room for
// them: its layout is frozen. [caller-thread]
class LeakCollector {
  public:
    LeakCollector();
    ~LeakCollector();
    LeakCollector(const LeakCollector &) = delete;
    LeakCollector &operator=(const LeakCollector &) = delete;

    // What was collected so far, in the order the commands ended.
    std::vector<LeakedProcess> take();
    // Called by the process service as a command ends.
    void add(const std::vector<LeakedProcess> &leaked);

  private:
    std::vector<LeakedProcess> m_leaked;
    LeakCollector *m_outer;
};

// Registers offload.host.process/2 with the host's extensions, once (later calls do nothing).
// Called before the first plugin is initialized. [thread-safe]
void offer_process_extension();

} // namespace offload
