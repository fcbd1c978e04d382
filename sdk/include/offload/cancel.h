/* offload plugin SDK — cancellation as an explicit handle (ABI 1.2).
 *
 * The host passes a handle with every request of the newer interfaces (offload.provider.exec/2,
 * offload.host.process/2). It tells how hard the work of that request is being stopped: the whole
 * run (Ctrl-C), or that request alone (a per-test timeout, a hedged duplicate that lost its race,
 * --fail-fast). Unlike host->cancel_level(), which answers for the calling thread, a handle can be
 * handed to any thread a plugin starts for the request.
 */
#pragma once

#include "abi.h"
#include "host.h"

typedef struct offload_cancel offload_cancel;

/* Owned by the host; valid until the request it came with returns (a plugin thread that uses it
 * must be done with it by then). */
struct offload_cancel {
    uint32_t struct_size;
    void *context; /* private to the host */

    /* [thread-safe] The level in force for the request: OFFLOAD_CANCEL_NONE, then GRACEFUL (stop
     * what runs, politely: SIGTERM, a grace period, SIGKILL), then IMMEDIATE (kill at once). The
     * level only rises. */
    offload_cancel_level (*level)(const offload_cancel *cancel);

    /* Readable (POLLIN) once level() is above OFFLOAD_CANCEL_NONE, and stays readable: poll it
     * beside your own descriptors. Owned by the host; never read or close it. */
    int32_t wait_fd;
};

/* [thread-safe] The level of cancel, or OFFLOAD_CANCEL_NONE for a NULL handle. */
static inline offload_cancel_level offload_cancel_level_of(const offload_cancel *cancel)
{
    return cancel && cancel->level ? cancel->level(cancel) : OFFLOAD_CANCEL_NONE;
}
