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

// The processes that commands run by plugins on the calling thread left running (and that were
// ended), since the last call on this thread; each is also logged as a LEAK warning. For the
// caller of a provider's exec, to tell which batch leaked: offload_process_result has no room for
// them (its layout is frozen). [caller-thread]
std::vector<LeakedProcess> take_leaked_processes();

// Registers offload.host.process/2 with the host's extensions, once (later calls do nothing).
// Called before the first plugin is initialized. [thread-safe]
void offer_process_extension();

} // namespace offload
