// Local processes for plugins: the host's run_process service (SDK 1.0) and its successor, the host
// extension offload.host.process/2 (explicit cancellation handle, input for stdin).
#pragma once

#include <offload/host_process.h>
#include <offload/sizes.h>

namespace offload {

// host->run_process of every plugin. Cancellation comes from the calling thread (CancelToken::current()).
offload_status run_process_v1(const offload_host *host, const offload_process_request *request,
                              offload_process_result *result, const offload_text_sink *error);

// Registers offload.host.process/2 with the host's extensions, once (later calls do nothing).
// Called before the first plugin is initialized. [thread-safe]
void offer_process_extension();

} // namespace offload
