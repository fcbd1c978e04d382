/* offload plugin SDK — input for a command's stdin (ABI 1.2).
 *
 * A test worker (see docs/test-protocol.md) reads the ids of the tests to run on its stdin while
 * it runs: the host writes them as it decides who runs what. An offload_input is that stream. A
 * provider that runs commands locally hands it to the host's run_process (offload.host.process/2),
 * which pumps it into the command's stdin; a provider with its own transport reads it itself and
 * forwards the bytes, in order, to the command's stdin, then closes that stdin at the end.
 */
#pragma once

#include "abi.h"

typedef struct offload_input offload_input;

/* Owned by the host; valid until the request it came with returns. */
struct offload_input {
    uint32_t struct_size;
    void *context; /* private to the host */

    /* [thread-safe] Moves up to `capacity` bytes of the input into `buffer` (owned by the caller)
     * without blocking. Returns how many (> 0); 0 at the end of the input (nothing more will
     * come: close the command's stdin); -1 when nothing is available yet (wait for ready_fd). */
    int64_t (*read)(const offload_input *input, char *buffer, size_t capacity);

    /* Readable (POLLIN) whenever read() would not return -1. Owned by the host; never read or
     * close it. */
    int32_t ready_fd;
};
