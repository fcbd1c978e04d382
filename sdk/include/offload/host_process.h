/* offload plugin SDK — host extension "offload.host.process/2": run a local command, with an
 * explicit cancellation handle and input for its stdin (ABI 1.2).
 *
 * Supersedes host->run_process() (which stays, for plugins built against older headers). Get it
 * with host->get_extension(host, OFFLOAD_HOST_PROCESS_V2).
 */
#pragma once

#include "abi.h"
#include "cancel.h"
#include "host.h"
#include "input.h"

#define OFFLOAD_HOST_PROCESS_V2 "offload.host.process/2"

/* Flags of offload_process_request_v2. */
enum {
    /* Cleanup after a stop (a remote kill, a destroy): the command runs even when the handle is
     * already cancelled, and is stopped only when its level rises above the one in force when
     * the command started. Without the flag a command whose handle is already cancelled is not
     * started at all (run_process returns OFFLOAD_CANCELLED). */
    OFFLOAD_PROCESS_CLEANUP = 1u << 0
};

/* A local command. Everything is borrowed for the call. */
typedef struct offload_process_request_v2 {
    uint32_t struct_size;
    const char *const *argv;           /* NULL-terminated; argv[0] is looked up in PATH */
    const char *working_dir;           /* NULL: the project directory */
    const char *const *env;            /* NULL-terminated "NAME=value" entries added to (or
                                          replacing in) offload's own environment; may be NULL */
    uint64_t timeout_ms;               /* 0: no timeout */
    uint64_t kill_grace_ms;            /* between SIGTERM and SIGKILL to the process group */
    const offload_output_sink *output; /* stdout and stderr as they arrive; may be NULL */
    const offload_input *input;        /* pumped into stdin; NULL: stdin is /dev/null */
    const offload_cancel *cancel;      /* NULL: only the run's own cancellation (Ctrl-C) */
    uint32_t flags;                    /* OFFLOAD_PROCESS_* */
} offload_process_request_v2;

/* Owned by the host; valid until the plugin's deinit(). */
typedef struct offload_host_process_v2 {
    uint32_t struct_size;

    /* [thread-safe] Runs argv in a new process group and waits until it and everything left in
     * its group is gone. On timeout or cancellation the group gets SIGTERM, then SIGKILL after
     * kill_grace_ms (at once at OFFLOAD_CANCEL_IMMEDIATE). Output is handed to request->output on
     * the calling thread. Input is written to stdin as it becomes available; stdin is closed at the
     * end of the input, and input the command no longer reads is dropped.
     * Returns OFFLOAD_OK when the command ran (whatever its exit code: see result),
     * OFFLOAD_CANCELLED when cancellation stopped it (or it was not started, see
     * OFFLOAD_PROCESS_CLEANUP), OFFLOAD_ERROR when it could not be started (error says why).
     * request and error are borrowed for the call; result is owned by the caller, who sets its
     * struct_size. */
    offload_status (*run_process)(const offload_host *host, const offload_process_request_v2 *request,
                                  offload_process_result *result, const offload_text_sink *error);
} offload_host_process_v2;
