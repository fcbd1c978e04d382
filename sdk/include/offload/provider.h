/* offload plugin SDK — the provider interface: where batches run.
 *
 * A provider hands out sandboxes: places where one batch runs at a time (a scratch directory, a
 * directory on an SSH host, a container, a Slurm allocation). The host calls prepare() once, then
 * creates sandboxes as it needs them, runs batches on them and destroys every one of them, on
 * success, failure, timeout and Ctrl-C alike.
 *
 * Threads (each function's tag says which): create/destroy/config_template/prepare/
 * sandbox_capacity are called on the main thread. create_sandbox, exec, download and
 * destroy_sandbox are called from worker threads, concurrently for different sandboxes of one
 * instance (so the instance must not change after prepare(), or must lock itself); calls for one
 * sandbox never overlap. destroy_sandbox is never called while exec runs on that sandbox: on Ctrl-C
 * the host waits for exec to return (it must notice host->cancel_level() and stop what it runs)
 * before destroying.
 *
 * Ownership: the instance and its sandboxes are created and freed by the plugin alone; the host
 * holds them between create and destroy (create_sandbox and destroy_sandbox). Requests and
 * strings passed in are borrowed for the call; results are owned by the host, which sets their
 * struct_size.
 *
 * Extensions of this interface (answer them from get_interface too): OFFLOAD_PROVIDER_EXEC_V2
 * (provider_exec.h).
 */
#pragma once

#include "abi.h"
#include "host.h"

#define OFFLOAD_PROVIDER_INTERFACE_V1 "offload.provider.v1"

/* Opaque objects, created and freed only by the same plugin. */
typedef struct offload_provider_instance offload_provider_instance;
typedef struct offload_sandbox offload_sandbox;

typedef struct offload_prepare_request {
    uint32_t struct_size;
    const char *project_dir; /* absolute path of the directory holding offload.toml */
    uint32_t max_sandboxes;  /* no more than this many sandboxes will be created at once */
} offload_prepare_request;

typedef struct offload_sandbox_request {
    uint32_t struct_size;
    uint32_t index; /* 0, 1, 2... unique within the run; for names and logs */
} offload_sandbox_request;

typedef struct offload_exec_request {
    uint32_t struct_size;
    const char *command;               /* one shell command line, run in the sandbox's work dir */
    const char *const *env;            /* NULL-terminated "NAME=value" entries to add; may be NULL */
    uint64_t timeout_ms;               /* kill the command's whole process tree after this; 0: none */
    const offload_output_sink *output; /* the command's output as it arrives */
} offload_exec_request;

typedef struct offload_exec_result {
    uint32_t struct_size;
    int32_t exit_code; /* exit code, or 128 + signal */
    int32_t timed_out; /* 1 if killed at timeout_ms */
    uint64_t duration_ms;
} offload_exec_result;

typedef struct offload_provider_v1 {
    uint32_t struct_size;

    /* [main-thread] Reads the [provider] table and creates an instance. Cheap: no remote work
     * here. host and config are owned by the host; both stay valid until destroy(instance). */
    offload_status (*create)(const offload_host *host, const offload_config *config,
                             offload_provider_instance **instance, const offload_text_sink *error);
    /* [main-thread] Frees the instance. All its sandboxes have been destroyed before. */
    void (*destroy)(offload_provider_instance *instance);

    /* [main-thread] [optional] Appends the commented TOML lines of the [provider] table for
     * `offload init`, without the table header and without `type`. Must produce a working
     * configuration. NULL: `offload init` writes the table with `type` alone. */
    void (*config_template)(const offload_text_sink *toml);

    /* [main-thread] [optional] Once per run, before the first sandbox: build images, sync the
     * project, check access. NULL: nothing to prepare. */
    offload_status (*prepare)(offload_provider_instance *instance, const offload_prepare_request *request,
                              const offload_text_sink *error);

    /* [worker-thread] Creates a sandbox, owned by the plugin until destroy_sandbox(). work_dir
     * receives the directory commands run in, as a path valid inside the sandbox. Returns
     * OFFLOAD_INFRA_ERROR for failures worth retrying (capacity, network). */
    offload_status (*create_sandbox)(offload_provider_instance *instance,
                                     const offload_sandbox_request *request, offload_sandbox **sandbox,
                                     const offload_text_sink *work_dir, const offload_text_sink *error);

    /* [worker-thread] Runs a command and waits for it. Returns OFFLOAD_OK when the command ran
     * (result says how it ended, a failing test is still OFFLOAD_OK), OFFLOAD_INFRA_ERROR when the
     * sandbox failed (the host retries the batch elsewhere), OFFLOAD_CANCELLED after a
     * cancellation. request->output is called on this thread, before exec returns. Not called when
     * the plugin answers OFFLOAD_PROVIDER_EXEC_V2: its exec is called instead. */
    offload_status (*exec)(offload_sandbox *sandbox, const offload_exec_request *request,
                           offload_exec_result *result, const offload_text_sink *error);

    /* [worker-thread] [optional] Copies a file from the sandbox (path as inside the sandbox) to
     * the host (local_path). OFFLOAD_NOT_FOUND when the file does not exist there. NULL: the host
     * takes every file as OFFLOAD_NOT_FOUND (result files are never brought back). */
    offload_status (*download)(offload_sandbox *sandbox, const char *sandbox_path, const char *local_path,
                               const offload_text_sink *error);

    /* [worker-thread] Stops whatever still runs in the sandbox and releases it. Frees sandbox even
     * on error; the host never uses it again. */
    offload_status (*destroy_sandbox)(offload_sandbox *sandbox, const offload_text_sink *error);

    /* Appended in ABI 1.1 (check OFFLOAD_HAS_FIELD). [main-thread] [optional] How many sandboxes
     * can exist at once, as learned by prepare() (free slots on the hosts, a quota); 0 for no
     * limit. The host never asks for more. Called after prepare(). NULL: no limit. */
    uint32_t (*sandbox_capacity)(const offload_provider_instance *instance);
} offload_provider_v1;
