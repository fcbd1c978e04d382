/* offload plugin SDK — provider extension "offload.provider.exec/2": exec with input for the
 * command's stdin and an explicit cancellation handle (ABI 1.2).
 *
 * A provider that returns this from get_interface(OFFLOAD_PROVIDER_EXEC_V2) has its exec/2 called
 * instead of offload_provider_v1.exec; everything else (create_sandbox, download, destroy...) stays
 * in offload_provider_v1. A provider without it keeps working: its commands get an empty stdin,
 * and offload then hands test workers their tests inside the command line.
 */
#pragma once

#include "abi.h"
#include "cancel.h"
#include "input.h"
#include "provider.h"

#define OFFLOAD_PROVIDER_EXEC_V2 "offload.provider.exec/2"

/* What capabilities() may answer. */
enum {
    /* exec/2 forwards request->input to the command's stdin while it runs (test workers pull
     * their tests through it). Without it, offload never passes an input. */
    OFFLOAD_EXEC_INPUT = 1u << 0,
    /* Sandboxes are processes on this machine: running a duplicate of a slow test costs only CPU,
     * so tail hedging is on unless the user turns it off. */
    OFFLOAD_EXEC_CHEAP_DUPLICATES = 1u << 1
};

/* One command to run in a sandbox. Everything is borrowed for the call. */
typedef struct offload_exec_request_v2 {
    uint32_t struct_size;
    const char *command;               /* one shell command line, run in the sandbox's work dir */
    const char *const *env;            /* NULL-terminated "NAME=value" entries to add; may be NULL */
    uint64_t timeout_ms;               /* kill the command's whole process tree after this; 0: none */
    const offload_output_sink *output; /* the command's output as it arrives */
    const offload_input *input;        /* the command's stdin; NULL: empty */
    const offload_cancel *cancel;      /* never NULL: stop the command when its level rises */
} offload_exec_request_v2;

/* Static storage duration, owned by the plugin (like offload_provider_v1). */
typedef struct offload_provider_exec_v2 {
    uint32_t struct_size;

    /* [main-thread] [optional] OFFLOAD_EXEC_* flags of this instance, asked once after prepare().
     * NULL: none. */
    uint32_t (*capabilities)(const offload_provider_instance *instance);

    /* [worker-thread] Runs a command and waits for it; called instead of offload_provider_v1.exec,
     * with the same rules: calls for one sandbox never overlap; returns OFFLOAD_OK when the command
     * ran (result says how it ended), OFFLOAD_INFRA_ERROR when the sandbox failed,
     * OFFLOAD_CANCELLED once request->cancel stopped it. The provider may run request->cancel's
     * cleanup (a remote kill) before it returns; run_process calls for that cleanup pass
     * OFFLOAD_PROCESS_CLEANUP. request and everything it points to are borrowed for the call
     * (request->cancel and request->input may be handed to threads of the plugin, which must be
     * done with them before exec returns); result is owned by the host, which sets its
     * struct_size; request->output is called on this thread, before exec returns. */
    offload_status (*exec)(offload_sandbox *sandbox, const offload_exec_request_v2 *request,
                           offload_exec_result *result, const offload_text_sink *error);

    /* [main-thread] [optional] For a provider whose commands run on this machine: where and with
     * what environment they run, so that test discovery — which offload runs on this machine — sees
     * the same (the PYTHONPATH of a src/ layout, say). Appends the directory to working_dir (nothing:
     * the project directory) and calls env->append once per "NAME=value" entry, each whole. Called
     * after create(), before prepare(). */
    offload_status (*local_context)(const offload_provider_instance *instance,
                                    const offload_text_sink *working_dir, const offload_text_sink *env,
                                    const offload_text_sink *error);
} offload_provider_exec_v2;
